"""get_ipython(): Luci's worker's stand-in shell (luci_worker/kernel_shell.py).

Libraries ask it whether they run in a Jupyter kernel (ipywidgets registers its comm targets
only then); outside Luci's worker, where luci_worker is not loaded, it returns None as a plain
Python process would.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def get_ipython() -> Any:
    if "luci_worker" not in sys.modules:
        return None
    from luci_worker import kernel_shell

    return kernel_shell.get_ipython()

"""The kernel driver against both real kernels: a cell past its deadline is interrupted, counted
as a timeout, and the kernel goes on with its variables; variables come back for the judge
without entering the notebook's history or namespace.

    . .ci/env.sh && .venv/bin/python -m pytest bench/tasks -q
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from judge import FetchError
from kernel_driver import Kernel


@pytest.mark.parametrize("kernel_name, prefix", [("luci", "%%python\n"), ("python3", "")])
def test_timeout_interrupts_and_the_kernel_goes_on(tmp_path: Path, kernel_name: str, prefix: str) -> None:
    with Kernel(kernel_name, tmp_path, {"LUCI_EXECUTOR": "local"}) as k:
        assert k.execute(prefix + "x = 41\nprint('ready')", 60).outputs().text == "ready\n"
        ex = k.execute(prefix + "import time\nx = 42\ntime.sleep(60)", 2)
        assert ex.status == "timeout" and not ex.restarted and ex.seconds < 20
        ex = k.execute(prefix + "print(x + 1)", 60)
        assert ex.status == "ok" and ex.outputs().text == "43\n"


@pytest.mark.parametrize("kernel_name, prefix", [("luci", "%%python\n"), ("python3", "")])
def test_fetch_leaves_no_trace(tmp_path: Path, kernel_name: str, prefix: str) -> None:
    with Kernel(kernel_name, tmp_path, {"LUCI_EXECUTOR": "local"}) as k:
        k.execute(prefix + "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})\ngen = (i for i in range(3))", 60)
        values = k.fetch(["df", "gen", "missing"])
        assert isinstance(values["df"], pd.DataFrame) and values["df"]["a"].tolist() == [1, 2]
        assert isinstance(values["gen"], FetchError) and "pickle" in values["gen"].message
        assert isinstance(values["missing"], FetchError) and values["missing"].message == "not defined"
        ex = k.execute(prefix + "print(sorted(n for n in dir() if not n.startswith('_') and n not in ('In', 'Out', 'exit', 'quit', 'get_ipython', 'open')))", 60)
        assert ex.outputs().text == "['df', 'gen', 'pd']\n"

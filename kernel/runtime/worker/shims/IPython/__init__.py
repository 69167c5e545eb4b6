"""Luci's stand-in for IPython, used only when no real IPython is installed.

It sits at the END of sys.path, so a real IPython always wins. It provides what notebook code
commonly imports: IPython.display (display, HTML, Markdown, Image, clear_output, ...) and
get_ipython() (the worker's stand-in shell, luci_worker/kernel_shell.py).
"""

from . import display
from .core.getipython import get_ipython

__version__ = "8.0.0+luci.shim"
version_info = (8, 0, 0, "luci-shim")
LUCI_SHIM = True

__all__ = ["get_ipython", "display"]

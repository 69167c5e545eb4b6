"""Entry point of Luci's Python worker (see PROTOCOL.md next to this file).

    PYTHON start_worker.py --cmd-fd 3 --event-fd 4 --sync-token HEX

Standard library only, Python >= 3.9. This file stays tiny: it makes our package importable,
hides our folder from user code again, and hands over to luci_worker.main.
"""

import os
import sys


def _start() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    # `python start_worker.py` already puts `here` at sys.path[0]; make sure of it for other
    # launch styles (runpy, a symlinked file) before importing our package.
    if here not in sys.path:
        sys.path.insert(0, here)
    import luci_worker.main as worker_main  # noqa: E402  (sys.path must be set first)

    # User code must not import our modules (or a stray `luci_worker`) by accident: drop our
    # folder. Our package keeps working through sys.modules and its own __path__.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    # The working directory first, as IPython does.
    sys.path.insert(0, "")
    # The stand-in IPython package goes last, so that a real IPython always wins.
    sys.path.append(os.path.join(here, "shims"))
    worker_main.main(sys.argv[1:])


if __name__ == "__main__":
    _start()

"""The "luci" kernelspec fixture: see test/support/kernelspec_fixtures.py. (Skips fail in CI: test/conftest.py.)"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))

from kernelspec_fixtures import luci_kernelspec  # noqa: E402,F401

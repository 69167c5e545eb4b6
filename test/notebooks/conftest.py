"""The "luci" kernelspec fixture and the skip-is-failure rule: see test/support/kernelspec_fixtures.py."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))

from kernelspec_fixtures import luci_kernelspec, pytest_runtest_makereport  # noqa: E402,F401

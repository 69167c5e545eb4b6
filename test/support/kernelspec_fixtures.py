"""Shared by the pytest suites that run the installed "luci" kernelspec (conformance, notebooks).

.ci/run installs it into the venv's prefix (.venv/share/jupyter/kernels/luci) and puts that
folder first on JUPYTER_PATH (.ci/env.sh). Run directly with the venv's python, the tests still
find it there: if JUPYTER_PATH is unset, the running interpreter's prefix is put first, so a
"luci" kernelspec in ~/.local/share/jupyter cannot shadow the one being tested. To test another
installation, point JUPYTER_PATH at its share/jupyter (e.g. `luci install --prefix /tmp/lp` ->
JUPYTER_PATH=/tmp/lp/share/jupyter).

A missing kernelspec is a failure. (A skipped test fails when CI is set: test/conftest.py.)
"""

import os
import sys

import pytest

if not os.environ.get("JUPYTER_PATH"):
    os.environ["JUPYTER_PATH"] = os.path.join(sys.prefix, "share", "jupyter")


@pytest.fixture(scope="session")
def luci_kernelspec():
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        return KernelSpecManager().get_kernel_spec("luci")
    except NoSuchKernel:
        pytest.fail(
            'no kernelspec "luci" on JUPYTER_PATH=%s: run `node dist/kernel/cli/luci.js install '
            "--prefix .venv --python .venv/bin/python` (or bash .ci/run)" % os.environ.get("JUPYTER_PATH")
        )


"""Fixtures for the worker tests. The worker runs under worker_harness.WORKER_PYTHON (the
test's own interpreter unless LUCI_TEST_WORKER_PYTHON names another, e.g. a Python 3.9)."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import worker_harness  # noqa: E402
from worker_harness import WORKER_PYTHON, python_has  # noqa: E402


@pytest.fixture(scope="module")
def worker():
    """One worker shared by a test module (tests use distinct names)."""
    w = worker_harness.Worker(python=WORKER_PYTHON)
    yield w
    w.close()


@pytest.fixture
def fresh_worker():
    """A worker of its own, for tests that interrupt, kill or otherwise disturb it."""
    workers = []

    def make(**kwargs):
        kwargs.setdefault("python", WORKER_PYTHON)
        w = worker_harness.Worker(**kwargs)
        workers.append(w)
        return w

    yield make
    for w in workers:
        w.close()


@pytest.fixture(scope="session")
def plain_python(tmp_path_factory):
    """A Python without IPython or matplotlib: a bare venv (no pip, no system packages)."""
    target = tmp_path_factory.mktemp("plainvenv")
    # venv builds on the base interpreter even when WORKER_PYTHON is itself in a venv.
    subprocess.run([WORKER_PYTHON, "-m", "venv", "--without-pip", str(target)], check=True)
    python = str(target / "bin" / "python")
    assert not python_has(python, "IPython"), "the bare venv unexpectedly has IPython"
    return python

"""The one rule every pytest folder shares (test/conformance, test/notebooks,
test/kernel/runtime/worker, and any other under test/): with CI set, a skipped test fails.

A skip in CI means a check did not run (a tool .ci/run should have installed is missing, a
kernel did not offer a sample): the run must say so rather than pass. A developer's run without
CI still reports skips as skips. xfail is not a skip and is left alone.

The root pytest.ini makes the repository the rootdir, so this file is loaded whichever of these
folders pytest is given.
"""

import os

import pytest


def _in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _reason(longrepr):
    # A skip's longrepr is (path, line, "Skipped: reason").
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return "%s (%s:%s)" % (longrepr[2], longrepr[0], longrepr[1])
    return str(longrepr)


def _fail_the_skip(report):
    report.outcome = "failed"
    report.longrepr = "skipped, and a skip fails when CI is set (CI=%s): %s" % (
        os.environ.get("CI"), _reason(report.longrepr))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if _in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        _fail_the_skip(report)


# Modules skipped whole at import (pytest.skip(allow_module_level=True), importorskip): made a
# failure at the end of the session, so that the other tests still run and are reported.
_skipped_modules = []


def pytest_collectreport(report):
    if _in_ci() and report.skipped:
        _skipped_modules.append("%s: %s" % (report.nodeid, _reason(report.longrepr)))


def pytest_terminal_summary(terminalreporter):
    if _skipped_modules:
        terminalreporter.section("skipped modules (a skip fails when CI is set)", red=True)
        for line in _skipped_modules:
            terminalreporter.line(line, red=True)


def pytest_sessionfinish(session):
    if _skipped_modules and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

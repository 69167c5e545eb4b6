"""The IPython-syntax transforms, as pure functions (no worker process needed)."""
import sys

from worker_harness import WORKER_DIR

sys.path.insert(0, WORKER_DIR)
from luci_worker import transform  # noqa: E402

sys.path.remove(WORKER_DIR)


def test_line_magics_and_shell_lines():
    code = "%time f(1)\n    %cd /tmp\n!ls -l\nx = %pwd\nfiles = !ls\n!!date\nprint(5 % 3)"
    assert transform.transform_cell(code).split("\n") == [
        "__luci_magic__('time', 'f(1)')",
        "    __luci_magic__('cd', '/tmp')",
        "__luci_shell__('ls -l')",
        "x = __luci_magic__('pwd', '')",
        "files = __luci_shell__('ls', capture=True)",
        "__luci_shell__('date', capture=True)",
        "print(5 % 3)",
    ]


def test_strings_brackets_and_continuations_are_left_alone():
    code = ("s = '''\n%notmagic\n'''\n"
            "t = (1,\n!2)\n"
            "u = 1 + \\\n%3\n"
            "w = 'it''s' # %comment\n"
            "%real")
    lines = transform.transform_cell(code).split("\n")
    assert lines[1] == "%notmagic" and lines[4] == "!2)" and lines[6] == "%3"
    assert lines[-1] == "__luci_magic__('real', '')"


def test_line_count_is_kept():
    code = "a = 1\n%time a\n\n!echo\n"
    assert transform.transform_cell(code).count("\n") == code.count("\n")


def test_cell_magic_split():
    assert transform.split_cell_magic("\n%%bash -x\necho hi\n") == ("bash", "-x", "echo hi\n")
    assert transform.split_cell_magic("x = 1\n%%bash") is None
    assert transform.split_cell_magic("  %%bash") is None


def test_help_requests():
    assert transform.help_request("zip?") == ("zip", 0)
    assert transform.help_request("os.path.join??") == ("os.path.join", 1)
    assert transform.help_request("?len") == ("len", 0)
    assert transform.help_request("zip") is None
    assert transform.help_request("?zip?") is None
    assert transform.help_request("x = zip?") is None

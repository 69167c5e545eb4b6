"""PROTOCOL.md "Environments": the import scan, packages_changed, missing_module at run time,
and the kernel magics (%pip, %luci, `!pip ...`) sent as kernel_request."""
import _ast
import os
import signal
import sys
import time

import pytest

from worker_harness import WORKER_DIR

sys.path.insert(0, WORKER_DIR)
from luci_worker import imports, magics  # noqa: E402

sys.path.remove(WORKER_DIR)

RED, RESET = "\x1b[0;31m", "\x1b[0m"


def names(code):
    tree = compile(code, "<test>", "exec", _ast.PyCF_ONLY_AST)
    return imports.imported_names(tree, code)


# ----------------------------------------------------------------------------- the scan itself

def test_scan_finds_static_and_dynamic_imports_in_order_without_repeats():
    code = ("import b_mod.sub, a_mod\n"
            "from c_mod.deep import thing\n"
            "def f():\n"
            "    import d_mod\n"
            "    return __import__('e_mod.x')\n"
            "class K:\n"
            "    m = importlib.import_module('f_mod')\n"
            "    n = import_module('g_mod')\n"
            "import a_mod.again, b_mod\n"
            "with open('x') as h:\n"
            "    for i in range(3):\n"
            "        lambda: __import__('h_mod')\n")
    assert names(code) == [("b_mod", 1), ("a_mod", 1), ("c_mod", 2), ("d_mod", 4),
                           ("e_mod", 5), ("f_mod", 7), ("g_mod", 8), ("h_mod", 12)]


def test_scan_skips_relative_non_literal_and_optional_imports():
    code = ("from . import sibling\n"
            "from ..parent import x\n"
            "importlib.import_module('.rel', 'pkg')\n"
            "__import__('rel2', globals(), None, [], 1)\n"
            "importlib.import_module(name)\n"
            "try:\n"
            "    import opt_a\n"
            "except ImportError:\n"
            "    import fallback_a\n"
            "try:\n"
            "    import opt_b\n"
            "except (ValueError, ModuleNotFoundError):\n"
            "    pass\n"
            "else:\n"
            "    import opt_b_extra\n"
            "try:\n"
            "    import needed_c\n"  # except Exception: the code wants it, it just reports
            "except Exception as exc:\n"
            "    print(exc)\n"
            "if TYPE_CHECKING:\n"
            "    import typing_only\n"
            "if sys.version_info >= (3, 0):\n"
            "    import new_enough\n"
            "else:\n"
            "    import too_old\n")
    assert names(code) == [("fallback_a", 9), ("needed_c", 17), ("new_enough", 23)]


def test_an_optional_import_that_is_also_required_is_listed():
    code = "try:\n    import both\nexcept ImportError:\n    pass\nimport both.sub\n"
    assert names(code) == [("both", 5)]


def test_scan_of_a_thirty_line_cell_finds_only_the_missing_imports(tmp_path):
    # What the scan costs is measured by bench_import_scan.py, not asserted here.
    cell = "\n".join([
        "import os, sys, json",
        "import numpy_luci_absent as np",
        "import pandas_luci_absent as pd",
        "from collections import defaultdict",
        "from pathlib import Path",
        "",
        "data = defaultdict(list)",
        "for name in os.listdir('.'):",
        "    path = Path(name)",
        "    if path.suffix == '.csv':",
        "        data[path.stem].append(pd.read_csv(path))",
        "",
        "def summary(frames):",
        "    rows = []",
        "    for key, value in frames.items():",
        "        rows.append({'name': key, 'n': sum(len(v) for v in value)})",
        "    return pd.DataFrame(rows)",
        "",
        "table = summary(data)",
        "values = np.array([r for r in table['n']])",
        "print(values.mean(), values.std())",
        "result = {",
        "    'mean': float(values.mean()),",
        "    'max': int(values.max()) if len(values) else None,",
        "}",
        "json.dumps(result)",
        "with open('out.json', 'w') as handle:",
        "    handle.write(json.dumps(result))",
        "print('done', file=sys.stderr)",
        "table.head()",
    ])
    assert cell.count("\n") == 29
    tree = compile(cell, "<cell>", "exec", _ast.PyCF_ONLY_AST)
    found = imports.missing(tree, cell)
    assert [m["name"] for m in found] == ["numpy_luci_absent", "pandas_luci_absent"]


def test_local_modules(tmp_path, monkeypatch):
    (tmp_path / "loc_mod.py").write_text("")
    (tmp_path / "loc_pkg").mkdir()
    (tmp_path / "loc_ns").mkdir()
    (tmp_path / "loc_pkg" / "__init__.py").write_text("")
    (tmp_path / "loc_ext.cpython-311-x86_64-linux-gnu.so").write_text("")
    (tmp_path / "loc_win.pyd").write_text("")
    monkeypatch.chdir(tmp_path)
    for name in ("loc_mod", "loc_pkg", "loc_ns", "loc_ext", "loc_win"):
        assert imports.is_local(name), name
    assert not imports.is_local("loc_other")
    assert not imports.is_local("loc")


# ----------------------------------------------------------------------------- through the worker

@pytest.fixture
def env_worker(fresh_worker, tmp_path):
    """A worker in tmp_path/cwd with tmp_path/site (exists) and tmp_path/later (does not exist
    yet) on PYTHONPATH; site holds an "installed" package."""
    cwd, site = tmp_path / "cwd", tmp_path / "site"
    cwd.mkdir()
    (site / "inst_pkg_luci").mkdir(parents=True)
    (site / "inst_pkg_luci" / "__init__.py").write_text("value = 'installed'\n")
    (cwd / "local_mod_luci.py").write_text("value = 'local'\n")
    (cwd / "local_pkg_luci").mkdir()  # a namespace package: no __init__.py
    path = os.pathsep.join([str(site), str(tmp_path / "later")])
    worker = fresh_worker(cwd=str(cwd), extra_env={"PYTHONPATH": path})
    worker.tmp = tmp_path
    return worker


def test_scan_lets_stdlib_local_and_installed_imports_run(env_worker):
    res = env_worker.execute(
        "from __future__ import annotations\nimport os, json, collections.abc\n"
        "import local_mod_luci, local_pkg_luci, inst_pkg_luci\n"
        "print(local_mod_luci.value, inst_pkg_luci.value)", scan=True)
    assert res.status == "ok", res.done
    assert res.stdout == "local installed\n"
    assert "modules" not in res.done


def test_scan_lists_missing_modules_and_runs_nothing(env_worker):
    res = env_worker.execute(
        "ran = True\nprint('ran')\nimport json, absent_a_luci.sub\n"
        "def later():\n    from absent_b_luci import x\n"
        "import absent_a_luci, importlib\n"
        "importlib.import_module('absent_c_luci')\n"
        "try:\n    import optional_luci\nexcept ImportError:\n    optional_luci = None\n",
        scan=True, execution_count=7)
    assert res.status == "missing_modules"
    assert res.done["modules"] == [{"name": "absent_a_luci", "line": 3},
                                   {"name": "absent_b_luci", "line": 5},
                                   {"name": "absent_c_luci", "line": 7}]
    assert res.stdout == "" and res.events == []
    res = env_worker.execute("'ran' in dir(), _i7 if '_i7' in dir() else None")
    assert res.results[0]["data"]["text/plain"] == "(False, None)"  # not run, not stored


def test_scan_of_magic_cells_relative_imports_and_non_python(env_worker):
    res = env_worker.execute("%%time\nx = 1\nimport absent_t_luci", scan=True)
    assert res.done["modules"] == [{"name": "absent_t_luci", "line": 3}]
    res = env_worker.execute("\n%%python\nimport absent_p_luci", scan=True, mode="auto")
    assert res.done["modules"] == [{"name": "absent_p_luci", "line": 3}]
    res = env_worker.execute("%%bash\nimport absent_b_luci", scan=True)
    assert res.status == "error"  # bash's own complaint, not a scan result
    # Relative imports are never missing modules: the cell runs and fails on its own.
    res = env_worker.execute("from . import sibling", scan=True)
    assert res.status == "error" and res.done["ename"] == "ImportError"
    assert "missing_module" not in res.done
    # A cell that does not parse is not scanned: auto mode still answers not_python.
    res = env_worker.execute("import absent_luci and then some words", scan=True, mode="auto")
    assert res.status == "not_python"
    # %pip lines are magics; the scan looks at the rest.
    res = env_worker.execute("%pip install absent_m_luci\nimport absent_m_luci", scan=True)
    assert res.done["modules"] == [{"name": "absent_m_luci", "line": 2}]


def test_packages_changed_finds_a_package_installed_after_a_failed_scan(env_worker):
    code = "import later_pkg_luci\nlater_pkg_luci.value"
    res = env_worker.execute(code, scan=True)
    assert res.done["modules"] == [{"name": "later_pkg_luci", "line": 1}]
    # "pip install": a site-packages folder that did not exist at start, and a package in it.
    package = env_worker.tmp / "later" / "later_pkg_luci"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("value = 'new'\n")
    # Without the flag the path finder still remembers that folder as absent.
    res = env_worker.execute(code, scan=True)
    assert res.status == "missing_modules"
    res = env_worker.execute(code, scan=True, packages_changed=True)
    assert res.status == "ok", res.done
    assert res.results[0]["data"]["text/plain"] == "'new'"
    # And in a folder that was there all along.
    code = "import also_later_luci\nalso_later_luci.value"
    assert env_worker.execute(code, scan=True).status == "missing_modules"
    (env_worker.tmp / "site" / "also_later_luci").mkdir()
    (env_worker.tmp / "site" / "also_later_luci" / "__init__.py").write_text("value = 2\n")
    res = env_worker.execute(code, scan=True, packages_changed=True)
    assert res.results[0]["data"]["text/plain"] == "2"


def test_missing_module_at_run_time(env_worker):
    res = env_worker.execute("import importlib\nimportlib.import_module('dyn_' + 'absent_luci.x')",
                             scan=True)
    assert res.status == "error" and res.done["ename"] == "ModuleNotFoundError"
    assert res.done["missing_module"] == "dyn_absent_luci"
    for code in ("import os.no_such_luci",             # stdlib: nothing to install
                 "import local_pkg_luci.no_such",      # local
                 "import inst_pkg_luci.no_such",       # installed; only a submodule is missing
                 "raise ModuleNotFoundError('no name')"):
        res = env_worker.execute(code)
        assert res.done["ename"] == "ModuleNotFoundError", code
        assert "missing_module" not in res.done, code
    res = env_worker.execute("import absent_late_luci.sub")  # scan off
    assert res.done["missing_module"] == "absent_late_luci"


# ----------------------------------------------------------------------------- kernel magics

def test_pip_magic_round_trip(fresh_worker):
    worker = fresh_worker()
    requests = []

    def kernel(event):
        requests.append(event)
        print("(kernel runs pip %s)" % event["args"])
        return True, None

    res = worker.execute("print('before')\n%pip install pandas\nprint('after')\n"
                         "pkg = 'rich'\nr = %pip install -q $pkg\nr is None",
                         on_kernel=kernel)
    assert res.status == "ok", res.done
    assert [(r["name"], r["args"]) for r in requests] == [("pip", "install pandas"),
                                                         ("pip", "install -q rich")]
    first = requests[0]
    assert first["exec_id"] == res.done["id"] and "sync" in first
    assert requests[1]["id"] > first["id"]
    assert res.results[0]["data"]["text/plain"] == "True"
    transcript = [(k, v if k == "text" else v["ev"]) for k, v in res.transcript()]
    assert transcript[:3] == [("text", "before\n"), ("event", "kernel_request"),
                              ("text", "after\n")]


def test_luci_magic_and_failures_are_short_usage_errors(fresh_worker):
    worker = fresh_worker()
    seen = []
    res = worker.execute("%luci env {x} $y", on_kernel=lambda e: seen.append(e) or (True, None))
    assert res.status == "ok" and seen[0]["name"] == "luci"
    assert seen[0]["args"] == "env {x} $y"  # %luci's arguments are the kernel's: not expanded
    res = worker.execute("print('a')\n%pip install nonexistent-pkg\nprint('b')",
                         on_kernel=lambda e: (False, "pip install failed: no such package"))
    assert res.status == "error" and res.stdout == "a\n"
    assert res.done["ename"] == "UsageError"
    assert res.done["evalue"] == "pip install failed: no such package"
    assert res.done["traceback"] == [RED + "UsageError" + RESET + ": " + res.done["evalue"]]
    assert "missing_module" not in res.done


def test_pip_magic_alone_is_python_in_auto_mode(fresh_worker):
    worker = fresh_worker()
    res = worker.execute("%pip install pandas", mode="auto", scan=True,
                         on_kernel=lambda e: (True, None))
    assert res.status == "ok"
    assert [e["ev"] for e in res.events] == ["kernel_request"]


def test_interrupt_while_the_kernel_runs_pip(fresh_worker):
    worker = fresh_worker()
    exec_id = worker.start_execute("%pip install slow\nprint('not reached')")
    request = worker.next_event()
    assert request["ev"] == "kernel_request" and request["args"] == "install slow"
    # Queries are answered meanwhile.
    assert worker.request("complete", code="zi", cursor_pos=2)["matches"] == ["zip"]
    worker.send({"op": "kernel_reply", "id": request["id"] + 100, "ok": True})  # not ours
    time.sleep(0.1)
    worker.proc.send_signal(signal.SIGINT)
    res = worker.wait_done(exec_id)
    assert res.done["ename"] == "KeyboardInterrupt" and res.stdout == ""
    # The late reply to the abandoned request is ignored, here and by the next request.
    worker.send({"op": "kernel_reply", "id": request["id"], "ok": False, "error": "late"})
    res = worker.execute("%pip list\n'next'", on_kernel=lambda e: (True, None))
    assert res.status == "ok" and res.results[0]["data"]["text/plain"] == "'next'"


def test_pip_shell_lines_go_to_the_kernel(fresh_worker):
    worker = fresh_worker()
    seen = []
    res = worker.execute("!pip install x\n!{sys.executable} -m pip install 'numpy>=1.2'\n"
                         "v = 'y'\n!python3 -m pip install -q {v} > /dev/null 2>&1\n"
                         "def f():\n    !pip3 install z\nf()",
                         on_kernel=lambda e: seen.append(e) or (True, None))
    assert res.status == "ok", res.done
    assert [(e["name"], e["args"]) for e in seen] == [
        ("pip", "install x"), ("pip", "install 'numpy>=1.2'"), ("pip", "install -q y"),
        ("pip", "install z")]
    res = worker.execute("!echo pip stays a shell command | cat")
    assert res.events == [] and res.stdout == "pip stays a shell command\n"


def test_which_shell_lines_are_pip():
    routed = {
        "pip install x": "install x",
        "  pip3 install -U x y ": "install -U x y",
        "pip3.11 install x": "install x",
        "pip": "",
        "python -m pip install x": "install x",
        "python3 -m pip install 'a[b]>=1'": "install 'a[b]>=1'",
        "{sys.executable} -m pip install x": "install x",
        '"{sys.executable}" -m pip install x': "install x",
        "pip install -q x > /dev/null": "install -q x",
        "pip install -q x &> /dev/null": "install -q x",
        "pip install x 2>&1 >/dev/null": "install x",
        "pip install 'x>2'": "install 'x>2'",
    }
    for command, args in routed.items():
        assert magics.pip_command(command) == args, command
    for command in ("pip install x | tail -1", "pip install x && echo ok", "pip install x; ls",
                    "pip freeze > requirements.txt", "pipx install x", "pip-compile",
                    "/usr/bin/python3 -m pip install x", "python -m pipx", "echo pip",
                    "pip install 'unbalanced", "pip install $(cat reqs)", "conda install pip"):
        assert magics.pip_command(command) is None, command


def test_input_reply_with_an_error(fresh_worker):
    worker = fresh_worker()
    exec_id = worker.start_execute("input('?')", allow_stdin=True)
    request = worker.next_event()
    worker.send({"op": "input_reply", "id": request["id"], "value": "",
                 "error": "the front end went away"})
    res = worker.wait_done(exec_id)
    assert res.done["ename"] == "StdinNotImplementedError"
    assert res.done["evalue"] == "the front end went away"

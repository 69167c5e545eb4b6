"""Magics, shell escapes and help syntax."""
import os
import re


def plain(res):
    assert res.status == "ok", res.done
    return res.results[0]["data"]["text/plain"] if res.results else None


def test_time_line_magic_prints_times_and_returns_the_value(worker):
    res = worker.execute("%time sum(range(1000))")
    assert plain(res) == "499500"
    assert re.match(r"CPU times: user .+, sys: .+, total: .+\nWall time: \d", res.stdout)
    res = worker.execute("%time timed_var = 5\ntimed_var")
    assert plain(res) == "5"


def test_time_inside_a_function_sees_its_locals(worker):
    res = worker.execute("def f(n):\n    %time r = n * 2\n    return n\nf(4)")
    assert plain(res) == "4" and "Wall time" in res.stdout


def test_cell_time(worker):
    res = worker.execute("%%time\nct = 2\nct * 21")
    assert plain(res) == "42" and "Wall time:" in res.stdout


def test_timeit(worker):
    res = worker.execute("%timeit -n 5 -r 3 sum(range(10))")
    assert re.fullmatch(r"\S+ .?s ± \S+ .?s per loop \(mean ± std\. dev\. of 3 runs, "
                        r"5 loops each\)\n", res.stdout), res.stdout
    res = worker.execute("%timeit -r 1 -o pass")
    assert re.search(r"of 1 run, [\d,]+ loops each\)", res.stdout)
    loops = int(re.search(r"([\d,]+) loops each", res.stdout).group(1).replace(",", ""))
    assert loops >= 1000  # auto-ranged: `pass` takes nanoseconds
    assert "per loop" in plain(res)
    res = worker.execute("%%timeit -n 2 -r 2 setup_val = 3\nsetup_val * 2")
    assert "2 runs, 2 loops each" in res.stdout


def test_who_and_whos(worker):
    worker.execute("import os\nwho_int = 1\nwho_str = 'abc'\n_hidden = 2")
    res = worker.execute("%who int str")
    assert res.stdout.split() == sorted(
        n for n in res.stdout.split())  # sorted
    assert "who_int" in res.stdout.split() and "who_str" in res.stdout.split()
    assert "_hidden" not in res.stdout and "os" not in res.stdout.split()
    res = worker.execute("%whos int")
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["Variable", "Type", "Data/Info"]
    assert any(line.split() == ["who_int", "int", "1"] for line in lines)


def test_cd_and_pwd(worker, tmp_path):
    start = plain(worker.execute("%pwd"))
    res = worker.execute("%cd " + str(tmp_path))
    assert res.stdout == str(tmp_path) + "\n"
    assert plain(worker.execute("%pwd")) == repr(str(tmp_path))
    assert plain(worker.execute("import os\nos.getcwd()")) == repr(str(tmp_path))
    worker.execute("%cd -q -")
    assert plain(worker.execute("%pwd")) == start
    res = worker.execute("%cd /does/not/exist")
    assert res.done["ename"] == "UsageError"


def test_env(worker):
    res = worker.execute("%env LUCI_TEST_A=1")
    assert res.stdout == "env: LUCI_TEST_A=1\n"
    assert plain(worker.execute("%env LUCI_TEST_A")) == "'1'"
    assert plain(worker.execute("import os\nos.environ['LUCI_TEST_A']")) == "'1'"
    worker.execute("import os\nos.environ['MY_API_KEY'] = 'sk-secret'")
    listing = worker.execute("e = %env\ne['LUCI_TEST_A'], e['MY_API_KEY']")
    assert plain(listing) == "('1', '<hidden>')"


def test_shell_escape_and_capture(worker):
    worker.execute("greeting = 'hello'")
    res = worker.execute("print('before')\n!echo $greeting {1 + 1} $HOME_NOT_A_VAR_XYZ")
    assert res.stdout == "before\nhello 2\n"
    res = worker.execute("lines = !printf 'a\\nb\\n'\nlines, lines.s, _exit_code")
    assert plain(res) == "(['a', 'b'], 'a b', 0)"
    res = worker.execute("def in_function(k):\n    !echo local-$k\nin_function(7)")
    assert res.stdout == "local-7\n"
    res = worker.execute("!exit 3\n_exit_code")
    assert plain(res) == "3"


def test_writefile(worker, tmp_path):
    path = tmp_path / "out.txt"
    res = worker.execute("%%%%writefile %s\nline one\nline two" % path)
    assert res.status == "ok" and res.stdout == "Writing %s\n" % path
    res = worker.execute("%%%%writefile -a %s\nline three\n" % path)
    assert res.stdout == "Appending to %s\n" % path
    assert path.read_text() == "line one\nline two\nline three\n"
    res = worker.execute("%%%%writefile %s\nnew\n" % path)
    assert res.stdout == "Overwriting %s\n" % path and path.read_text() == "new\n"


def test_bash_and_sh_cell_magics(worker):
    res = worker.execute("%%bash\necho from bash\necho to stderr >&2")
    assert res.status == "ok" and res.stdout == "from bash\n" and res.stderr == "to stderr\n"
    assert worker.execute("%%sh\necho from sh").stdout == "from sh\n"
    res = worker.execute("%%bash\nexit 4")
    assert res.status == "error" and res.done["ename"] == "CalledProcessError"


def test_cell_magics_always_run_in_auto_mode(worker, tmp_path):
    res = worker.execute("%%bash\necho this is not python", mode="auto")
    assert res.status == "ok" and res.stdout == "this is not python\n"
    res = worker.execute("%%python\nnot valid python", mode="auto")
    assert res.status == "error" and res.done["ename"] == "SyntaxError"
    res = worker.execute("%%python\npy_magic = 1\npy_magic + 1", mode="auto")
    assert plain(res) == "2"


def test_unknown_magics_are_clear_usage_errors(worker):
    res = worker.execute("%foo bar")
    assert res.status == "error" and res.done["ename"] == "UsageError"
    assert res.done["evalue"].startswith("Line magic %foo is not known to Luci. Known magics: ")
    assert "%time" in res.done["evalue"]
    assert res.done["traceback"] == ["\x1b[0;31mUsageError\x1b[0m: " + res.done["evalue"]]
    res = worker.execute("%%nosuch\nbody")
    assert res.done["ename"] == "UsageError" and "%%nosuch" in res.done["evalue"]
    for name in ("pip", "luci"):  # line magics run by the kernel (test_environments.py)
        res = worker.execute("%%%%%s\nx" % name)
        assert res.done["ename"] == "UsageError"
        assert res.done["evalue"] == "%%%%%s is not a cell magic: write %%%s ARGS on a line of " \
                                     "its own" % (name, name)


def test_magic_like_text_in_strings_is_left_alone(worker):
    res = worker.execute("s = '''\n%not_a_magic\n!not_a_shell\n'''\ns")
    assert plain(res) == repr("\n%not_a_magic\n!not_a_shell\n")
    res = worker.execute("v = (10\n%3)\nv")
    assert plain(res) == "1"


def test_other_magics(worker, tmp_path):
    script = tmp_path / "script.py"
    script.write_text("import sys\nfrom_script = sys.argv[1:]\n")
    res = worker.execute("%run " + str(script) + " a b\nfrom_script")
    assert plain(res) == "['a', 'b']"
    assert "%time" in worker.execute("%lsmagic").stdout
    res = worker.execute("%%html\n<p>hi</p>")
    assert res.displays[0]["data"]["text/html"] == "<p>hi</p>"
    res = worker.execute("%%capture cap\nprint('hidden')\ndisplay('also hidden')")
    assert res.stdout == "" and res.displays == []
    assert plain(worker.execute("cap.stdout, len(cap.outputs)")) == "('hidden\\n', 1)"
    assert worker.execute("%matplotlib inline").status == "ok"
    assert plain(worker.execute("import sys\n'matplotlib' in sys.modules")) == "False"


def test_reset(fresh_worker):
    worker = fresh_worker()
    worker.execute("to_clear = 1")
    worker.execute("%reset -f")
    assert worker.execute("to_clear").done["ename"] == "NameError"


def test_help_syntax_returns_a_pager_payload(worker):
    res = worker.execute("zip?")
    assert res.status == "ok" and res.events == []
    (page,) = res.done["payload"]
    assert page["source"] == "page" and page["start"] == 0
    text = page["data"]["text/plain"]
    assert "zip" in text and "Docstring" in text and "Type" in text
    worker.execute("def helper(a, b=2):\n    'Adds.'\n    return a + b")
    text = worker.execute("helper??").done["payload"][0]["data"]["text/plain"]
    assert "helper(a, b=2)" in text and "return a + b" in text
    text = worker.execute("os.path.join?").done["payload"][0]["data"]["text/plain"]
    assert "join" in text
    res = worker.execute("no_such_thing?")
    assert res.done["payload"] == [] and res.stdout == "Object `no_such_thing` not found.\n"


def test_autoreload(fresh_worker, tmp_path):
    module = tmp_path / "mymod_luci.py"
    module.write_text("def value():\n    return 1\n")
    worker = fresh_worker(cwd=str(tmp_path))
    assert worker.execute("%load_ext autoreload\n%autoreload 2").status == "ok"
    worker.execute("from mymod_luci import value")
    assert plain(worker.execute("value()")) == "1"
    module.write_text("def value():\n    return 2\n")
    os.utime(module, (1, 1))  # a different mtime, even on coarse file systems
    assert plain(worker.execute("value()")) == "2"

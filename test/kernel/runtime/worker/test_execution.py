"""Running cells: namespace, results, errors, streams and their order."""
from worker_harness import wait_until


def result_text(res):
    assert res.status == "ok", res.done
    assert len(res.results) == 1, res.events
    return res.results[0]["data"]["text/plain"]


def test_state_persists_across_cells(worker):
    assert worker.execute("alpha = 20").status == "ok"
    assert result_text(worker.execute("alpha + 22")) == "42"


def test_last_expression_is_the_result(worker):
    assert result_text(worker.execute("b1 = 3\nb1 * 2")) == "6"
    assert result_text(worker.execute("(1 +\n 2)")) == "3"
    assert result_text(worker.execute("'a'  # a comment")) == "'a'"
    # An assignment, None, a `;` at the end: no result (as IPython).
    for code in ("b2 = 5", "None", "1 + 1;", "1 + 1 ; # quiet", "print('p')\n2;"):
        res = worker.execute(code)
        assert res.status == "ok" and res.results == [], (code, res.events)
    # Not the last statement: not shown.
    assert worker.execute("7\nb3 = 1").results == []


def test_ast_node_interactivity(fresh_worker):
    worker = fresh_worker()
    worker.execute("from IPython.core.interactiveshell import InteractiveShell\n"
                   "InteractiveShell.ast_node_interactivity = 'all'")
    res = worker.execute("1\nx = 2\nx + 1\nx + 2;")
    assert [r["data"]["text/plain"] for r in res.results] == ["1", "3"]
    worker.execute("InteractiveShell.ast_node_interactivity = 'last_expr_or_assign'")
    assert [r["data"]["text/plain"] for r in worker.execute("y = 5").results] == ["5"]
    worker.execute("InteractiveShell.ast_node_interactivity = 'last_expr'")
    assert [r["data"]["text/plain"] for r in worker.execute("1\n2").results] == ["2"]


def test_underscore_and_history(worker):
    first = worker.execute("100")
    n = first.done["id"]  # the harness uses the id as execution_count
    second = worker.execute("_ + 1")
    assert result_text(second) == "101"
    assert result_text(worker.execute("(__, _%d, Out[%d], In[%d])" % (n, n, n))) == \
        "(100, 100, 100, '100')"


def test_user_namespace_is_main_module(worker):
    code = (
        "import sys, pickle, dataclasses\n"
        "@dataclasses.dataclass\n"
        "class Point:\n"
        "    x: int\n"
        "p = pickle.loads(pickle.dumps(Point(3)))\n"
        "(__name__, sys.modules['__main__'].__dict__ is globals(), p, sys.path[0], sys.argv[1:])"
    )
    assert result_text(worker.execute(code)) == \
        "('__main__', True, Point(x=3), '', [])"
    res = worker.execute("import sys\n[p for p in sys.path if p.endswith('runtime/worker')]")
    assert result_text(res) == "[]"


def test_error_has_ipython_like_traceback_without_worker_frames(worker):
    res = worker.execute("def boom(d):\n    return 1 / d\n\nboom(0)")
    assert res.status == "error"
    assert res.done["ename"] == "ZeroDivisionError"
    assert res.done["evalue"] == "division by zero"
    errors = res.of("error")
    assert len(errors) == 1 and errors[0]["traceback"] == res.done["traceback"]
    text = "\n".join(res.done["traceback"])
    n = res.done["id"]
    assert "Cell In[%d], line 4" % n in text
    assert "Cell In[%d], line 2" % n in text and "in \x1b[0;36mboom" in text
    assert "return 1 / d" in text and "boom(0)" in text
    assert "Traceback (most recent call last)" in text
    assert "luci_worker" not in text and "start_worker" not in text
    # The error event comes before done, after the output printed before it.
    assert res.events[-1]["ev"] == "error"
    # The namespace survives.
    assert result_text(worker.execute("boom(2)")) == "0.5"


def test_chained_exceptions_are_shown(worker):
    res = worker.execute("try:\n    {}['k']\nexcept KeyError as e:\n    raise ValueError('bad') from e")
    text = "\n".join(res.done["traceback"])
    assert res.done["ename"] == "ValueError"
    assert "KeyError" in text and "direct cause" in text
    assert text.index("KeyError") < text.index("direct cause")


def test_deep_recursion_is_summarised(worker):
    res = worker.execute("def down(n):\n    return down(n + 1)\ndown(0)")
    assert res.done["ename"] == "RecursionError"
    assert len(res.done["traceback"]) < 10
    assert "skipping similar frames: down at line 2" in "\n".join(res.done["traceback"])


def test_syntax_error_in_python_mode_is_an_error(worker):
    res = worker.execute("x = (1,\nprint('never')", mode="python")
    assert res.status == "error" and res.done["ename"] == "SyntaxError"
    assert "Cell In[%d]" % res.done["id"] in "\n".join(res.done["traceback"])
    assert res.stdout == ""


def test_plain_english_is_not_python_in_auto_mode(worker):
    worker.execute("side_effect = 0")
    res = worker.execute("Plot the sales by month and explain the trend.", mode="auto")
    assert res.status == "not_python"
    error = res.done["syntax_error"]
    assert error["lineno"] == 1 and error["msg"] and "Plot the sales" in error["text"]
    assert res.events == [] and res.stdout == ""
    # Valid Python in auto mode runs as usual.
    assert result_text(worker.execute("side_effect + 1", mode="auto")) == "1"
    # A one-word question looks like help syntax, but names nothing: not Python either.
    res = worker.execute("Why?", mode="auto")
    assert res.status == "not_python" and res.done["syntax_error"]["text"].startswith("Why?")
    res = worker.execute("zip?", mode="auto")
    assert res.status == "ok" and res.done["payload"][0]["source"] == "page"


def test_top_level_await(worker):
    res = worker.execute("import asyncio\nawait asyncio.sleep(0)\nloop1 = asyncio.get_running_loop()\n"
                         "await asyncio.sleep(0, result=42)")
    assert result_text(res) == "42"
    res = worker.execute("async def f():\n    return asyncio.get_running_loop()\n"
                         "(await f()) is loop1")
    assert result_text(res) == "True"
    # asyncio.run works too (no loop is running outside a cell).
    assert result_text(worker.execute("asyncio.run(asyncio.sleep(0, result='ran'))")) == "'ran'"


def test_future_imports_stay_in_force(worker):
    worker.execute("from __future__ import annotations")
    res = worker.execute("def g(x: NotDefinedAnywhere) -> None: pass\ng.__annotations__['x']")
    assert result_text(res) == "'NotDefinedAnywhere'"


def test_prints_before_a_display_come_before_it(worker):
    res = worker.execute("print('one')\ndisplay('shown')\nprint('two')\n'result'")
    kinds = [(kind, value if kind == "text" else value["ev"]) for kind, value in res.transcript()]
    assert kinds == [("text", "one\n"), ("event", "display"), ("text", "two\n"),
                     ("event", "result"), ("event", "done")]


def test_fd_level_output_is_captured_in_order(worker):
    code = ("import os, subprocess, sys\n"
            "print('py1')\n"
            "os.system('echo from-system')\n"
            "print('py2')\n"
            "os.write(1, b'raw-fd1\\n')\n"
            "subprocess.run(['echo', 'from-subprocess'])\n"
            "os.write(2, b'raw-fd2\\n')\n"
            "print('err', file=sys.stderr)")
    res = worker.execute(code)
    assert res.stdout == "py1\nfrom-system\npy2\nraw-fd1\nfrom-subprocess\n"
    assert res.stderr == "raw-fd2\nerr\n"


def test_ten_thousand_lines_are_complete_and_in_order(worker):
    res = worker.execute("for i in range(10000): print(i)")
    assert res.stdout.splitlines() == [str(i) for i in range(10000)]


def test_output_shows_while_the_cell_still_runs(worker, tmp_path):
    # The cell prints, then waits until the test has seen that output: it can only end once the
    # output reached us, so the output was sent while the cell ran (not at its end).
    release = tmp_path / "release"
    exec_id = worker.start_execute(
        "import os, time\nprint('early-while-running')\ndeadline = time.monotonic() + 60\n"
        "while not os.path.exists(%r) and time.monotonic() < deadline:\n    time.sleep(0.01)\n"
        "print('released' if os.path.exists(%r) else 'never released')" % (str(release), str(release)))
    wait_until(lambda: "early-while-running" in worker.out.text(), "the output of the running cell")
    release.touch()
    res = worker.wait_done(exec_id)
    assert res.status == "ok" and res.stdout == "early-while-running\nreleased\n"


def test_streams_are_utf8_with_backslashreplace(worker):
    res = worker.execute("print('héllo ✓')\nprint('\\udcff')")
    assert res.stdout == "héllo ✓\n\\udcff\n"


def test_user_expressions(worker):
    worker.execute("ue = [1, 2]")
    res = worker.execute("ue.append(3)", user_expressions={"n": "len(ue)", "bad": "1/0"})
    expressions = res.done["user_expressions"]
    assert expressions["n"] == {"status": "ok", "data": {"text/plain": "3"}, "metadata": {}}
    assert expressions["bad"]["status"] == "error"
    assert expressions["bad"]["ename"] == "ZeroDivisionError"


def test_silent_runs_without_showing_anything(worker):
    res = worker.execute("silent_var = 9\ndisplay('x')\nsilent_var", silent=True)
    assert res.status == "ok" and res.events == []
    assert result_text(worker.execute("silent_var")) == "9"


def test_system_exit_does_not_end_the_worker(worker):
    res = worker.execute("import sys\nsys.exit(3)")
    assert res.status == "error" and res.done["ename"] == "SystemExit"
    assert result_text(worker.execute("1")) == "1"


def test_functions_defined_in_cells_have_source(worker):
    worker.execute("def documented():\n    return 'body'")
    res = worker.execute("import inspect\ninspect.getsource(documented)")
    assert result_text(res) == repr("def documented():\n    return 'body'\n")

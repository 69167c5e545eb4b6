"""complete, inspect, is_complete and malformed commands."""


def complete(worker, code, cursor_pos=None):
    return worker.request("complete", code=code,
                          cursor_pos=len(code) if cursor_pos is None else cursor_pos)


def test_complete_builtin_prefix_exactly(worker):
    reply = complete(worker, "zi")
    assert reply == {"status": "ok", "matches": ["zip"], "cursor_start": 0, "cursor_end": 2,
                     "metadata": {}}


def test_complete_namespace_names_and_keywords(worker):
    worker.execute("my_variable = 1\nmy_other = 2\n_my_private = 3")
    assert complete(worker, "x = my_")["matches"] == ["my_other", "my_variable"]
    assert complete(worker, "_my")["matches"] == ["_my_private"]
    assert "while" in complete(worker, "whi")["matches"]


def test_complete_attributes_without_evaluating(worker):
    worker.execute("import os\nclass Holder:\n    inner_value = 1\n    inner_other = 2\n"
                   "holder = Holder()")
    reply = complete(worker, "os.pa")
    assert "path" in reply["matches"] and "pardir" in reply["matches"]
    assert reply["cursor_start"] == 3 and reply["cursor_end"] == 5
    assert complete(worker, "holder.inner_")["matches"] == ["inner_other", "inner_value"]
    assert "join" in complete(worker, "print(os.path.jo")["matches"]
    # Calls are never evaluated to complete what they return.
    worker.execute("calls = []\ndef side_effect():\n    calls.append(1)\n    return os")
    assert complete(worker, "side_effect().pa")["matches"] == []
    assert worker.execute("calls").results[0]["data"]["text/plain"] == "[]"


def test_complete_modules_keys_paths_magics(worker, tmp_path):
    assert "json" in complete(worker, "import js")["matches"]
    assert "os.path" in complete(worker, "import os.pa")["matches"]
    assert "dumps" in complete(worker, "from json import dum")["matches"]
    worker.execute("d = {'alpha': 1, 'alpine': 2, 'beta': 3}")
    reply = complete(worker, "d['al")
    assert reply["matches"] == ["alpha", "alpine"] and reply["cursor_start"] == 3
    (tmp_path / "data_file.csv").write_text("")
    code = "open('%s/data_f" % tmp_path
    reply = complete(worker, code)
    assert reply["matches"] == ["%s/data_file.csv" % tmp_path]
    assert set(complete(worker, "%ti")["matches"]) == {"%time", "%timeit"}
    assert "%%writefile" in complete(worker, "%%wri")["matches"]


def test_complete_counts_code_points(worker):
    code = "s = '😀é'\nzi"
    reply = complete(worker, code)
    assert reply["matches"] == ["zip"] and reply["cursor_start"] == len(code) - 2


def test_inspect_zip(worker):
    reply = worker.request("inspect", code="zip", cursor_pos=3, detail_level=0)
    assert reply["status"] == "ok" and reply["found"] is True
    text = reply["data"]["text/plain"]
    assert "zip" in text and "Type:" in text and "Docstring:" in text
    reply = worker.request("inspect", code="list(zip(a, ", cursor_pos=12, detail_level=0)
    assert reply["found"] is True and "zip" in reply["data"]["text/plain"]


def test_inspect_function_with_signature_and_source(worker):
    worker.execute("def scaled(value, factor=2):\n    'Multiply value.'\n    return value * factor")
    reply = worker.request("inspect", code="scaled(1)", cursor_pos=3, detail_level=0)
    text = reply["data"]["text/plain"]
    assert "scaled(value, factor=2)" in text and "Multiply value." in text
    assert "return value * factor" not in text
    reply = worker.request("inspect", code="scaled", cursor_pos=6, detail_level=1)
    assert "return value * factor" in reply["data"]["text/plain"]


def test_inspect_unknown_name(worker):
    reply = worker.request("inspect", code="no_such_name_here", cursor_pos=5, detail_level=0)
    assert reply == {"status": "ok", "found": False, "data": {}, "metadata": {}}


def test_is_complete(worker):
    def status(code):
        return worker.request("is_complete", code=code)

    assert status("x = 1") == {"status": "complete"}
    assert status("print('hello')") == {"status": "complete"}
    assert status("def f():") == {"status": "incomplete", "indent": "    "}
    assert status("for i in range(3):\n    if i:") == {"status": "incomplete",
                                                       "indent": "        "}
    assert status("x = (1,") == {"status": "incomplete", "indent": ""}
    assert status("s = '''abc") == {"status": "incomplete", "indent": ""}
    assert status("for i in range(3):\n    print(i)") == {"status": "incomplete",
                                                          "indent": "    "}
    assert status("for i in range(3):\n    print(i)\n\n") == {"status": "complete"}
    assert status("1)") == {"status": "invalid"}
    assert status("%%bash\necho hi") == {"status": "complete"}
    assert status("%time x = 1") == {"status": "complete"}
    assert status("zip?") == {"status": "complete"}


def test_unknown_command_and_bad_json(worker):
    reply = worker.request("frobnicate")
    assert reply["status"] == "error" and reply["ename"] == "UnknownCommand"
    worker.cmd.write(b"this is not json\n")
    event = worker.next_event()
    assert event["ev"] == "reply" and event["content"]["ename"] == "BadCommand"
    # Still serving.
    assert complete(worker, "zi")["matches"] == ["zip"]

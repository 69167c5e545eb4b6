"""Rich output: MIME bundles for results and display(), display ids, clear_output."""
import json

PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5E"
           "rkJggg==")


def test_repr_html_object_as_result(worker):
    res = worker.execute(
        "class Rich:\n"
        "    def _repr_html_(self):\n"
        "        return '<b>rich</b>'\n"
        "    def __repr__(self):\n"
        "        return 'Rich()'\n"
        "Rich()")
    assert res.results[0]["data"] == {"text/html": "<b>rich</b>", "text/plain": "Rich()"}


def test_mimebundle_first_then_repr_methods_with_metadata(worker):
    res = worker.execute(
        "import base64\n"
        "PNG = base64.b64decode(%r)\n"
        "class Multi:\n"
        "    def _repr_mimebundle_(self, include=None, exclude=None):\n"
        "        return {'text/html': '<i>bundle</i>', 'application/vnd.custom+json': {'k': 1}}, "
        "{'text/html': {'isolated': True}}\n"
        "    def _repr_html_(self):\n"
        "        return '<i>not used</i>'\n"
        "    def _repr_png_(self):\n"
        "        return PNG, {'width': 7}\n"
        "    def _repr_markdown_(self):\n"
        "        return None\n"
        "Multi()" % PNG_1PX)
    result = res.results[0]
    assert result["data"]["text/html"] == "<i>bundle</i>"
    assert result["data"]["application/vnd.custom+json"] == {"k": 1}
    assert result["data"]["image/png"] == PNG_1PX
    assert "text/markdown" not in result["data"]
    assert result["data"]["text/plain"].startswith("<__main__.Multi object at")
    assert result["metadata"] == {"text/html": {"isolated": True}, "image/png": {"width": 7}}


def test_include_and_exclude(worker):
    worker.execute(
        "class Both:\n"
        "    def _repr_html_(self): return '<p>h</p>'\n"
        "    def _repr_markdown_(self): return '*m*'\n")
    res = worker.execute("display(Both(), include=['text/markdown'])\n"
                         "display(Both(), exclude=['text/html'])")
    assert res.displays[0]["data"] == {"text/markdown": "*m*"}
    assert set(res.displays[1]["data"]) == {"text/markdown", "text/plain"}


def test_a_failing_repr_method_does_not_fail_the_cell(worker):
    res = worker.execute(
        "class Broken:\n"
        "    def _repr_html_(self):\n"
        "        raise RuntimeError('no html today')\n"
        "    def _repr_markdown_(self):\n"
        "        return '**still here**'\n"
        "    def __repr__(self):\n"
        "        return 'Broken()'\n"
        "Broken()")
    assert res.status == "ok"
    assert res.results[0]["data"] == {"text/markdown": "**still here**", "text/plain": "Broken()"}
    assert "_repr_html_" in res.stderr and "no html today" in res.stderr


def test_a_failing_repr_falls_back_to_the_default_repr(worker):
    res = worker.execute("class BadRepr:\n    def __repr__(self):\n        raise ValueError('x')\n"
                         "BadRepr()")
    assert res.status == "ok"
    assert res.results[0]["data"]["text/plain"].startswith("<__main__.BadRepr object at 0x")


def test_display_with_id_and_updates(worker):
    res = worker.execute(
        "from IPython.display import update_display\n"
        "h = display('first', display_id=True)\n"
        "h.update('second')\n"
        "display('third', display_id='fixed-id')\n"
        "update_display('fourth', display_id='fixed-id')\n"
        "h.display('fifth')\n"
        "type(h).__name__, h.display_id == h.display_id")
    shown = res.displays
    assert [d["data"]["text/plain"] for d in shown] == [
        "'first'", "'second'", "'third'", "'fourth'", "'fifth'"]
    assert [d["update"] for d in shown] == [False, True, False, True, False]
    generated = shown[0]["transient"]["display_id"]
    assert len(generated) >= 16
    assert shown[1]["transient"]["display_id"] == generated
    assert shown[4]["transient"]["display_id"] == generated
    assert shown[2]["transient"] == {"display_id": "fixed-id"}
    assert shown[3]["transient"] == {"display_id": "fixed-id"}
    assert res.results[0]["data"]["text/plain"] == "('DisplayHandle', True)"


def test_display_without_id_has_no_transient_and_returns_none(worker):
    res = worker.execute("r = display('plain')\nr is None")
    assert "transient" not in res.displays[0]
    assert res.results[0]["data"]["text/plain"] == "True"


def test_clear_output(worker):
    res = worker.execute("from IPython.display import clear_output\n"
                         "print('before')\nclear_output()\nclear_output(wait=True)")
    clears = res.of("clear_output")
    assert [c["wait"] for c in clears] == [False, True]
    transcript = res.transcript()
    assert transcript[0] == ("text", "before\n")
    assert transcript[1][1]["ev"] == "clear_output"


def test_raw_display_and_metadata(worker):
    res = worker.execute(
        "display({'text/html': '<hr>', 'text/plain': '---'}, raw=True, metadata={'a': 1})\n"
        "display('m', metadata={'text/plain': {'x': 1}})")
    assert res.displays[0]["data"] == {"text/html": "<hr>", "text/plain": "---"}
    assert res.displays[0]["metadata"] == {"a": 1}
    assert res.displays[1]["metadata"] == {"text/plain": {"x": 1}}


def test_builtin_containers_are_pretty_printed(worker):
    res = worker.execute("{'key_%d' % i: list(range(i)) for i in range(8)}")
    text = res.results[0]["data"]["text/plain"]
    assert text.startswith("{'key_0': [],\n 'key_1': [0],")
    short = worker.execute("{'b': 1, 'a': 2}").results[0]["data"]["text/plain"]
    assert short == "{'b': 1, 'a': 2}"  # insertion order kept, as IPython


def test_repr_pretty_protocol_is_used(worker):
    res = worker.execute(
        "class P:\n"
        "    def _repr_pretty_(self, p, cycle):\n"
        "        p.text('P<')\n"
        "        p.pretty([1, 2])\n"
        "        p.text('>')\n"
        "P()")
    assert res.results[0]["data"]["text/plain"] == "P<[1, 2]>"


def test_ipython_display_method_is_called(worker):
    res = worker.execute(
        "class SelfShowing:\n"
        "    def _ipython_display_(self):\n"
        "        display({'text/plain': 'custom'}, raw=True)\n"
        "SelfShowing()")
    assert res.results == []
    assert [d["data"] for d in res.displays] == [{"text/plain": "custom"}]


def test_classes_and_catch_all_objects_are_not_rich(worker):
    res = worker.execute(
        "class Anything:\n"
        "    def __getattr__(self, name):\n"
        "        return lambda *a, **k: '<b>?</b>'\n"
        "    def __repr__(self):\n"
        "        return 'Anything()'\n"
        "class HasHtml:\n"
        "    def _repr_html_(self): return 'x'\n"
        "display(Anything())\n"
        "HasHtml")
    assert res.displays[0]["data"] == {"text/plain": "Anything()"}
    assert res.results[0]["data"] == {"text/plain": "<class '__main__.HasHtml'>"}


def test_values_json_cannot_carry_do_not_break_the_protocol(worker):
    res = worker.execute("display({'application/json': {'v': float('nan')}, "
                         "'text/plain': 'nan'}, raw=True)\n'ok'")
    assert res.displays[0]["data"]["application/json"] == {"v": None}
    assert res.results[0]["data"]["text/plain"] == "'ok'"
    # Every event line is strict JSON (no NaN) for the Node side.
    for line in worker.raw_event_lines:
        json.loads(line, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))

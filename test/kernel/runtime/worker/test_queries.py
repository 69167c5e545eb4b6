"""complete, inspect, is_complete and malformed commands."""
import signal
import time

from worker_harness import wait_until


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


# --- Completion and inspection never run properties, other descriptors or __getattr__ ---------

_TRAPS = '''
import time
calls = []

class Trap:
    """A class whose dynamic attributes loop forever."""
    plain = [1, 2]

    def __init__(self):
        self.data = {"k": 1}

    @property
    def looping(self):
        """The looping property's docstring."""
        calls.append("looping")
        while True:
            pass

    @property
    def counted(self):
        calls.append("counted")
        return self

    def method(self, a, b=2):
        """A method."""
        return a

    @classmethod
    def maker(cls):
        return cls()

    def __getattr__(self, name):
        calls.append("__getattr__ " + name)
        while True:
            pass

trap = Trap()
'''


def test_completion_does_not_run_a_looping_property_or_getattr(fresh_worker):
    worker = fresh_worker()
    worker.execute(_TRAPS)
    for code in ("trap.looping.", "trap.looping.re", "trap.counted.pl", "trap.missing.",
                 "Trap().pl", "x = [trap.looping.real", "trap.looping.__class__.",
                 "trap.counted.looping."):
        # Running the looping property would never answer: a reply at all means it did not run.
        reply = worker.request("complete", code=code, cursor_pos=len(code))
        assert reply["status"] == "ok" and reply["matches"] == [], (code, reply)
    # The names themselves still complete (dir() does not call them), and static chains work.
    assert worker.request("complete", code="trap.lo", cursor_pos=7)["matches"] == ["looping"]
    assert worker.request("complete", code="trap.plain.app",
                          cursor_pos=14)["matches"] == ["append"]
    assert "__func__" in worker.request("complete", code="trap.method.__fu",
                                        cursor_pos=16)["matches"]
    assert "__func__" in worker.request("complete", code="Trap.maker.__fu",
                                        cursor_pos=15)["matches"]
    assert worker.request("complete", code="trap.data['", cursor_pos=11)["matches"] == ["k"]
    # Nothing ran, and the worker is alive and well.
    res = worker.execute("calls")
    assert res.results[0]["data"]["text/plain"] == "[]"


def test_inspection_shows_the_property_without_calling_it(fresh_worker):
    worker = fresh_worker()
    worker.execute(_TRAPS)
    reply = worker.request("inspect", code="trap.looping", cursor_pos=12, detail_level=0)
    assert reply["found"] is True
    text = reply["data"]["text/plain"]
    assert "The looping property's docstring." in text and "property" in text
    assert "String form" not in text
    reply = worker.request("inspect", code="trap.looping", cursor_pos=12, detail_level=1)
    assert "while True:" in reply["data"]["text/plain"]  # the getter's source
    # Past the property, or through __getattr__: nothing to show.
    for code in ("trap.looping.real", "trap.nothing_here"):
        reply = worker.request("inspect", code=code, cursor_pos=len(code), detail_level=0)
        assert reply == {"status": "ok", "found": False, "data": {}, "metadata": {}}, code
    # A bound method still shows its signature without `self`.
    reply = worker.request("inspect", code="trap.method(", cursor_pos=12, detail_level=0)
    assert "method(a, b=2)" in reply["data"]["text/plain"]
    # `name?` in a cell follows the same rule.
    res = worker.execute("trap.looping?")
    assert "The looping property's docstring." in res.done["payload"][0]["data"]["text/plain"]
    assert worker.execute("calls").results[0]["data"]["text/plain"] == "[]"


# --- SIGINT abandons a query that takes too long -------------------------------------------


# Each slow method says on fd 1 that it started (ENTERED), so that the test interrupts it while
# it runs; each would take longer than the harness's deadline to answer by itself.
ENTERED = "[slow query entered]"

_SLOW = '''
import os, time

def entered():
    os.write(1, b"%s\\n")

class SlowDir:
    def __dir__(self):
        entered()
        time.sleep(600)
        return ["never"]

class BusyDir:
    def __dir__(self):
        entered()
        while True:
            pass

class StubbornDir:
    def __dir__(self):
        entered()
        try:
            while True:
                pass
        except KeyboardInterrupt:
            return ["swallowed"]

class SlowStr:
    def __str__(self):
        entered()
        time.sleep(600)
        return "never"

slow, busy, stubborn, slow_str = SlowDir(), BusyDir(), StubbornDir(), SlowStr()
''' % ENTERED


def _interrupted_request(worker, op, **fields):
    """Sends a query that enters slow code, SIGINT once it has, and returns the reply."""
    before = worker.out.text().count(ENTERED)
    request_id = worker.new_id()
    worker.send(dict(op=op, id=request_id, **fields))
    wait_until(lambda: worker.out.text().count(ENTERED) > before, "the %s query to enter the slow code" % op)
    worker.proc.send_signal(signal.SIGINT)
    while True:
        event = worker.next_event()
        if event["ev"] == "reply" and event["id"] == request_id:
            return event["content"]


def test_sigint_abandons_a_slow_completion_or_inspection(fresh_worker):
    worker = fresh_worker()
    worker.execute(_SLOW)
    for code in ("slow.", "busy.x", "stubborn."):
        reply = _interrupted_request(worker, "complete", code=code, cursor_pos=len(code))
        assert reply == {"status": "ok", "matches": [], "cursor_start": len(code),
                         "cursor_end": len(code), "metadata": {}}, code
    reply = _interrupted_request(worker, "inspect", code="slow_str", cursor_pos=8, detail_level=0)
    assert reply == {"status": "ok", "found": False, "data": {}, "metadata": {}}
    # The worker goes on serving queries and cells.
    assert worker.request("complete", code="zi", cursor_pos=2)["matches"] == ["zip"]
    assert worker.execute("1 + 1").results[0]["data"]["text/plain"] == "2"
    assert worker.proc.poll() is None


def test_sigint_abandons_a_slow_is_complete(fresh_worker):
    worker = fresh_worker()
    assert worker.request("is_complete", code="x = 1") == {"status": "complete"}
    # Make is_complete itself slow (the worker imports it anew for every query).
    worker.execute("import os, sys, time\n"
                   "def _slow_is_complete(code):\n    os.write(1, b'%s\\n')\n    time.sleep(600)\n"
                   "sys.modules['luci_worker.completeness'].is_complete = _slow_is_complete"
                   % ENTERED)
    reply = _interrupted_request(worker, "is_complete", code="x = 1")
    assert reply == {"status": "unknown"}
    assert worker.execute("1 + 1").results[0]["data"]["text/plain"] == "2"


def test_sigint_during_a_query_while_input_waits_spares_the_cell(fresh_worker):
    worker = fresh_worker()
    worker.execute(_SLOW)
    # The cell's own SIGINT handler does not stop the query from being interrupted, and is
    # still in place afterwards.
    exec_id = worker.start_execute(
        "import signal\nmine = lambda *args: None\nsignal.signal(signal.SIGINT, mine)\n"
        "value = input()\n(value * 2, signal.getsignal(signal.SIGINT) is mine)",
        allow_stdin=True)
    request = worker.next_event()
    assert request["ev"] == "input_request"
    reply = _interrupted_request(worker, "complete", code="slow.", cursor_pos=5)
    assert reply["matches"] == []
    worker.send({"op": "input_reply", "id": request["id"], "value": "ab"})
    res = worker.wait_done(exec_id)
    assert res.status == "ok" and res.results[0]["data"]["text/plain"] == "('abab', True)"
    # Interrupting cells works as before.
    exec_id = worker.start_execute("os.write(1, b'cell running\\n')\ntime.sleep(600)")
    wait_until(lambda: "cell running" in worker.out.text(), "the cell to start")
    worker.proc.send_signal(signal.SIGINT)
    assert worker.wait_done(exec_id).done["ename"] == "KeyboardInterrupt"


def test_sigint_after_a_query_is_harmless(fresh_worker):
    worker = fresh_worker()
    assert worker.request("complete", code="zi", cursor_pos=2)["matches"] == ["zip"]
    worker.proc.send_signal(signal.SIGINT)  # late: the answer went out already
    time.sleep(0.2)
    assert worker.request("complete", code="zi", cursor_pos=2)["matches"] == ["zip"]
    assert worker.execute("'alive'").results[0]["data"]["text/plain"] == "'alive'"


def test_complete_through_an_installed_librarys_property(worker, tmp_path):
    """df.columns.<TAB>: a property of an installed package is followed in a chain (the kernel
    interrupts a question that hangs); one defined in the notebook is not."""
    package = tmp_path / "site-packages" / "fakelib"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "class Columns:\n    def tolist(self):\n        return []\n"
        "class Frame:\n    @property\n    def columns(self):\n        return Columns()\n")
    worker.execute("import sys\nsys.path.insert(0, %r)\nimport fakelib\ndf = fakelib.Frame()\n"
                   "class Local:\n    @property\n    def columns(self):\n        return fakelib.Columns()\n"
                   "local = Local()" % str(tmp_path / "site-packages"))
    assert complete(worker, "df.columns.to")["matches"] == ["tolist"]
    assert complete(worker, "local.columns.to")["matches"] == []

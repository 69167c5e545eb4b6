"""The `namespace` query (PROTOCOL.md, "Namespace summary"), through the real worker."""
import signal
import textwrap

import pytest

from worker_harness import WORKER_PYTHON, python_has, wait_until


def _names(reply):
    return [entry["name"] for entry in reply["names"]]


def _entry(reply, name):
    found = [entry for entry in reply["names"] if entry["name"] == name]
    assert len(found) == 1, (name, reply)
    return found[0]


def _fake_libraries(root):
    """A tiny stand-in `pandas` (DataFrame in pandas.core.frame, Series in pandas.core.series)
    and `numpy` (ndarray, a scalar type) on their own folder. `calls` counts what was read."""
    core = root / "pandas" / "core"
    core.mkdir(parents=True)
    (root / "pandas" / "__init__.py").write_text(
        "from pandas.core.frame import DataFrame\nfrom pandas.core.series import Series\n")
    (core / "__init__.py").write_text("")
    (core / "frame.py").write_text(textwrap.dedent('''
        import os
        import time
        calls = []

        class DataFrame:
            def __init__(self, data, slow=False):
                self._data = data
                self._slow = slow

            @property
            def shape(self):
                calls.append("shape")
                rows = len(next(iter(self._data.values()))) if self._data else 0
                return (rows, len(self._data))

            @property
            def columns(self):
                calls.append("columns")
                return list(self._data)

            @property
            def dtypes(self):
                calls.append("dtypes")
                if self._slow:
                    os.write(1, b"[slow dtypes entered]\\n")
                    time.sleep(600)  # a huge frame: pandas' own code takes long
                return [type(v[0]).__name__ + "64" for v in self._data.values()]

            def __repr__(self):
                calls.append("repr")
                return "DataFrame(...)"

            def __len__(self):
                calls.append("len")
                return 0
    '''))
    (core / "series.py").write_text(textwrap.dedent('''
        class Series:
            def __init__(self, values, name=None):
                self._values = values
                self._name = name

            @property
            def name(self):  # a property in pandas too
                return self._name

            @property
            def shape(self):
                return (len(self._values),)

            @property
            def dtype(self):
                return "float64"
    '''))
    (root / "numpy").mkdir()
    (root / "numpy" / "__init__.py").write_text(textwrap.dedent('''
        class dtype:
            def __init__(self, name):
                self.name = name
            def __str__(self):
                return self.name

        class ndarray:
            def __init__(self, shape, kind):
                self._shape = shape
                self._dtype = dtype(kind)
            @property
            def shape(self):
                return self._shape
            @property
            def dtype(self):
                return self._dtype
            def __repr__(self):
                raise AssertionError("ndarray repr called")

        class generic:
            pass

        class float64(float, generic):
            def __repr__(self):
                return "np.float64(%s)" % float.__repr__(self)
    '''))


@pytest.fixture(scope="module")
def populated(worker):
    worker.execute(textwrap.dedent('''
        import os, json as js
        from math import sqrt
        from collections import OrderedDict
        count = 42
        ratio = 0.5
        flag = True
        nothing = None
        huge = 10 ** 400
        title = "hello"
        essay = "x" * 500
        blob = b"\\x00\\x01"
        items = [1, 2, 3]
        table = {"a": 1, "b": [2, 3]}
        tags = {"red"}
        pair = (1, "two")
        mixed = [1, object()]
        long_list = list(range(1000))
        ordered = OrderedDict(a=1)
        _private = 1
        __dunder = 2

        def greet(name, greeting="hi", *rest, loud: bool = False, **extra) -> str:
            return greeting + name

        async def fetch(url, /, timeout=Ellipsis):
            return url

        square = lambda x: x * x

        class Point:
            def __init__(self, x, y):
                self.x, self.y = x, y

        origin = Point(0, 0)
    '''))
    return worker.request("namespace", limit=1000)


def test_scalars_and_strings(populated):
    assert _entry(populated, "count") == {"name": "count", "type": "int", "preview": "42"}
    assert _entry(populated, "ratio")["preview"] == "0.5"
    assert _entry(populated, "flag") == {"name": "flag", "type": "bool", "preview": "True"}
    assert _entry(populated, "nothing") == {"name": "nothing", "type": "NoneType",
                                            "preview": "None"}
    assert _entry(populated, "title") == {"name": "title", "type": "str", "preview": "'hello'"}
    assert _entry(populated, "blob")["preview"] == "b'\\x00\\x01'"
    essay = _entry(populated, "essay")["preview"]
    assert len(essay) == 80 and essay.startswith("'xxx") and essay.endswith("\u2026")
    assert _entry(populated, "huge") == {"name": "huge", "type": "int"}  # no 400-digit repr


def test_containers(populated):
    assert _entry(populated, "items") == {"name": "items", "type": "list", "length": 3,
                                          "preview": "[1, 2, 3]"}
    assert _entry(populated, "table") == {"name": "table", "type": "dict", "length": 2,
                                          "preview": "{'a': 1, 'b': [2, 3]}"}
    assert _entry(populated, "tags") == {"name": "tags", "type": "set", "length": 1,
                                         "preview": "{'red'}"}
    assert _entry(populated, "pair")["preview"] == "(1, 'two')"
    # Something that is not a builtin scalar inside: the length only.
    assert _entry(populated, "mixed") == {"name": "mixed", "type": "list", "length": 2}
    long_list = _entry(populated, "long_list")
    assert long_list["length"] == 1000 and len(long_list["preview"]) <= 80
    assert long_list["preview"].startswith("[0, 1, 2") and "\u2026" in long_list["preview"]
    # A dict subclass: the length (the builtin's), no preview.
    assert _entry(populated, "ordered") == {"name": "ordered", "type": "OrderedDict",
                                            "length": 1}


def test_functions_and_classes(populated):
    assert _entry(populated, "greet") == {
        "name": "greet", "type": "function",
        "preview": "(name, greeting='hi', *rest, loud: bool = False, **extra) -> str"}
    assert _entry(populated, "fetch")["preview"] == "async (url, /, timeout=\u2026)"
    assert _entry(populated, "square") == {"name": "square", "type": "function",
                                           "preview": "(x)"}
    assert _entry(populated, "Point") == {"name": "Point", "type": "class"}
    assert _entry(populated, "origin") == {"name": "origin", "type": "Point"}


def test_modules_imports_private_and_ipython_names_are_left_out(populated):
    names = _names(populated)
    for left_out in ("os", "js", "sqrt", "OrderedDict", "_private", "__dunder", "In", "Out",
                     "_", "_i1", "__builtins__", "__name__"):
        assert left_out not in names, left_out
    assert populated["truncated"] is False
    assert len(names) == len(set(names))


def test_most_recent_first(fresh_worker):
    worker = fresh_worker()
    worker.execute("zeta = 1\nalpha = 2\nmiddle = 3")
    assert _names(worker.request("namespace")) == ["middle", "alpha", "zeta"]
    worker.execute("zeta = 'rebound'")  # rebound since the last query: now the newest
    worker.execute("import os\nfrom IPython import get_ipython")
    assert _names(worker.request("namespace")) == ["zeta", "middle", "alpha"]
    # Unchanged: the same order again.
    assert _names(worker.request("namespace")) == ["zeta", "middle", "alpha"]


def test_limit_and_truncated(fresh_worker):
    worker = fresh_worker()
    worker.execute("for i in range(120):\n    globals()['v%d' % i] = i\ndel i")
    reply = worker.request("namespace")
    assert len(reply["names"]) == 50 and reply["truncated"] is True
    assert reply["names"][0] == {"name": "v119", "type": "int", "preview": "119"}
    reply = worker.request("namespace", limit=5)
    assert _names(reply) == ["v119", "v118", "v117", "v116", "v115"] and reply["truncated"]
    reply = worker.request("namespace", limit=120)
    assert len(reply["names"]) == 120 and reply["truncated"] is False
    reply = worker.request("namespace", limit=0)
    assert reply == {"status": "ok", "names": [], "truncated": True}
    assert len(worker.request("namespace", limit="many")["names"]) == 50  # default


def test_fake_pandas_and_numpy(fresh_worker, tmp_path):
    _fake_libraries(tmp_path)
    worker = fresh_worker()
    res = worker.execute(textwrap.dedent('''
        import sys
        sys.path.insert(0, %r)
        import pandas as pd, numpy as np
        from pandas.core import frame
        df = pd.DataFrame({"revenue": [1.5, 2.5, 3.5], "units": [1, 2, 3]})
        wide = pd.DataFrame({"c%%d" %% i: [0] for i in range(40)})
        s = pd.Series([1.0, 2.0], name="revenue")
        arr = np.ndarray((3, 4), "float32")
        scalar = np.float64(2.5)

        class Tricky(pd.DataFrame):
            @property
            def shape(self):
                while True:
                    pass

        tricky = Tricky({"a": [1]})
    ''' % str(tmp_path)))
    assert res.status == "ok", res.done
    reply = worker.request("namespace")
    assert _entry(reply, "df") == {"name": "df", "type": "DataFrame", "shape": [3, 2],
                                   "columns": ["revenue: float64", "units: int64"]}
    wide = _entry(reply, "wide")
    assert wide["shape"] == [1, 40] and len(wide["columns"]) == 30
    assert wide["columns"][:2] == ["c0: int64", "c1: int64"]
    assert _entry(reply, "s") == {"name": "s", "type": "Series", "shape": [2], "length": 2,
                                  "preview": "Name: revenue, dtype: float64"}
    assert _entry(reply, "arr") == {"name": "arr", "type": "ndarray", "shape": [3, 4],
                                    "preview": "dtype: float32"}
    assert _entry(reply, "scalar") == {"name": "scalar", "type": "float64",
                                       "preview": "np.float64(2.5)"}
    # A notebook subclass (it could override what pandas' code calls): its type name only.
    assert _entry(reply, "tricky") == {"name": "tricky", "type": "Tricky"}
    # pandas' repr and len were never called; only shape / columns / dtypes.
    calls = worker.execute("sorted(set(frame.calls))").results[0]["data"]["text/plain"]
    assert calls == "['columns', 'dtypes', 'shape']"
    names = _names(reply)
    assert "pd" not in names and "np" not in names and "frame" not in names


@pytest.mark.skipif(not python_has(WORKER_PYTHON, "pandas"),
                    reason="the worker's Python has no pandas (the fakes above cover it)")
def test_real_pandas_and_numpy(fresh_worker):
    worker = fresh_worker()
    res = worker.execute(textwrap.dedent('''
        import pandas as pd, numpy as np
        df = pd.DataFrame({"revenue": [1.5, 2.5], "units": [1, 2]})
        s = df["revenue"]
        arr = np.zeros((3, 4), dtype="float32")

        class Mine(pd.DataFrame):
            pass

        mine = Mine({"a": [1]})
    '''))
    assert res.status == "ok", res.done
    reply = worker.request("namespace")
    assert _entry(reply, "df") == {"name": "df", "type": "DataFrame", "shape": [2, 2],
                                   "columns": ["revenue: float64", "units: int64"]}
    assert _entry(reply, "s") == {"name": "s", "type": "Series", "shape": [2], "length": 2,
                                  "preview": "Name: revenue, dtype: float64"}
    assert _entry(reply, "arr") == {"name": "arr", "type": "ndarray", "shape": [3, 4],
                                    "preview": "dtype: float32"}
    assert _entry(reply, "mine") == {"name": "mine", "type": "Mine"}
    assert "pd" not in _names(reply) and "np" not in _names(reply)


def test_user_code_is_never_called(fresh_worker):
    worker = fresh_worker()
    worker.execute(textwrap.dedent('''
        calls = []

        class Looping:
            def __repr__(self):
                while True:
                    pass
            __str__ = __repr__
            def __len__(self):
                calls.append("len")
                while True:
                    pass
            def __getattr__(self, name):
                calls.append(name)
                while True:
                    pass

        class Meta(type):
            def __getattribute__(cls, name):
                calls.append(name)
                while True:
                    pass

        class Weird(metaclass=Meta):
            pass

        class LyingList(list):
            def __len__(self):
                calls.append("LyingList.__len__")
                return 99
            def __repr__(self):
                calls.append("LyingList.__repr__")
                return "[]"

        class Sneaky:
            @property
            def __class__(self):
                calls.append("__class__")
                return int

        looping = Looping()
        weird = Weird()
        lying = LyingList([1, 2])
        sneaky = Sneaky()

        def with_default(x=Looping()):
            pass
    '''))
    # Running any of the looping members would never answer: a reply means none ran.
    reply = worker.request("namespace")
    assert _entry(reply, "looping") == {"name": "looping", "type": "Looping"}
    assert _entry(reply, "weird") == {"name": "weird", "type": "Weird"}
    assert _entry(reply, "Weird") == {"name": "Weird", "type": "class"}
    assert _entry(reply, "lying") == {"name": "lying", "type": "LyingList", "length": 2}
    assert _entry(reply, "sneaky") == {"name": "sneaky", "type": "Sneaky"}
    assert _entry(reply, "with_default")["preview"] == "(x=\u2026)"
    assert worker.execute("calls").results[0]["data"]["text/plain"] == "[]"


def test_sigint_abandons_the_query(fresh_worker, tmp_path):
    _fake_libraries(tmp_path)
    worker = fresh_worker()
    worker.execute("import sys\nsys.path.insert(0, %r)\nimport pandas as pd\n"
                   "big = pd.DataFrame({'a': [1]}, slow=True)\nsmall = 1" % str(tmp_path))
    request_id = worker.new_id()
    worker.send({"op": "namespace", "id": request_id})
    wait_until(lambda: "[slow dtypes entered]" in worker.out.text(), "the query to reach the slow frame")
    worker.proc.send_signal(signal.SIGINT)
    while True:
        event = worker.next_event()
        if event["ev"] == "reply" and event["id"] == request_id:
            break
    # Abandoned: the slow frame (600 s) did not finish, and nothing of the half-read namespace is sent.
    assert event["content"] == {"status": "ok", "names": [], "truncated": True}
    # The worker goes on serving.
    assert worker.execute("del big\n1 + 1").results[0]["data"]["text/plain"] == "2"
    assert worker.request("namespace") == {
        "status": "ok", "names": [{"name": "small", "type": "int", "preview": "1"}],
        "truncated": False}


def test_two_hundred_names_are_all_summarised_up_to_the_limit(fresh_worker, tmp_path):
    _fake_libraries(tmp_path)
    worker = fresh_worker()
    worker.execute(textwrap.dedent('''
        import sys
        sys.path.insert(0, %r)
        import pandas as pd, numpy as np
        def f(a, b=1, *c, d, **e): pass
        class K: pass
        for i in range(200):
            kind = i %% 8
            globals()["n%%d" %% i] = (
                i if kind == 0 else "text %%d" %% i if kind == 1 else list(range(i)) if kind == 2
                else {"k": i} if kind == 3 else f if kind == 4 else K() if kind == 5
                else pd.DataFrame({"c%%d" %% j: [1.0] for j in range(10)}) if kind == 6
                else np.ndarray((i, 3), "float64"))
    ''' % str(tmp_path)))
    reply = worker.request("namespace", limit=1000)
    assert reply["truncated"] is False
    assert {"n%d" % i for i in range(200)} <= set(_names(reply))
    assert _entry(reply, "n6")["shape"] == [1, 10]  # a DataFrame
    assert _entry(reply, "n7")["shape"] == [7, 3]  # an ndarray
    reply = worker.request("namespace", limit=200)
    assert len(reply["names"]) == 200 and reply["truncated"] is True

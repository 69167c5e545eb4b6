"""The validation gate is bounded: it never runs notebook objects, reads every pattern in linear
time, and refuses code too large to read (issue 11). Every test goes through a real worker.

The kernel gives the gate a deadline and treats no answer as a refusal; these tests show that
the gate does not come near it: each waits with a generous deadline (60 s) that only a hang or a
quadratic pattern (minutes to hours at these sizes) would reach."""
CWD = "/work/project"
GENEROUS = 60.0


def validate(worker, code):
    return worker.request("validate", code=code, cwd=CWD, timeout=GENEROUS)


def test_lazy_objects_in_the_namespace_are_never_run(fresh_worker):
    worker = fresh_worker()
    # Objects whose __class__, __getattr__ and __getattribute__ run code: a lazy proxy, as some
    # libraries bind. Looking at them with isinstance() would run that code inside the gate.
    worker.execute(
        "import types\n"
        "touched = []\n"
        "class Lazy:\n"
        "    @property\n"
        "    def __class__(self):\n"
        "        touched.append('__class__'); raise RuntimeError('the gate ran notebook code')\n"
        "    def __getattr__(self, name):\n"
        "        touched.append(name); raise RuntimeError('the gate ran notebook code')\n"
        "class LazyModule(types.ModuleType):\n"
        "    def __getattribute__(self, name):\n"
        "        touched.append(name); raise RuntimeError('the gate ran notebook code')\n"
        "sp = Lazy()\n"
        "folder = Lazy()\n"
        "shell = LazyModule('subprocess')\n")
    reply = validate(worker, "sp.run('ls', shell=True)\nshell.run('ls')\n"
                             "import shutil\nshutil.rmtree(folder)\n")
    assert reply["status"] == "ok", reply
    # `shell` is a module subclass named subprocess: read from its __dict__, without its code.
    assert any(i["rule"] == "subprocess" for i in reply["issues"]), reply
    result = worker.execute("print(touched)")
    assert result.stdout.strip() == "[]"


# Strings built to make a backtracking pattern try every start and scan to the end: a password
# in a URL, an Authorization header, the key formats. The credentials scanner itself is given
# 1,500,000 characters of each (past the gate's size cap, to reach the patterns alone): quadratic
# at this size takes minutes to hours (the URL pattern did: 0.6 s at 60,000); linear, a second.
ADVERSARIAL = ["sk-", "a.", "ab:", "x://a:", "eyJ", "AKIA", "Authorization: bearer ", "a://", "%env A="]


def test_patterns_are_linear_on_long_literals(worker):
    result = worker.execute(
        "import importlib as _il\n"
        "_creds = _il.import_module('luci_worker.validation.credentials')\n"
        "_ctx = _il.import_module('luci_worker.validation.context')\n"
        "for _unit in %r:\n"
        "    _text = _unit * (1_500_000 // len(_unit))\n"
        "    _analysis = _ctx.Context(None, {}, 0)\n"
        "    _creds.scan_string(_analysis, None, _text)\n"
        "    _creds.env_line(_analysis, None, _text)\n"
        "print('scanned', len(%r))" % (ADVERSARIAL, ADVERSARIAL), timeout=GENEROUS)
    assert result.stdout.strip() == "scanned %d" % len(ADVERSARIAL)
    # And through the validate command, at the largest size it reads.
    for unit in ADVERSARIAL:
        reply = validate(worker, "x = %r\n" % (unit * (140_000 // len(unit))))
        assert reply["status"] == "ok" and isinstance(reply["passed"], bool), unit


def test_env_lines_are_linear(worker):
    reply = validate(worker, "%env API_TOKEN=b" + " " * 145_000 + "c\n")
    assert reply["status"] == "ok"
    reply = validate(worker, "%env " + "A" * 145_000)
    assert reply["status"] == "ok"


def test_code_too_large_to_judge_is_refused(worker):
    code = "x = 1\n" * 25_001  # 150,006 characters
    reply = validate(worker, code)
    assert reply["passed"] is False and reply["score"] == 0.0
    assert [(i["rule"], i["severity"]) for i in reply["issues"]] == [("too-large", "blocker")]
    assert "too large to be checked (150006 characters" in reply["issues"][0]["message"]
    # Just under the limit, the same code is read and judged.
    assert validate(worker, "x = 1\n" * 24_999)["passed"] is True


def test_names_bound_and_used_many_times_stay_linear(worker):
    # Issue 12 follows names through their bindings, listings and the disk: each stays bounded.
    cases = [
        # a name bound 5,000 times and deleted 2,000 times (was quadratic: 18 s)
        "import os\n" + "x = x + x\n" * 5000 + "os.remove(x)\n" * 2000,
        # 4,000 moves: the disk is asked at most 1,000 times, past that a file counts as there
        "import os\n" + "".join('os.rename("a%d.csv", "b%d.csv")\n' % (i, i) for i in range(4000)),
        # a table of 3,000 dangerous functions called 5,000 times: read once
        "import os\nops = {" + ",".join('"k%d": os.remove' % i for i in range(3000)) + "}\n"
        + "ops[k](p)\n" * 5000,
        # exec strings that exec strings, 2,000 times
        'exec("exec(\'exec(\\\\\'y = 2\\\\\')\')")\n' * 4000,
    ]
    for code in cases:
        reply = validate(worker, code)
        assert reply["status"] == "ok" and reply["passed"] is False, code[:60]

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
# in a URL, an Authorization header, the key formats, %env lines. 290,000 characters each (under
# the 300,000 the gate reads): quadratic at this size takes minutes; linear, well under a second.
ADVERSARIAL = [
    "sk-" * 96_000,
    "a." * 145_000,
    "ab:" * 96_000,
    "x://a:" * 48_000,
    "eyJ" * 96_000,
    "AKIA" * 72_000,
    "Authorization: bearer " * 13_000,
    "a://" * 72_000,
]


def test_patterns_are_linear_on_long_literals(worker):
    for text in ADVERSARIAL:
        reply = validate(worker, "x = %r\n" % text)
        assert reply["status"] == "ok" and isinstance(reply["passed"], bool), text[:20]


def test_env_lines_are_linear(worker):
    reply = validate(worker, "%env API_TOKEN=b" + " " * 290_000 + "c\n")
    assert reply["status"] == "ok"
    reply = validate(worker, "%env " + "A" * 290_000)
    assert reply["status"] == "ok"


def test_code_too_large_to_judge_is_refused(worker):
    code = "x = 1\n" * 50_001  # 300,006 characters
    reply = validate(worker, code)
    assert reply["passed"] is False and reply["score"] == 0.0
    assert [(i["rule"], i["severity"]) for i in reply["issues"]] == [("too-large", "blocker")]
    assert "too large to be checked (300006 characters" in reply["issues"][0]["message"]
    # Just under the limit, the same code is read and judged.
    assert validate(worker, "x = 1\n" * 49_999)["passed"] is True

"""The validate command: the gate that checks generated code before it runs (PROTOCOL.md,
"Validation"). Every test goes through a real worker."""
import json
import os

import pytest

CWD = "/work/project"  # the working directory the rules judge paths against


def validate(worker, code, **fields):
    fields.setdefault("cwd", CWD)
    return worker.request("validate", code=code, **fields)


def issues_of(reply, rule):
    return [issue for issue in reply["issues"] if issue["rule"] == rule]


# (rule, severity, code that triggers it, the safe variant that must not)
RULES = [
    ("syntax", "blocker", "def f(:\n    pass", "def f():\n    pass"),
    ("credentials", "high", 'password = "hunter2-Secret"',
     'import os\npassword = os.environ["DB_PASSWORD"]'),
    ("credentials", "high", 'db_password = "hunter2-Secret"', 'db_password = "<your password>"'),
    ("credentials", "high", 'client = OpenAI(api_key="abcdefghij123456")',
     'import os\nclient = OpenAI(api_key=os.environ["OPENAI_API_KEY"])'),
    ("credentials", "high", 'headers = {"Authorization": "Bearer abcdef1234567890"}',
     'headers = {"Authorization": f"Bearer {token}"}'),
    ("credentials", "high", 'key_id = "AKIAABCDEFGHIJKLMNOP"', 'key_id = "AKIA-not-a-key"'),
    ("credentials", "high", 'KEY = "sk-' + "a1B2c3D4e5" * 3 + '"', 'KEY = "sk-short"'),
    ("credentials", "high", 'gh = "ghp_' + "A" * 36 + '"', 'gh = "ghp_short"'),
    ("credentials", "high", 'slack = "xoxb-1234567890-abcdefghij"', 'slack = "xoxb"'),
    ("credentials", "high", 'pem = """-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n"""',
     'pem = """-----BEGIN CERTIFICATE-----\nMIIEow\n"""'),
    ("credentials", "high", 'url = "postgresql://admin:s3cretpw@db.local/sales"',
     'url = "postgresql://db.local/sales"'),
    ("credentials", "high", 'import os\nos.environ["OPENAI_API_KEY"] = "abcd1234efgh5678"',
     'import os\nos.environ["OPENAI_MODEL"] = "gpt-4o-mini"'),
    ("credentials", "high", 'import os\ntoken = os.getenv("GITHUB_TOKEN", "abcd1234efgh5678")',
     'import os\ntoken = os.getenv("GITHUB_TOKEN", "")'),
    ("credentials", "high", 'if password == "hunter2-Secret":\n    ok = True',
     'if password == expected:\n    ok = True'),
    ("credentials", "high", 'import requests\nrequests.get(u, auth=("ada", "pw-123456"))',
     'import requests\nrequests.get(u, auth=("ada", getpass.getpass()))'),
    ("credentials", "high", "%env OPENAI_API_KEY=abcd1234efgh5678", "%env OPENAI_MODEL=gpt-4o"),
    ("dynamic-code", "high", "result = eval(expression)", 'result = eval("1 + 2")'),
    ("dynamic-code", "high", "exec(open('script.py').read())", "exec('x = 1')"),
    ("dynamic-code", "high", "code = compile(source, 'f', 'exec')",
     "import re\npattern = re.compile(source)"),
    ("dynamic-code", "high", "module = __import__(name)", 'module = __import__("json")'),
    ("unsafe-deserialization", "medium", "import pickle\nobj = pickle.loads(payload)",
     "import json\nobj = json.loads(payload)"),
    ("unsafe-deserialization", "medium", "import yaml\nconf = yaml.load(text)",
     "import yaml\nconf = yaml.safe_load(text)"),
    ("shell", "high", 'import os\nos.system("ls -l")', 'import os\nos.listdir(".")'),
    ("shell", "high", 'import os\nlisting = os.popen("ls").read()', 'import os\nos.getcwd()'),
    ("shell", "high", 'import subprocess\nsubprocess.run("ls -l", shell=True)',
     'import subprocess\nsubprocess.run(["ls", "-l"])'),
    ("shell", "high", "!ls -l", "!pip install pandas"),
    ("shell", "high", "%%bash\necho hello\n", "%%markdown\n# hello\n"),
    ("subprocess", "low", 'import subprocess\nsubprocess.run(["ls", "-l"], check=True)',
     'import shutil\nshutil.which("ls")'),
    ("destructive-file", "high", 'import shutil\nshutil.rmtree("/etc")',
     'import shutil\nshutil.rmtree("build")'),
    ("destructive-file", "high", 'import os\nos.remove("/usr/lib/libc.so")',
     'import os\nos.remove("old_output.csv")'),
    ("destructive-file", "high", 'open("/etc/passwd", "w")', 'open("out.csv", "w")'),
    ("destructive-file", "high", 'open("../other_project/data.csv", "w")',
     'open("/etc/passwd")'),
    ("destructive-file", "high", 'import os\nos.unlink(os.path.expanduser("~/.bashrc"))',
     'import os\nos.unlink(os.path.join("results", "old.csv"))'),
    ("destructive-file", "high", 'from pathlib import Path\nPath("/var/log/syslog").unlink()',
     'from pathlib import Path\nPath("old.csv").unlink()'),
    ("destructive-file", "high", 'from pathlib import Path\nPath.home().joinpath("x").write_text("")',
     'from pathlib import Path\n(Path("out") / "x.txt").write_text("")'),
    ("destructive-file", "high", 'import os\nos.system("rm -rf /")',
     'import os\nos.system("rm -rf build/")'),
    ("destructive-file", "high", 'import subprocess\nsubprocess.run(["rm", "-rf", "/opt/app"])',
     'import subprocess\nsubprocess.run(["rm", "-rf", "tmp_results"])'),
    ("destructive-file", "high", 'import shutil\nshutil.rmtree(".")',
     'import shutil\nshutil.rmtree("./cache")'),
    ("destructive-file", "high", 'df.to_csv("/etc/report.csv")', 'df.to_csv(f"{name}.csv")'),
    ("destructive-file", "medium", "import shutil\nshutil.rmtree(folder)",
     "import shutil, tempfile\nfolder = tempfile.mkdtemp()\nshutil.rmtree(folder)"),
    ("destructive-file", "medium", 'open(f"{name}.csv", "w")', 'open(f"out/{name}.csv", "w")'),
    ("destructive-file", "medium", 'import os\nos.remove("/tmp/shared.lock")',
     'import os\nos.remove("/work/project/old.csv")'),
    ("network", "medium", "import requests\nr = requests.get(url)", "import json"),
    ("network", "medium", "import socket", "import selectors"),
    ("network", "medium", "from urllib.request import urlopen", "from urllib.parse import quote"),
    ("network", "medium", 'import pandas as pd\ndf = pd.read_csv("https://example.com/a.csv")',
     'import pandas as pd\ndf = pd.read_csv("data/a.csv")'),
    ("bare-except", "note", "try:\n    x = int(s)\nexcept:\n    x = 0",
     "try:\n    x = int(s)\nexcept ValueError:\n    x = 0"),
    ("silent-except", "note", "try:\n    x = int(s)\nexcept ValueError:\n    pass",
     "try:\n    x = int(s)\nexcept ValueError as exc:\n    print('bad', exc)"),
    ("secret-printed", "note", 'print(f"token: {api_token}")', 'print(f"tokens: {n_tokens}")'),
    ("interactive-input", "note", 'name = input("Name? ")', 'name = "Ada"'),
    ("no-error-handling", "note", 'with open("data.txt") as f:\n    text = f.read()',
     'try:\n    with open("data.txt") as f:\n        text = f.read()\n'
     'except OSError as exc:\n    text = ""'),
    ("long-cell", "note", "\n".join("x%d = %d" % (i, i) for i in range(90)),
     "def f():\n" + "\n".join("    x%d = %d" % (i, i) for i in range(90))),
]


@pytest.mark.parametrize("rule,severity,unsafe,safe", RULES,
                         ids=["%s-%d" % (r[0], i) for i, r in enumerate(RULES)])
def test_rule_fires_and_its_safe_variant_does_not(worker, rule, severity, unsafe, safe):
    reply = validate(worker, unsafe)
    found = issues_of(reply, rule)
    assert found, reply
    assert found[0]["severity"] == severity, reply
    for issue in reply["issues"]:
        assert set(issue) == {"rule", "severity", "line", "message", "hint"}
        assert issue["message"] and issue["hint"]
        assert issue["line"] is None or isinstance(issue["line"], int)
    safe_reply = validate(worker, safe)
    assert not issues_of(safe_reply, rule), safe_reply


def test_reply_shape_and_a_clean_cell(worker):
    reply = validate(worker, "x = 1\ny = x + 1\n")
    assert reply == {"status": "ok", "score": 1.0, "passed": True, "threshold": 0.8,
                     "issues": [],
                     "summary": "Score 1.00 (threshold 0.80): passed, no issues found."}


def test_score_arithmetic(worker):
    code = ('import os, subprocess, requests\n'
            'os.system("ls")\n'                 # shell: high, -0.3
            'subprocess.run(["ls"])\n')          # subprocess: low, -0.03; requests: medium, -0.1
    reply = validate(worker, code)
    assert sorted((i["rule"], i["severity"]) for i in reply["issues"]) == [
        ("network", "medium"), ("shell", "high"), ("subprocess", "low")]
    assert reply["score"] == 0.57 and reply["passed"] is False
    assert "below the threshold" in reply["summary"]
    # Exactly at the threshold passes: two mediums.
    reply = validate(worker, "import requests\nimport socket")
    assert reply["score"] == 0.8 and reply["passed"] is True
    # Three highs and more: floored at 0.
    reply = validate(worker, 'import os\n' + 'os.system("ls")\n' * 5)
    assert reply["score"] == 0.0 and reply["passed"] is False
    # A blocker is 0 whatever else.
    reply = validate(worker, "x = (\n")
    assert reply["score"] == 0.0


def test_notes_take_at_most_five_hundredths(worker):
    code = "\n".join("try:\n    v%d = int(s)\nexcept:\n    v%d = 0" % (i, i) for i in range(12))
    reply = validate(worker, code)
    assert len(issues_of(reply, "bare-except")) == 12
    assert {i["severity"] for i in reply["issues"]} == {"note"}
    assert reply["score"] == 0.95 and reply["passed"] is True
    one = validate(worker, "try:\n    v = int(s)\nexcept:\n    v = 0")
    assert one["score"] == 0.99


def test_threshold_override(worker):
    code = "import requests"  # one medium: 0.9
    assert validate(worker, code)["passed"] is True
    strict = validate(worker, code, threshold=0.95)
    assert strict["threshold"] == 0.95 and strict["score"] == 0.9 and strict["passed"] is False
    lenient = validate(worker, 'import os\nos.system("ls")', threshold=0.5)
    assert lenient["threshold"] == 0.5 and lenient["passed"] is True
    assert validate(worker, code, threshold="high")["threshold"] == 0.8  # not a number
    assert validate(worker, code, threshold=7)["threshold"] == 1.0       # clamped to 0..1


SECRETS = [
    ("password", "Tr0ub4dor&3-horse"),
    ("api_key", "sk-" + "Zx9Qw8Er7Ty6Ui5Op4As3Df2"),
    ("aws", "AKIAIOSFODNN7EXAMPLQ"),
    ("github", "ghp_" + "k" * 36),
]


@pytest.mark.parametrize("name,secret", SECRETS, ids=[s[0] for s in SECRETS])
def test_secrets_are_never_repeated(worker, name, secret):
    code = ('%s = "%s"\n'
            'print(%s)\n'
            'import os\n'
            'os.system("curl -H \'Authorization: Bearer %s\' https://api.example.com")\n'
            'headers = {"Authorization": "Bearer %s"}\n') % (name, secret, name, secret,
                                                             secret)
    reply = validate(worker, code)
    assert issues_of(reply, "credentials"), reply
    text = json.dumps(reply, ensure_ascii=False)
    assert secret not in text
    assert secret[:4] + "\u2026" in text  # shown redacted
    assert reply["passed"] is False


def test_syntax_error_line_and_message(worker):
    reply = validate(worker, "import os\n\nif x = 1:\n    pass\n")
    assert reply["score"] == 0.0 and reply["passed"] is False
    [issue] = reply["issues"]
    assert issue["rule"] == "syntax" and issue["severity"] == "blocker"
    assert issue["line"] == 3
    assert "does not parse" in issue["message"] and "line 3" in issue["message"]


def test_lines_count_in_the_whole_cell(worker):
    reply = validate(worker, "%%python\nimport os\n\nos.system('ls')\n")
    assert [(i["rule"], i["line"]) for i in reply["issues"]] == [("shell", 4)]
    reply = validate(worker, "%%time\nx = (\n")
    assert reply["issues"][0]["line"] == 2
    reply = validate(worker, "%%bash\necho start\nrm -rf /var/lib/app\n")
    assert [(i["rule"], i["line"]) for i in reply["issues"]] == [
        ("shell", 1), ("destructive-file", 3)]
    reply = validate(worker, "%%writefile /etc/cron.d/job\n* * * * * root true\n")
    assert [(i["rule"], i["severity"]) for i in reply["issues"]] == [
        ("destructive-file", "high")]


def test_typical_data_analysis_cell_passes(worker):
    code = '''import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from pathlib import Path

DATA = Path("data")
frames = [pd.read_csv(path, parse_dates=["date"]) for path in sorted(DATA.glob("*.csv"))]
df = pd.concat(frames, ignore_index=True)
df = df[df["date"].dt.year == 2024]
monthly = df.groupby(df["date"].dt.to_period("M"))["sales"].sum()
print(monthly.describe())
fig, ax = plt.subplots(figsize=(8, 4))
monthly.plot(ax=ax, marker="o")
ax.set_title("Monthly sales, 2024")
ax.set_ylabel("sales")
Path("output").mkdir(exist_ok=True)
fig.savefig("output/monthly_sales.png", dpi=120)
monthly.to_csv("output/monthly_sales.csv")
np.round(monthly.pct_change().mean(), 3)
'''
    reply = validate(worker, code)
    assert {i["severity"] for i in reply["issues"]} <= {"note"}, reply
    assert reply["score"] >= 0.95 and reply["passed"] is True


def test_validate_never_runs_the_code(fresh_worker, tmp_path):
    worker = fresh_worker(cwd=str(tmp_path))
    code = ('open("made_by_validate.txt", "w").write("x")\n'
            'import os\n'
            'os.mkdir("made_by_validate_dir")\n'
            'validated_marker = 1\n')
    reply = worker.request("validate", code=code)  # cwd: the worker's own
    assert reply["status"] == "ok"
    assert not issues_of(reply, "destructive-file")  # the files are inside the working dir
    assert os.listdir(str(tmp_path)) == []
    check = worker.execute("'validated_marker' in globals()")
    assert check.results[0]["data"]["text/plain"] == "False"


def test_names_from_earlier_cells_are_understood(worker):
    worker.execute('import subprocess as earlier_sp\nEARLIER_DIR = "/etc/app"')
    reply = validate(worker, 'earlier_sp.run("ls", shell=True)')
    assert [(i["rule"], i["severity"]) for i in reply["issues"]] == [("shell", "high")]
    reply = validate(worker, 'import shutil\nshutil.rmtree(EARLIER_DIR)')
    assert [(i["rule"], i["severity"]) for i in reply["issues"]] == [
        ("destructive-file", "high")]


def test_paths_inside_the_given_cwd_are_fine(worker):
    code = 'import shutil\nshutil.rmtree("/work/project/build")\nopen("/work/project/a.txt", "w")'
    assert not issues_of(validate(worker, code), "destructive-file")
    assert len(issues_of(validate(worker, code, cwd="/elsewhere"), "destructive-file")) == 2


def test_deterministic_and_sorted(worker):
    code = ('import requests\npassword = "hunter2-Secret"\nimport os\nos.system("rm -rf ~")\n'
            'try:\n    pass\nexcept:\n    pass\n')
    first = validate(worker, code)
    assert validate(worker, code) == first
    keys = [(i["line"], i["severity"]) for i in first["issues"]]
    order = ["blocker", "high", "medium", "low", "note"]
    assert keys == sorted(keys, key=lambda k: (k[0], order.index(k[1])))


def test_hundred_line_cell_of_ordinary_analysis_passes(worker):
    # What validation costs (this test once held it under 5 ms) belongs in bench/, not here.
    block = '''import os
import pandas as pd
import matplotlib.pyplot as plt
from pathlib import Path

DATA = Path("data")
frames = []
for name in sorted(os.listdir(DATA)):
    if name.endswith(".csv"):
        frame = pd.read_csv(DATA / name, parse_dates=["date"])
        frame["source"] = name
        frames.append(frame)
df = pd.concat(frames, ignore_index=True)
df = df[df["date"].dt.year == 2024]
summary = df.groupby(["region", "product"])["sales"].agg(["sum", "mean", "count"])
summary = summary.sort_values("sum", ascending=False)
print(summary.head(10))
fig, ax = plt.subplots(figsize=(8, 4))
summary["sum"].head(10).plot.bar(ax=ax)
ax.set_title(f"Top products in {len(summary)} groups")'''
    code = "\n".join([block] * 5)
    assert code.count("\n") + 1 == 100
    report = validate(worker, code)
    assert report["passed"] is True
    assert [i for i in report["issues"] if i["severity"] in ("blocker", "high")] == []


def test_other_commands_unaffected(worker):
    assert worker.request("is_complete", code="x = 1") == {"status": "complete"}
    reply = worker.request("validate")  # no code: nothing to object to
    assert reply["status"] == "ok" and reply["score"] == 1.0


def test_very_deep_expressions_are_still_checked(worker):
    code = "import os\ntotal = " + " + ".join(["1"] * 800) + "\nos.system('ls')\n"
    reply = validate(worker, code)
    assert [(i["rule"], i["line"]) for i in reply["issues"]] == [("shell", 3)]

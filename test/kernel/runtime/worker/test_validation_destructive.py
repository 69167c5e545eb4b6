"""The gate sees the ways generated code commonly destroys data (issue 12): moving, replacing,
truncating and copying over files that exist, deleting the files a pattern matches, and calls
reached through an alias, getattr, __import__, importlib or exec of a literal. Where it cannot
tell what a call on a dangerous module does, it says so instead of scoring the code clean.

Each case is written as a model would write it in a notebook cell, in a working directory that
holds the user's data (data/sales.csv & co). Every test goes through a real worker."""
import pytest


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A working directory with the user's data in it."""
    root = tmp_path_factory.mktemp("project")
    (root / "data").mkdir()
    for name in ("sales.csv", "costs.csv", "regions.csv"):
        (root / "data" / name).write_text("region,sales\nnorth,1\n")
    (root / "template.csv").write_text("region,sales\n")
    (root / "app.log").write_text("started\n")
    (root / "archive").mkdir()
    return str(root)


@pytest.fixture
def check(worker, project):
    def validate(code):
        return worker.request("validate", code=code, cwd=project)

    return validate


def found(reply):
    return [(i["rule"], i["severity"], i["message"]) for i in reply["issues"]
            if i["severity"] != "note"]


def refused(reply, *words):
    """The report does not pass, and some issue says each word."""
    assert reply["status"] == "ok", reply
    assert reply["passed"] is False, reply
    text = " ".join(i["message"] for i in reply["issues"])
    for word in words:
        assert word in text, (word, reply["issues"])


# (name, code, words the report must show). Before issue 12 every one of these scored 0.95 or
# more (only the no-error-handling note, or nothing) and passed.
HOLES = [
    ("os.rename", 'import os\nos.rename("data/sales.csv", "data/sales_2024.csv")\n',
     ["moves", "'data/sales.csv'"]),
    ("shutil.move", 'import shutil\nshutil.move("data/costs.csv", "archive/")\n',
     ["moves", "'data/costs.csv'"]),
    ("os.replace", 'import os\nimport pandas as pd\n'
     'df = pd.read_csv("data/sales.csv").dropna()\n'
     'df.to_csv("data/sales_clean.csv", index=False)\n'
     'os.replace("data/sales_clean.csv", "data/sales.csv")\n',
     ["replaces the existing file 'data/sales.csv'"]),
    ("os.truncate", 'import os\nos.truncate("app.log", 0)\n', ["empties", "'app.log'"]),
    ("shutil.copy over a file", 'import shutil\nshutil.copy("template.csv", "data/sales.csv")\n',
     ["replaces the existing file 'data/sales.csv'"]),
    ("os.open with O_TRUNC", 'import os\n'
     'fd = os.open("data/regions.csv", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n'
     'os.write(fd, b"region\\n")\nos.close(fd)\n',
     ["empties", "'data/regions.csv'"]),
    ("an alias", 'import os\nremove = os.remove\n'
     'remove(os.path.expanduser("~/Downloads/sales.csv"))\n',
     ["os.remove()", "home folder"]),
    ("exec of a literal", 'exec("import shutil\\nshutil.rmtree(\'/home/ada/old_runs\')")\n',
     ["shutil.rmtree()", "'/home/ada/old_runs'"]),
    ("__import__", '__import__("shutil").rmtree("../shared_results")\n',
     ["shutil.rmtree()", "'../shared_results'"]),
    ("a glob loop", 'import glob\nimport os\nfor f in glob.glob("data/*.csv"):\n    os.remove(f)\n',
     ["deletes", "files matched by 'data/*.csv'"]),
    ("importlib", 'import importlib\n'
     'importlib.import_module("shutil").rmtree("../shared_results")\n',
     ["shutil.rmtree()", "'../shared_results'"]),
    ("getattr", 'import os\ngetattr(os, "remove")("../shared/sales.csv")\n',
     ["os.remove()", "'../shared/sales.csv'"]),
]


@pytest.mark.parametrize("name,code,words", HOLES, ids=[h[0] for h in HOLES])
def test_destroying_data_is_not_passed(check, name, code, words):
    refused(check(code), *words)


# More of what models write, each a variant of a hole above.
VARIANTS = [
    ('from pathlib import Path\nfor p in Path("data").glob("*.csv"):\n    p.unlink()\n',
     ["files matched by 'data/*.csv'"]),
    ('import glob, os\nfiles = glob.glob("data/*.csv")\n[os.remove(f) for f in files]\n',
     ["files matched by 'data/*.csv'"]),
    ('import os\nfor name in os.listdir("data"):\n    os.remove(os.path.join("data", name))\n',
     ["every entry of 'data'"]),
    ('import glob, os\nlist(map(os.remove, glob.glob("data/*.csv")))\n',
     ["files matched by 'data/*.csv'"]),
    ('import glob, shutil\nfor f in glob.glob("data/*.csv"):\n    shutil.move(f, "archive")\n',
     ["moves", "files matched by 'data/*.csv'"]),
    ('from pathlib import Path\nPath("data/sales.csv").rename("data/old_sales.csv")\n',
     ["moves", "'data/sales.csv'"]),
    ('import shutil as sh\ncopy = sh.copyfile\ncopy("template.csv", "data/sales.csv")\n',
     ["replaces the existing file 'data/sales.csv'"]),
    ('code = "import os\\nos.system(\'ls\')"\nexec(code)\n', ["os.system()"]),
    ('from os import rename as mv\nmv("data/sales.csv", "sales.csv")\n', ["moves"]),
]


@pytest.mark.parametrize("code,words", VARIANTS)
def test_variants_are_not_passed(check, code, words):
    refused(check(code), *words)


UNRESOLVED = [
    ('import os\naction = "remove"\nfn = getattr(os, action)\nfn(path)\n',
     "could not tell what getattr(os, …) calls"),
    ('import importlib\nmod = importlib.import_module(module_name)\nmod.rmtree("build")\n',
     "could not tell which module importlib.import_module() loads"),
    ('import os, shutil\nops = {"delete": os.remove, "move": shutil.move}\nops[kind](path)\n',
     "could not tell what ops[…]() calls"),
]


@pytest.mark.parametrize("code,words", UNRESOLVED)
def test_calls_it_cannot_resolve_are_said(check, code, words):
    refused(check(code), words)


def test_exec_of_a_literal_is_read_as_code(check):
    assert check('exec("total = sum(range(10))")')["passed"] is True
    assert found(check('exec("total = sum(range(10))")')) == []
    reply = check('exec("import os\\nos.system(\'rm -rf ~\')")\n')
    assert reply["passed"] is False
    assert {(rule, severity) for rule, severity, _ in found(reply)} >= {
        ("shell", "high"), ("destructive-file", "high")}
    reply = check('exec("def broken(:")')
    refused(reply, "runs code from a string the gate cannot read: exec(")


def test_exec_of_a_huge_built_string_is_refused_not_expanded(check):
    # Each name doubles the string: read as written it would be 2**16 times the literal.
    lines = ['s0 = "x = 1\\n" * 1000']
    lines += ["s%d = s%d + s%d" % (i, i - 1, i - 1) for i in range(1, 17)]
    lines.append("exec(s16)")
    reply = check("\n".join(lines))
    assert reply["status"] == "ok" and reply["passed"] is False


# What models write every day: none of it may newly be flagged.
EVERYDAY = [
    'import pandas as pd\ndf = pd.read_csv("data/sales.csv")\ndf.to_csv("out.csv", index=False)\n',
    'with open("report.txt", "w") as f:\n    f.write("done")\n',
    'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig("plot.png")\n',
    'import os\nos.makedirs("output", exist_ok=True)\nprint(os.path.exists("data/sales.csv"))\n',
    'import os, shutil\nos.makedirs("backup", exist_ok=True)\n'
    'shutil.copy("data/sales.csv", "backup/sales.csv")\n',
    'import shutil\nshutil.copy("data/sales.csv", "data/sales_copy.csv")\n',
    'import glob\nimport pandas as pd\n'
    'frames = [pd.read_csv(f) for f in glob.glob("data/*.csv")]\n',
    'import os\nfor name in sorted(os.listdir("data")):\n    print(os.path.join("data", name))\n',
    'import pandas as pd\ndf = pd.read_csv("data/sales.csv")\n'
    'df = df.rename(columns={"sales": "revenue"})\n',
    'import importlib\njson = importlib.import_module("json")\nprint(json.dumps({}))\n',
    'import numpy as np\nagg = "mean"\nprint(getattr(np, agg)([1, 2, 3]))\n',
    'import pandas as pd\ndf = pd.read_csv("data/sales.csv")\nprint(getattr(df, "describe")())\n',
    'import os\nwith open("result.tmp", "w") as f:\n    f.write("x")\nos.replace("result.tmp", "result.txt")\n',
    'import tempfile, glob, os\ntmp = tempfile.mkdtemp()\n'
    'for f in glob.glob(os.path.join(tmp, "*.png")):\n    os.remove(f)\n',
    'exec("x = 1")\n',
    'from pathlib import Path\nfor p in Path("data").glob("*.csv"):\n    print(p.name, p.stat().st_size)\n',
    'import os\nos.remove("old_output.csv")\n',
]


@pytest.mark.parametrize("code", EVERYDAY)
def test_everyday_code_is_not_flagged(check, code):
    reply = check(code)
    assert found(reply) == [], reply["issues"]
    assert reply["passed"] is True

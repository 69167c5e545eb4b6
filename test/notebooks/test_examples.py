"""The example notebooks in notebooks/ are shipped with their outputs (made by
scripts/make-examples.mjs with Luci's own model), so a first look shows what a task gives.

- Each is valid nbformat 4.5, names the "luci" kernelspec, and has the outputs of a run: every
  code cell ran, and every task cell shows its plan, code, validation, result and record, with
  no error.
- Their records were signed on the machine that made them, so for anyone else they are someone
  else's: a headless run with a trust folder of its own shows each task's code and record and
  refuses to run it, saying how to trust the notebook.
- Trusted (`luci trust`), they rerun under `nbconvert --execute` in offline mode
  (LUCI_GENERATION=offline, no model reachable) and give the results they were shipped with;
  with a new value in the parameters cell and in a task's {name=value}, the recorded code gives
  the result for those values, still with no model.

Run (the kernelspec must be installed; see conftest.py):
    .venv/bin/python -m pytest test/notebooks -q
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "notebooks"
LUCI = REPO / "dist" / "kernel" / "cli" / "luci.js"
NAMES = sorted(p.name for p in EXAMPLES.glob("*.ipynb"))
RECORD = "application/vnd.luci.record+json"
TASK_OUTPUTS = ("application/vnd.luci.plan+json", "application/vnd.luci.code+json", "application/vnd.luci.validation+json", RECORD)


def shipped(name):
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    nbformat.validate(nb)
    return nb


def source(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def is_task(cell):
    """A code cell whose text is not Python: what Luci runs as a task."""
    if cell.cell_type != "code":
        return False
    try:
        ast.parse(source(cell))
        return False
    except SyntaxError:
        return True


def mimes(cell):
    return [m for o in cell.outputs for m in o.get("data", {})]


def results(cell):
    """What a cell gave as its result: its printed text and the kinds of image it showed."""
    text = "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream" and o["name"] == "stdout")
    images = sorted(m for m in mimes(cell) if m.startswith("image/"))
    return text, images


def errors(cell):
    return [o for o in cell.outputs if o["output_type"] == "error"]


def jupyter_command():
    exe = Path(sys.executable).with_name("jupyter")
    if not exe.exists():
        pytest.fail("no `jupyter` beside %s (pip install nbconvert into that venv)" % sys.executable)
    return str(exe)


def run_copy(name, work, trusted, edit=None):
    """The notebook copied alone into `work` (changed by `edit`, as a user would), trusted or not
    in a trust folder of its own, run headless in offline mode with no model reachable; the
    executed notebook."""
    work.mkdir()
    nb = shipped(name)
    if edit:
        edit({c.id: c for c in nb.cells})
    nbformat.write(nb, work / name)
    env = dict(os.environ)
    env.update({
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "LUCI_TRUST_DIR": str(work / "trust"),
        "LUCI_STATE_DIR": str(work / "state"),
        "LUCI_GENERATION": "offline",
        "LUCI_LOCAL_MODEL": "off",
        # a port nothing listens on: were a model asked, the cell would fail
        "LUCI_LLM_BASE_URL": "http://127.0.0.1:9/v1",
    })
    if trusted:
        trust = subprocess.run(["node", str(LUCI), "trust", name], cwd=work, env=env, capture_output=True, text=True, timeout=60)
        assert trust.returncode == 0, trust.stderr
        assert "Trusted" in trust.stdout
    cmd = [jupyter_command(), "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
           "--ExecutePreprocessor.timeout=300", "--output", "executed", name]
    proc = subprocess.run(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail("nbconvert --execute failed (exit %d):\n%s\n%s" % (proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:]))
    nb = nbformat.read(work / "executed.ipynb", as_version=4)
    nbformat.validate(nb)
    return nb


def test_there_are_examples_with_tasks():
    assert "loan-payment.ipynb" in NAMES and "python-basics.ipynb" in NAMES
    assert any(is_task(c) for c in shipped("loan-payment.ipynb").cells)


@pytest.mark.parametrize("name", NAMES)
def test_shipped_with_the_outputs_of_a_run(name):
    nb = shipped(name)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata.kernelspec.name == "luci"
    assert all(c.get("id") for c in nb.cells)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for c in code:
        # every cell ran without error, except one tagged as raising on purpose
        expected = "raises-exception" in c.metadata.get("tags", [])
        assert bool(errors(c)) == expected, (c.id, errors(c))
        # nbclient's timestamps are not shipped
        assert "execution" not in c.metadata, c.id


@pytest.mark.parametrize("name", NAMES)
def test_every_task_shows_plan_code_validation_result_and_record(name):
    for c in filter(is_task, shipped(name).cells):
        kinds = mimes(c)
        for mime in TASK_OUTPUTS:
            assert mime in kinds, (c.id, mime, kinds)
        assert kinds.count(RECORD) == 1, c.id
        text, images = results(c)
        assert text or images, "task cell %s shows no result" % c.id
        record = next(o for o in c.outputs if RECORD in o.get("data", {}))
        # the record's line is written for a reader on another machine (scripts/make-examples.mjs)
        assert "not run until you trust the notebook" in record["data"]["text/plain"]
        assert record["data"][RECORD]["task"] == source(c)


def test_the_loan_results_are_right():
    cells = {c.id: c for c in shipped("loan-payment.ipynb").cells}
    # 250000 at 5% a year for 30 years: the annuity formula gives 1342.05 a month
    assert "1342.05" in results(cells["payment"])[0]
    assert results(cells["schedule"])[1] == ["image/png"]


@pytest.mark.parametrize("name", NAMES)
def test_trusted_they_rerun_offline_with_no_model_and_give_the_same_results(name, luci_kernelspec, tmp_path):
    before = shipped(name)
    after = run_copy(name, tmp_path / "trusted", trusted=True)
    tasks = 0
    for old, new in zip(before.cells, after.cells):
        assert old.id == new.id
        if old.cell_type != "code":
            continue
        if is_task(old):
            tasks += 1
            assert not errors(new), (new.id, errors(new))
            assert RECORD in mimes(new), new.id
            # the recorded code ran: no plan, since no model was asked
            assert "application/vnd.luci.plan+json" not in mimes(new), new.id
        assert results(new) == results(old), new.id
    assert tasks == sum(1 for c in before.cells if is_task(c))


def test_untrusted_the_tasks_are_shown_and_not_run(luci_kernelspec, tmp_path):
    after = run_copy("loan-payment.ipynb", tmp_path / "untrusted", trusted=False)
    tasks = [c for c in after.cells if is_task(c)]
    assert tasks
    for c in tasks:
        assert "application/vnd.luci.code+json" in mimes(c), c.id
        record = next(o for o in c.outputs if RECORD in o.get("data", {}))
        assert "not by you; shown and not run until you trust the notebook" in record["data"]["text/plain"]
        [error] = errors(c)
        assert error["ename"] == "NotTrusted"
        assert "luci trust" in error["evalue"]
        assert results(c) == ("", []), c.id


def test_new_parameter_values_rerun_the_records_offline(luci_kernelspec, tmp_path):
    def edit(cells):
        cells["parameters"].source = source(cells["parameters"]).replace("rate = 0.05", "rate = 0.07")
        cells["payment"].source = source(cells["payment"]).replace("{principal=250000}", "{principal=200000}")

    after = run_copy("loan-payment.ipynb", tmp_path / "parameters", trusted=True, edit=edit)
    cells = {c.id: c for c in after.cells}
    assert not errors(cells["payment"]), errors(cells["payment"])
    # 200000 at 7% a year for 30 years
    assert "1330.60" in results(cells["payment"])[0]
    assert "1342.05" not in results(cells["payment"])[0]
    assert results(cells["schedule"])[1] == ["image/png"]

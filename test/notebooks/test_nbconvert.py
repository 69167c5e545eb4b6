"""Headless story: `jupyter nbconvert --to notebook --execute` runs notebooks/python-basics.ipynb
with the "luci" kernelspec (named in the notebook's metadata), and the executed notebook holds
what a Python kernel gives.

The notebook is copied to a temporary directory and executed there with the venv's `jupyter`
(the one beside the python running pytest), with no stdin, as in cron or CI.

Run (the kernelspec must be installed; see conftest.py):
    .venv/bin/python -m pytest test/notebooks -q
"""

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "python-basics.ipynb"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def jupyter_command():
    exe = Path(sys.executable).with_name("jupyter")
    if not exe.exists():
        pytest.fail("no `jupyter` beside %s (pip install nbconvert into that venv)" % sys.executable)
    return str(exe)


@pytest.fixture(scope="module")
def executed(tmp_path_factory, luci_kernelspec):
    work = tmp_path_factory.mktemp("nbconvert")
    src = work / NOTEBOOK.name
    shutil.copy(NOTEBOOK, src)
    env = dict(os.environ)
    env.setdefault("JUPYTER_RUNTIME_DIR", str(work / "runtime"))
    cmd = [jupyter_command(), "nbconvert", "--to", "notebook", "--execute",
           "--ExecutePreprocessor.timeout=120",
           "--output-dir", str(work / "out"), "--output", "executed", str(src)]
    proc = subprocess.run(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail("nbconvert --execute failed (exit %d):\n%s\n%s"
                    % (proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:]))
    out = work / "out" / "executed.ipynb"
    assert out.exists(), proc.stderr
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    return nb


def cell(nb, cell_id):
    for c in nb.cells:
        if c.get("id") == cell_id:
            return c
    raise AssertionError("no cell with id %r" % cell_id)


def stream_text(c, name="stdout"):
    return "".join(o["text"] for o in c.outputs if o["output_type"] == "stream" and o["name"] == name)


def outputs_of(c, output_type):
    return [o for o in c.outputs if o["output_type"] == output_type]


def test_source_notebook_is_valid_and_uses_luci():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata.kernelspec.name == "luci"
    assert all(c.get("id") for c in nb.cells)
    # shipped with the outputs of a run (test_examples.py); this test executes a copy again


def test_execution_counts_are_sequential(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))


def test_language_info_recorded(executed):
    info = executed.metadata.get("language_info", {})
    assert info.get("name") == "python"
    assert info.get("file_extension") == ".py"
    assert executed.metadata.kernelspec.name == "luci"


def test_stream_output(executed):
    assert stream_text(cell(executed, "state-define")) == "defined 5 values\n"


def test_state_carried_across_cells(executed):
    results = outputs_of(cell(executed, "state-use"), "execute_result")
    assert len(results) == 1
    assert results[0]["data"]["text/plain"] == "14"
    assert results[0]["execution_count"] == cell(executed, "state-use").execution_count
    assert stream_text(cell(executed, "state-change")) == "values now: [3, 1, 4, 1, 5, 14]\n"
    assert stream_text(cell(executed, "after-error")) == "after the error, total is still 14\n"


def test_rich_repr_html(executed):
    results = outputs_of(cell(executed, "rich-class"), "execute_result")
    assert len(results) == 1
    data = results[0]["data"]
    assert "<table>" in data["text/html"] and "<td>total</td><td>14</td>" in data["text/html"]
    assert data["text/plain"] == "Table(2 rows)"


def test_display_markdown_and_html(executed):
    shown = outputs_of(cell(executed, "rich-display"), "display_data")
    assert len(shown) == 2
    assert shown[0]["data"]["text/markdown"] == "The total is **14**."
    assert shown[1]["data"]["text/html"] == "<b>bold from HTML</b>"


def test_matplotlib_png(executed):
    c = cell(executed, "plot")
    assert not outputs_of(c, "error"), c.outputs
    pngs = [o["data"]["image/png"] for o in outputs_of(c, "display_data") if "image/png" in o["data"]]
    assert len(pngs) == 1, c.outputs
    raw = base64.b64decode(pngs[0])
    assert raw.startswith(PNG_SIGNATURE)
    assert len(raw) > 1000


def test_display_updated_by_display_id(executed):
    c = cell(executed, "update")
    shown = outputs_of(c, "display_data")
    # nbclient applies update_display_data to the output with that display_id
    assert len(shown) == 1, c.outputs
    assert shown[0]["data"]["text/plain"] == "'step 3 of 3'"


def test_error_in_tagged_cell(executed):
    c = cell(executed, "error")
    assert "raises-exception" in c.metadata.get("tags", [])
    errors = outputs_of(c, "error")
    assert len(errors) == 1
    assert errors[0]["ename"] == "IndexError"
    assert errors[0]["traceback"]
    # no other cell has an error
    others = [x.get("id") for x in executed.cells
              if x.cell_type == "code" and x is not c and outputs_of(x, "error")]
    assert others == []

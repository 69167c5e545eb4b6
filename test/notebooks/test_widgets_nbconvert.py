"""Headless story with widgets: `jupyter nbconvert --to notebook --execute` on a notebook that
makes ipywidgets with the "luci" kernelspec saves the widgets' state in the notebook's metadata
(nbclient's store_widget_state reads the comm messages the kernel publishes), and each widget's
output holds its view, so the saved notebook shows the widgets again.

The notebook gets its own environment (LUCI_ENV_DIR in a temporary folder); the import cascade
installs ipywidgets into it. Run (the kernelspec must be installed; see conftest.py):
    .venv/bin/python -m pytest test/notebooks/test_widgets_nbconvert.py -q
"""

import os
import subprocess

import nbformat
import pytest
from test_nbconvert import jupyter_command

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

CELLS = [
    "import ipywidgets",
    "slider = ipywidgets.IntSlider(value=4, description='n')\nslider",
    "slider.value = 9\nbox = ipywidgets.VBox([ipywidgets.Label('hello'), slider])\ndisplay(box)",
    "ipywidgets.interact(lambda x: print('x is', x), x=3);",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory, luci_kernelspec):
    work = tmp_path_factory.mktemp("widgets")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "luci", "display_name": "Luci", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    src = work / "widgets.ipynb"
    nbformat.write(nb, src)
    env = dict(os.environ)
    env.setdefault("JUPYTER_RUNTIME_DIR", str(work / "runtime"))
    env["LUCI_ENV_DIR"] = str(work / "envs")
    env["LUCI_EXECUTOR"] = "venv"
    cmd = [jupyter_command(), "nbconvert", "--to", "notebook", "--execute",
           "--ExecutePreprocessor.timeout=300",
           "--output-dir", str(work / "out"), "--output", "executed", str(src)]
    proc = subprocess.run(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        pytest.fail(f"nbconvert --execute failed (exit {proc.returncode}):\n"
                    f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    out = nbformat.read(work / "out" / "executed.ipynb", as_version=4)
    nbformat.validate(out)
    return out


def test_widget_state_is_saved_in_the_notebook(executed):
    state = executed.metadata["widgets"][WIDGET_STATE]
    assert state["version_major"] == 2
    models = state["state"]
    sliders = [m for m in models.values()
               if m["model_name"] == "IntSliderModel" and m["state"]["description"] == "n"]
    assert len(sliders) == 1
    # The state after the last change (slider.value = 9 in the third cell).
    assert sliders[0]["state"]["value"] == 9
    assert any(m["model_name"] == "VBoxModel" for m in models.values())


def test_each_widget_output_is_its_view(executed):
    models = executed.metadata["widgets"][WIDGET_STATE]["state"]
    views = []
    for cell in executed.cells[1:]:
        for output in cell.outputs:
            if WIDGET_VIEW in output.get("data", {}):
                views.append(output["data"][WIDGET_VIEW]["model_id"])
    assert len(views) == 3
    assert models[views[0]]["model_name"] == "IntSliderModel"
    assert models[views[1]]["model_name"] == "VBoxModel"
    assert models[views[2]]["model_name"] == "VBoxModel"  # interact's widget


def test_interact_output_is_captured_in_its_output_widget(executed):
    # nbclient routes the output whose parent is the msg_id the Output widget captures into
    # that widget's state: the function's print shows in the saved widget, not in the cell.
    models = executed.metadata["widgets"][WIDGET_STATE]["state"].values()
    outputs = [m["state"].get("outputs") for m in models if m["model_name"] == "OutputModel"]
    assert outputs == [[{"output_type": "stream", "name": "stdout", "text": "x is 3\n"}]]
    assert all(o.get("name") != "stdout" for o in executed.cells[3].outputs)

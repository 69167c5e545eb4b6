"""IPython's display API renders rich output with the shim (no IPython) and with a real IPython."""
import base64
import os

import pytest

from worker_harness import WORKER_DIR, WORKER_PYTHON, python_has

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5E"
    "rkJggg==")

COMMON_CELL = """
from IPython.display import display, HTML, Markdown, Image, clear_output, update_display
from IPython.display import Math, Latex, JSON, SVG, Javascript, Code, DisplayHandle
import IPython, builtins
print(IPython.__file__)
print(IPython.get_ipython())
display(HTML('<b>bold</b>'))
display(Markdown('*md*'), Math('x^2'))
display(Image(data=%r, width=20))
h = display(HTML('<p>v1</p>'), display_id=True)
update_display(HTML('<p>v2</p>'), display_id=h.display_id)
clear_output(wait=True)
display(JSON({'a': [1, 2]}))
HTML('<i>result</i>')
""" % PNG_1PX


def check_common_cell(res):
    assert res.status == "ok", res.done
    shown = res.displays
    assert shown[0]["data"]["text/html"] == "<b>bold</b>"
    assert shown[0]["data"]["text/plain"] == "<IPython.core.display.HTML object>"
    assert shown[1]["data"]["text/markdown"] == "*md*"
    assert shown[2]["data"]["text/latex"] == "$\\displaystyle x^2$"
    assert shown[3]["data"]["image/png"] == base64.b64encode(PNG_1PX).decode()
    assert shown[3]["metadata"] == {"image/png": {"width": 20}}
    assert shown[4]["data"]["text/html"] == "<p>v1</p>" and shown[4]["update"] is False
    assert shown[5]["data"]["text/html"] == "<p>v2</p>" and shown[5]["update"] is True
    assert shown[5]["transient"] == shown[4]["transient"]
    assert [c["wait"] for c in res.of("clear_output")] == [True]
    assert shown[6]["data"]["application/json"] == {"a": [1, 2]}
    assert res.results[0]["data"]["text/html"] == "<i>result</i>"
    return res.stdout.splitlines()


def test_shim_when_ipython_is_absent(fresh_worker, plain_python):
    worker = fresh_worker(python=plain_python)
    lines = check_common_cell(worker.execute(COMMON_CELL))
    assert lines[0] == os.path.join(WORKER_DIR, "shims", "IPython", "__init__.py")
    # get_ipython() answers the worker's shell (ipywidgets registers its comm targets then).
    assert lines[1].startswith("<luci_worker.kernel_shell.Shell object")
    # Older import locations and the display_* helpers.
    res = worker.execute(
        "from IPython.core.display import HTML as CoreHTML, display_html, display_markdown\n"
        "from IPython.core.display_functions import display as core_display\n"
        "from IPython.core.getipython import get_ipython\n"
        "display_html('<u>raw</u>', raw=True)\n"
        "display_markdown(Markdown('m'))\n"
        "core_display is display is builtins.display, CoreHTML is HTML, get_ipython()")
    assert res.status == "ok", res.done
    assert res.displays[0]["data"] == {"text/html": "<u>raw</u>"}
    assert res.displays[1]["data"] == {"text/markdown": "m"}
    assert res.results[0]["data"]["text/plain"].startswith(
        "(True, True, <luci_worker.kernel_shell.Shell object")


def test_shim_objects(fresh_worker, plain_python, tmp_path):
    (tmp_path / "pic.jpg").write_bytes(b"\xff\xd8\xff\xe0fakejpeg")
    worker = fresh_worker(python=plain_python, cwd=str(tmp_path))
    res = worker.execute(
        "from IPython.display import Image, SVG, Code, IFrame, FileLink, Pretty, Javascript\n"
        "from IPython.display import Audio\n"
        "display(Image(filename='pic.jpg'))\n"
        "display(Image(url='https://example.com/x.png'))\n"
        "display(SVG('<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>'))\n"
        "display(Code('x = 1', language='python'))\n"
        "display(IFrame('https://example.com', 300, 200))\n"
        "display(FileLink('pic.jpg'))\n"
        "display(Pretty('pretty text'))\n"
        "display(Javascript('console.log(1)'))\n"
        "display(Audio([0.0, 0.5, -0.5], rate=8000))\n")
    assert res.status == "ok", res.done
    data = [d["data"] for d in res.displays]
    assert base64.b64decode(data[0]["image/jpeg"]) == b"\xff\xd8\xff\xe0fakejpeg"
    assert data[1]["text/html"] == '<img src="https://example.com/x.png"/>'
    assert data[2]["image/svg+xml"] == '<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    assert "x = 1" in data[3]["text/html"] and data[3]["text/plain"] == "x = 1"
    assert 'src="https://example.com"' in data[4]["text/html"]
    assert "href='pic.jpg'" in data[5]["text/html"]
    assert data[5]["text/plain"] == str(tmp_path / "pic.jpg")
    assert data[6] == {"text/plain": "pretty text"}
    assert data[7]["application/javascript"] == "console.log(1)"
    assert "data:audio/wav;base64,UklGR" in data[8]["text/html"]


@pytest.mark.skipif(not python_has(WORKER_PYTHON, "IPython"),
                    reason="IPython is not installed for the worker's Python "
                           "(the shim path is tested by test_shim_when_ipython_is_absent)")
def test_real_ipython_display_is_routed_to_the_kernel(fresh_worker):
    worker = fresh_worker()
    lines = check_common_cell(worker.execute(COMMON_CELL))
    assert "shims" not in lines[0] and lines[0].endswith(os.path.join("IPython", "__init__.py"))
    assert lines[1].startswith("<luci_worker.kernel_shell.Shell object")
    res = worker.execute(
        "import IPython.core.display_functions as df\n"
        "from IPython.display import display_html, display_pretty\n"
        "display_html('<s>raw</s>', raw=True)\n"
        "display_pretty('pretty')\n"
        "df.publish_display_data({'text/plain': 'published'})\n"
        "df.display is builtins.display, isinstance(h, DisplayHandle)")
    assert res.status == "ok", res.done
    assert [d["data"] for d in res.displays] == [
        {"text/html": "<s>raw</s>"}, {"text/plain": "'pretty'"}, {"text/plain": "published"}]
    assert res.results[0]["data"]["text/plain"] == "(True, True)"

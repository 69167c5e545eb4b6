"""matplotlib inline: with a small fake matplotlib (always) and the real one (when installed)."""
import base64
import os
import textwrap

import pytest

from worker_harness import WORKER_PYTHON, python_has

FAKE_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (40).to_bytes(4, "big") \
    + (30).to_bytes(4, "big") + b"fake-image-data"

# Just the parts of matplotlib's API that Luci's backend and hook use.
FAKE_MATPLOTLIB = {
    "matplotlib/__init__.py": """
        rcParams = {"backend": "agg", "interactive": False}
        def use(backend, force=True):
            rcParams["backend"] = backend
        def get_backend():
            return rcParams["backend"]
        def interactive(flag):
            rcParams["interactive"] = flag
        def is_interactive():
            return rcParams["interactive"]
    """,
    "matplotlib/_pylab_helpers.py": """
        class Gcf:
            figs = {}
            @classmethod
            def get_all_fig_managers(cls):
                return list(cls.figs.values())
            @classmethod
            def destroy_all(cls):
                cls.figs.clear()
    """,
    "matplotlib/backend_bases.py": """
        class FigureManagerBase:
            def __init__(self, canvas, num):
                self.canvas, self.num = canvas, num
                canvas.manager = self
    """,
    "matplotlib/backends/__init__.py": "",
    "matplotlib/backends/backend_agg.py": """
        class FigureCanvasAgg:
            def __init__(self, figure):
                self.figure = figure
                figure.canvas = self
            def print_figure(self, stream, format="png", dpi=None, **kwargs):
                stream.write(%r if format == "png" else b"<svg/>")
                self.figure.printed.append((format, dpi, kwargs.get("bbox_inches")))
    """ % FAKE_PNG,
    "matplotlib/figure.py": """
        class Figure:
            dpi = 100
            def __init__(self, *args, **kwargs):
                self.axes, self.printed = [], []
            def add_subplot(self, *args):
                self.axes.append("ax")
                return self
            def get_facecolor(self):
                return "white"
            def get_edgecolor(self):
                return "white"
            def __repr__(self):
                return "<Figure size 640x480 with %d Axes>" % len(self.axes)
    """,
    "matplotlib/pyplot.py": """
        import importlib
        import matplotlib
        from matplotlib._pylab_helpers import Gcf
        _backend = importlib.import_module(matplotlib.get_backend()[len("module://"):])
        def figure():
            num = len(Gcf.figs) + 1
            manager = _backend.new_figure_manager(num)
            Gcf.figs[num] = manager
            return manager.canvas.figure
        def subplots():
            fig = figure()
            return fig, fig.add_subplot()
        def show():
            _backend.show()
        def close(which="all"):
            Gcf.destroy_all()
        def switch_backend(name):
            matplotlib.use(name)
        def get_fignums():
            return sorted(Gcf.figs)
    """,
}


def environment(**changes):
    """os.environ without MPLBACKEND (unless given), plus changes."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(changes)
    return env


@pytest.fixture
def fake_matplotlib(tmp_path):
    for relative, source in FAKE_MATPLOTLIB.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return str(tmp_path)


def test_inline_backend_with_fake_matplotlib(fresh_worker, fake_matplotlib):
    worker = fresh_worker(env=environment(PYTHONPATH=fake_matplotlib))
    res = worker.execute("import sys\n'matplotlib' in sys.modules")
    assert res.results[0]["data"]["text/plain"] == "False"  # not imported at start-up

    res = worker.execute("import matplotlib.pyplot as plt\n"
                         "print(plt.matplotlib.get_backend(), plt.matplotlib.is_interactive())\n"
                         "fig, ax = plt.subplots()\n"
                         "print('end of cell')")
    assert res.status == "ok", res.done
    assert res.stdout == "module://luci_worker.mpl_inline True\nend of cell\n"
    (shown,) = res.displays  # not shown explicitly: displayed at the end of the cell
    assert base64.b64decode(shown["data"]["image/png"]) == FAKE_PNG
    assert shown["data"]["text/plain"] == "<Figure size 640x480 with 1 Axes>"
    assert worker.execute("plt.get_fignums()").results[0]["data"]["text/plain"] == "[]"

    # plt.show() displays at once (before later prints) and closes; nothing is shown twice.
    res = worker.execute("fig, ax = plt.subplots()\nplt.show()\nprint('after show')")
    items = [(k, v if k == "text" else v["ev"]) for k, v in res.transcript()]
    assert items == [("event", "display"), ("text", "after show\n"), ("event", "done")]

    # A figure displayed or returned in the cell is not displayed again at its end.
    res = worker.execute("fig, ax = plt.subplots()\nfig")
    assert len(res.results) == 1 and res.displays == []
    assert base64.b64decode(res.results[0]["data"]["image/png"]) == FAKE_PNG

    # Figures are shown even when the cell fails.
    res = worker.execute("fig, ax = plt.subplots()\n1 / 0")
    assert res.status == "error" and len(res.displays) == 1

    # An empty figure has only its text form, as in IPython.
    res = worker.execute("fig = plt.figure()")
    assert res.displays[0]["data"] == {"text/plain": "<Figure size 640x480 with 0 Axes>"}

    # %config InlineBackend.figure_format = 'retina': twice the dpi, half-size metadata.
    res = worker.execute("%config InlineBackend.figure_format = 'retina'\n"
                         "fig, ax = plt.subplots()\nplt.show()\nfig.printed")
    assert res.displays[0]["metadata"] == {"image/png": {"width": 20, "height": 15}}
    assert res.results[0]["data"]["text/plain"] == "[('png', 200, 'tight')]"


def test_explicit_mplbackend_is_respected(fresh_worker, fake_matplotlib):
    worker = fresh_worker(env=environment(PYTHONPATH=fake_matplotlib, MPLBACKEND="agg"))
    res = worker.execute("import matplotlib\nmatplotlib.get_backend()")
    assert res.results[0]["data"]["text/plain"] == "'agg'"


@pytest.mark.skipif(not python_has(WORKER_PYTHON, "matplotlib"),
                    reason="matplotlib is not installed for the worker's Python "
                           "(the fake-matplotlib test covers the logic)")
def test_real_matplotlib_inline(fresh_worker):
    worker = fresh_worker(env=environment())
    res = worker.execute("import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\n"
                         "plt.title('t')\nprint(plt.get_backend())")
    assert res.status == "ok", res.done
    assert res.stdout == "module://luci_worker.mpl_inline\n"
    (shown,) = res.displays
    assert base64.b64decode(shown["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert shown["data"]["text/plain"] == "<Figure size 640x480 with 1 Axes>"
    res = worker.execute("fig, ax = plt.subplots()\nax.plot([1])\nfig.show()\n"
                         "len(plt.get_fignums())")
    assert len(res.displays) == 1 and res.results[0]["data"]["text/plain"] == "1"
    assert worker.execute("len(plt.get_fignums())").results[0]["data"]["text/plain"] == "0"

"""The matplotlib backend `module://luci_worker.mpl_inline`: Agg rendering, shown inline.

matplotlib imports this module when pyplot selects the backend (mpl_support chose it). It
provides what pyplot looks for: FigureCanvas, FigureManager, new_figure_manager(_given_figure),
draw_if_interactive and show.
"""

from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import displays, mpl_support


class FigureManager(FigureManagerBase):
    def show(self):
        """fig.show(): display this figure now."""
        displays.display(self.canvas.figure)


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


def new_figure_manager_given_figure(num, figure):
    return FigureManager(FigureCanvas(figure), num)


def new_figure_manager(num, *args, FigureClass=Figure, **kwargs):
    return new_figure_manager_given_figure(num, FigureClass(*args, **kwargs))


def draw_if_interactive():
    """Nothing to do: figures are rendered when shown or at the end of the cell."""


def show(block=None):
    """plt.show(): display all open figures and close them."""
    mpl_support.show_all()

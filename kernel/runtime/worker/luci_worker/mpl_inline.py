"""The matplotlib backend `module://luci_worker.mpl_inline`: Agg rendering, shown inline.

matplotlib imports this module when pyplot selects the backend (mpl_support chose it). It
provides what pyplot looks for: FigureCanvas, FigureManager, new_figure_manager(_given_figure),
draw_if_interactive and show.
"""

from __future__ import annotations

from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import displays, mpl_support

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class FigureManager(FigureManagerBase):
    def show(self) -> None:
        """fig.show(): display this figure now."""
        displays.display(self.canvas.figure)


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


def new_figure_manager_given_figure(num: int, figure: Figure) -> FigureManager:
    return FigureManager(FigureCanvas(figure), num)


def new_figure_manager(
    num: int, *args: Any, FigureClass: type[Figure] = Figure, **kwargs: Any
) -> FigureManager:
    return new_figure_manager_given_figure(num, FigureClass(*args, **kwargs))


def draw_if_interactive() -> None:
    """Nothing to do: figures are rendered when shown or at the end of the cell."""


def show(block: bool | None = None) -> None:
    """plt.show(): display all open figures and close them."""
    mpl_support.show_all()

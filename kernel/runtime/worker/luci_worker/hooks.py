"""Late calls between the worker's modules, in one place.

Some modules must call functions of modules that are loaded later, or only when needed:
- stdin.py, while input() or %pip waits for the kernel, answers the queries that arrive
  meanwhile (complete, inspect, ...) with main.answer_query;
- execution.py tells %autoreload (autoreload.py) and the matplotlib support (mpl_support.py)
  that a cell starts and ends, once those modules are loaded;
- displays.py tells the matplotlib support what was displayed (a figure shown during the cell
  is not shown again at its end).
The module that provides such a function registers it here when it loads (or when it is
switched on); the caller calls through here. A call imports nothing, and calls nothing when
nobody registered. (Post-import hooks on other packages are import_hooks.py's.)
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Literal

    from ._typing import Command

    # The moments of a cell that other modules hear of (execution.Executor.execute), in order:
    #   before_cell   before anything of the cell runs (autoreload: reload edited modules)
    #   cell_started  next (matplotlib: forget which figures the last cell showed)
    #   output_done   after the cell's code, also after an error, unless the cell is silent
    #                 (matplotlib: show the figures the cell left open)
    #   after_cell    after the cell, also after an error (autoreload: note the files' times)
    CellEvent = Literal["before_cell", "cell_started", "output_done", "after_cell"]

_query_answerer: Callable[[Command], None] | None = None
_cell_hooks: dict[str, list[Callable[[], None]]] = {
    "before_cell": [],
    "cell_started": [],
    "output_done": [],
    "after_cell": [],
}
_display_hooks: list[Callable[[object], None]] = []


def set_query_answerer(function: Callable[[Command], None]) -> None:
    """main.py: the function that answers a query command (anything but execute)."""
    global _query_answerer
    _query_answerer = function


def answer_query(cmd: Command) -> None:
    """Answer a query command (and send the reply) while the worker waits for the kernel."""
    if _query_answerer is None:
        raise RuntimeError("no query answerer is registered")
    _query_answerer(cmd)


def on_cell(event: CellEvent, function: Callable[[], None]) -> None:
    """Call function() at that moment of every cell from now on (once, however often it is
    registered)."""
    functions = _cell_hooks[event]
    if function not in functions:
        functions.append(function)


def cell_event(event: CellEvent) -> None:
    """execution.py: a cell is at that moment. The functions' exceptions propagate."""
    for function in list(_cell_hooks[event]):
        function()


def on_display(function: Callable[[object], None]) -> None:
    """Call function(obj) for every object displayed (or shown as a cell's result) from now on
    (once, however often it is registered)."""
    if function not in _display_hooks:
        _display_hooks.append(function)


def displayed(obj: object) -> None:
    """displays.py: obj is being displayed."""
    for function in list(_display_hooks):
        function(obj)

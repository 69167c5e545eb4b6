"""What get_ipython() returns in Luci's worker: a small stand-in for ipykernel's shell.

Libraries look for a shell to learn that they run in a Jupyter kernel: ipywidgets registers
its comm targets only when get_ipython() is not None, its Output widget captures output by the
msg_id of `get_ipython().kernel.get_parent()`, and shows a callback's exception with
`showtraceback()`. Both our IPython shim and a real IPython (import_hooks.py replaces
`IPython.core.getipython.get_ipython`) answer this object. It has what those libraries read;
anything else of IPython's shell is missing (an AttributeError says so).
"""

from __future__ import annotations

import sys

from . import state

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any, Callable, Optional

    ExcInfo = tuple[Optional[type[BaseException]], Optional[BaseException], Optional[TracebackType]]


class Events:
    """IPython's EventManager API. Luci's worker triggers no events itself (matplotlib's
    display of figures is mpl_support.py's): callbacks are kept and run only on trigger()."""

    def __init__(self) -> None:
        self.callbacks: dict[str, list[Callable[..., Any]]] = {}

    def register(self, event: str, function: Callable[..., Any]) -> None:
        functions = self.callbacks.setdefault(event, [])
        if function not in functions:
            functions.append(function)

    def unregister(self, event: str, function: Callable[..., Any]) -> None:
        functions = self.callbacks.get(event, [])
        if function in functions:
            functions.remove(function)

    def trigger(self, event: str, *args: Any, **kwargs: Any) -> None:
        for function in list(self.callbacks.get(event, ())):
            function(*args, **kwargs)


class Kernel:
    """ipykernel's Kernel as libraries see it: the comm manager and the request being run."""

    @property
    def comm_manager(self) -> Any:
        from . import comms

        return comms.get_comm_manager()

    def get_parent(self, channel: str = "shell") -> dict[str, Any]:
        """The Jupyter request being run: the execute_request of the cell, or the client's comm
        message while its handler runs (ipywidgets' Output widget captures output by it)."""
        if not state.msg_id:
            return {}
        return {
            "header": {"msg_id": state.msg_id, "msg_type": state.msg_type},
            "msg_id": state.msg_id,
            "msg_type": state.msg_type,
            "parent_header": {},
            "metadata": {},
            "content": {},
        }


class Shell:
    """The shell object of Luci's worker (see the module's docstring)."""

    def __init__(self) -> None:
        self.kernel = Kernel()
        self.events = Events()
        self.config: dict[str, Any] = {}

    @property
    def user_ns(self) -> dict[str, Any]:
        return state.get_namespace()

    def showtraceback(
        self,
        exc_tuple: ExcInfo | None = None,
        filename: str | None = None,
        tb_offset: int | None = None,
        exception_only: bool = False,
        running_compiled_code: bool = False,
    ) -> None:
        """Show an exception (the one being handled by default) as the request's error output."""
        exc = exc_tuple[1] if exc_tuple else sys.exc_info()[1]
        if exc is None or state.events is None:
            return
        from .tracebacks import format_exception

        ename, evalue, tb = format_exception(exc)
        state.events.send(
            {"ev": "error", "id": state.exec_id, "ename": ename, "evalue": evalue, "traceback": tb},
            sync=True,
        )

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> Any:
        from . import magics

        return magics.run_line_magic(name, line, depth=_stack_depth + 1)

    def enable_gui(self, gui: str | None = None) -> None:
        """No GUI event loop runs in the worker (matplotlib asks for one for its backends)."""


_shell: Shell | None = None


def get_ipython() -> Shell:
    global _shell
    if _shell is None:
        _shell = Shell()
    return _shell


def patch_getipython(module: Any) -> None:
    """Post-import hook of a real `IPython.core.getipython`: its get_ipython() answers a real
    shell when one was made (InteractiveShell.instance()), else ours."""
    original = getattr(module, "get_ipython", None)

    def get_ipython_or_ours() -> Any:
        shell = original() if original is not None else None
        return shell if shell is not None else get_ipython()

    get_ipython_or_ours.__doc__ = getattr(original, "__doc__", None)
    module.get_ipython = get_ipython_or_ours

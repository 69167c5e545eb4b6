"""A small printer for objects that implement IPython's `_repr_pretty_(p, cycle)` protocol.

Only what such methods commonly call is provided (text, breakable, pretty, group/indent,
begin_group/end_group); line breaking is not attempted: breakables print as their separator.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextlib import AbstractContextManager


class _Printer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self._stack: list[int] = []  # ids of the objects being printed, for cycle detection
        self.indentation = 0

    def text(self, obj: object) -> None:
        self.parts.append(str(obj))

    def breakable(self, sep: str = " ") -> None:
        self.parts.append(sep)

    def break_(self) -> None:
        self.parts.append("\n" + " " * self.indentation)

    def begin_group(self, indent: int = 0, open: str = "") -> None:
        self.indentation += indent
        if open:
            self.text(open)

    def end_group(self, dedent: int = 0, close: str = "") -> None:
        self.indentation -= dedent
        if close:
            self.text(close)

    def group(
        self, indent: int = 0, open: str = "", close: str = ""
    ) -> AbstractContextManager[None]:
        printer = self

        class _Group:
            def __enter__(self) -> None:
                printer.begin_group(indent, open)

            def __exit__(self, *exc: object) -> None:
                printer.end_group(indent, close)

        return _Group()

    def indent(self, indent: int) -> AbstractContextManager[None]:
        return self.group(indent)

    def pretty(self, obj: object) -> None:
        meth = getattr(obj, "_repr_pretty_", None)
        if not callable(meth) or isinstance(obj, type):
            self.text(repr(obj))
            return
        cycle = id(obj) in self._stack
        self._stack.append(id(obj))
        try:
            meth(self, cycle)
        finally:
            self._stack.pop()

    def flush(self) -> None:
        pass


def pretty(obj: object) -> str:
    printer = _Printer()
    printer.pretty(obj)
    return "".join(printer.parts)

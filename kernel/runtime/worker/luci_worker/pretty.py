"""A small printer for objects that implement IPython's `_repr_pretty_(p, cycle)` protocol.

Only what such methods commonly call is provided (text, breakable, pretty, group/indent,
begin_group/end_group); line breaking is not attempted: breakables print as their separator.
"""


class _Printer:
    def __init__(self):
        self.parts = []
        self._stack = []  # ids of the objects being printed, for cycle detection
        self.indentation = 0

    def text(self, obj):
        self.parts.append(str(obj))

    def breakable(self, sep=" "):
        self.parts.append(sep)

    def break_(self):
        self.parts.append("\n" + " " * self.indentation)

    def begin_group(self, indent=0, open=""):
        self.indentation += indent
        if open:
            self.text(open)

    def end_group(self, dedent=0, close=""):
        self.indentation -= dedent
        if close:
            self.text(close)

    def group(self, indent=0, open="", close=""):
        printer = self

        class _Group:
            def __enter__(self):
                printer.begin_group(indent, open)

            def __exit__(self, *exc):
                printer.end_group(indent, close)

        return _Group()

    def indent(self, indent):
        return self.group(indent)

    def pretty(self, obj):
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

    def flush(self):
        pass


def pretty(obj):
    printer = _Printer()
    printer.pretty(obj)
    return "".join(printer.parts)

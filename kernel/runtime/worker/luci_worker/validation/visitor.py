"""The second pass: a walk over the tree that hands each node to the rules that read it.

Most nodes only lead to their children; the few kinds a rule reads have a handler (HANDLERS),
which also decides how to go on (a try body counts as protected I/O, say). A call is read by
every rule family in turn, in a fixed order: some stop the others (eval & co are not read any
further; a program that is started is not also judged as a file operation).
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)
import sys

from .. import transform
from . import credentials, dynamic_code, files, network, notes, shell, values
from .bindings import collect
from .context import TOP_LEVEL_AWAIT, Context, show

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    Handler = Callable[["Analysis", Any], None]

# The functions whose use through a name the gate cannot resolve is said (could_not_tell).
DANGEROUS = frozenset(
    (
        *files.FUNCTIONS,
        *shell.FUNCTIONS,
        *("%s%s" % (p, f) for p in ("", "builtins.") for f in ("exec", "eval", "compile")),
        "__import__",
        "importlib.import_module",
    )
)
# exec / eval strings read as code: at most this many characters in all, this deep.
MAX_STRING_CHARS = 150_000
MAX_STRING_DEPTH = 4

_TRY = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))


class Call:
    """One call as the rule modules read it."""

    __slots__ = ("node", "func", "qual", "name", "attr", "receiver", "args", "keywords", "label")

    def __init__(self, analysis: Context, node: ast.Call) -> None:
        func = node.func
        self.node = node
        self.func = func
        self.qual = values.qual(analysis, func)
        self.name = self.qual or ""
        self.attr = func.attr if type(func) is ast.Attribute else None
        self.receiver = func.value if type(func) is ast.Attribute else None  # `obj` of obj.attr()
        self.args = node.args
        self.keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        self.label = (self.qual or values.dotted(func)) + "()"

    def arg(self, position: int | None, keyword: str | None) -> ast.expr | None:
        """The argument at a position, or given by keyword; None if absent."""
        if position is not None and len(self.args) > position:
            return self.args[position]
        return self.keywords.get(keyword) if keyword is not None else None


class Analysis(Context):
    def visit(self, node: ast.AST) -> None:
        handler = HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node)
        else:
            self.children(node)

    def children(self, node: ast.AST) -> None:
        for name in node._fields:
            if name == "ctx":
                continue
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)


def _visit_call(analysis: Analysis, node: ast.Call) -> None:
    _check_call(analysis, node)
    analysis.children(node)


def _check_call(analysis: Analysis, node: ast.Call) -> None:
    call = Call(analysis, node)
    credentials.check_call(analysis, call)
    dynamic_code.could_not_tell(analysis, call, DANGEROUS)
    if dynamic_code.check_call(analysis, call):
        source = dynamic_code.source_of(analysis, call)
        if source is not None:
            _read_string(analysis, call, source)
        return
    if call.name == transform.SHELL_CALL:
        shell.shell_line(analysis, node)
        return
    if call.name == transform.MAGIC_CALL:
        _magic_line(analysis, node)
        return
    if not shell.check_call(analysis, call):
        files.check_call(analysis, call)
    network.check_call(analysis, call)
    notes.check_call(analysis, call)


def _magic_line(analysis: Analysis, node: ast.Call) -> None:
    """`%name args` (transform.py made it `__luci_magic__('name', 'args')`)."""
    if len(node.args) < 2:
        return
    first, second = node.args[0], node.args[1]
    if type(first) is not ast.Constant or type(second) is not ast.Constant:
        return
    name, line = str(first.value), str(second.value)
    if name in ("rm", "rmdir"):
        files.shell_deletes(analysis, node, name + " " + line)
    elif name == "env":
        credentials.env_line(analysis, node, line)
    elif name in ("time", "timeit") and line:
        _nested(analysis, node, line)


def _nested(analysis: Analysis, node: ast.Call, source: str) -> None:
    """The Python code of a `%time` / `%timeit` line."""
    try:
        tree: ast.Module = compile(
            source, "<line>", "exec", ast.PyCF_ONLY_AST | TOP_LEVEL_AWAIT, dont_inherit=True
        )
    except (SyntaxError, ValueError, OverflowError):
        return  # the cell will say so when it runs
    offset = analysis.offset
    analysis.offset = offset + node.lineno - 1
    try:
        analysis.visit(tree)
    finally:
        analysis.offset = offset


def _read_string(analysis: Analysis, call: Call, source: str) -> None:
    """exec / eval / compile of a string known in full: read it as the code it is."""
    what = call.name.rsplit(".", 1)[-1]
    mode = "eval" if what == "eval" else "exec"
    if what == "compile":
        given = call.arg(2, "mode")
        mode = "eval" if given is not None and values.literal(given) == "eval" else "exec"
    shown = "%s(%s)" % (what, show(source, 40))
    if (
        analysis.string_depth >= MAX_STRING_DEPTH
        or analysis.strings_read + len(source) > MAX_STRING_CHARS
    ):
        why = "too large or nested too deeply to be checked"
    else:
        analysis.strings_read += len(source)
        try:
            tree: ast.AST = compile(
                source,
                "<string>",
                mode,
                ast.PyCF_ONLY_AST | TOP_LEVEL_AWAIT,
                dont_inherit=True,
            )
        except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):
            why = "it does not parse as Python"
        else:
            collect(analysis, tree)
            offset = analysis.offset
            analysis.offset = offset + call.node.lineno - 1
            analysis.string_depth += 1
            try:
                analysis.visit(tree)
            finally:
                analysis.offset = offset
                analysis.string_depth -= 1
            return
    analysis.add(
        "dynamic-code",
        "high",
        call.node,
        "The code runs code from a string the gate cannot read: %s (%s)." % (shown, why),
    )


HANDLERS: dict[type[ast.AST], Handler] = {
    ast.Constant: credentials.visit_constant,
    ast.JoinedStr: credentials.visit_joined,
    ast.ExceptHandler: notes.visit_handler,
    ast.Import: network.visit_import,
    ast.ImportFrom: network.visit_import,
    ast.Assign: credentials.visit_assign,
    ast.AnnAssign: credentials.visit_assign,
    ast.Dict: credentials.visit_dict,
    ast.Compare: credentials.visit_compare,
    ast.Call: _visit_call,
}
for _kind in _TRY:
    HANDLERS[_kind] = notes.visit_try


def visit_deep(analysis: Analysis, tree: ast.AST) -> None:
    """analysis.visit(tree); for a very deep tree (a sum of 800 terms) once more, from the
    same start, with a higher recursion limit (the parser accepted the tree: it is finite)."""
    issues = len(analysis.issues)
    try:
        return analysis.visit(tree)
    except RecursionError:
        pass
    del analysis.issues[issues:]
    analysis.try_depth = 0
    analysis.io_unprotected = None
    analysis.network_flagged.clear()
    analysis.scanned_strings.clear()
    analysis.strings_read = 0
    analysis.string_depth = 0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    try:
        return analysis.visit(tree)
    finally:
        sys.setrecursionlimit(limit)

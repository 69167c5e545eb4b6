"""The notes: practice worth a word, never enough to fail a cell (scoring caps them).

no-error-handling (file or network I/O outside any try with an except; once per cell),
bare-except, silent-except, secret-printed (print or logging of a value named like a secret),
long-cell (many lines and no function or class), interactive-input (input() / getpass: no one
answers in a headless run).
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)

from . import values
from .context import show
from .credentials import secret_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .context import Context
    from .visitor import Analysis, Call


LONG_CELL_LINES = 80

_IO_METHODS = {
    "read_csv",
    "read_excel",
    "read_json",
    "read_parquet",
    "read_table",
    "read_sql",
    "read_sql_query",
    "read_sql_table",
    "read_html",
    "read_pickle",
    "read_feather",
    "read_hdf",
    "read_fwf",
    "read_xml",
    "read_sas",
    "read_stata",
    "read_spss",
    "read_orc",
    "to_csv",
    "to_excel",
    "to_json",
    "to_parquet",
    "to_pickle",
    "to_feather",
    "to_hdf",
    "to_sql",
    "savefig",
    "loadtxt",
    "savetxt",
    "genfromtxt",
    "urlopen",
    "urlretrieve",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "critical", "exception", "log"}


def io(analysis: Context, node: ast.stmt | ast.expr, label: str) -> None:
    """A file or network call: remember the first one outside a try (no-error-handling)."""
    if analysis.try_depth == 0 and analysis.io_unprotected is None:
        analysis.io_unprotected = (node.lineno + analysis.offset, label)


def visit_try(analysis: Analysis, node: ast.Try) -> None:
    protected = bool(node.handlers)
    analysis.try_depth += protected
    child: ast.AST
    for child in node.body:
        analysis.visit(child)
    analysis.try_depth -= protected
    for child in node.handlers + node.orelse + node.finalbody:
        analysis.visit(child)


def visit_handler(analysis: Analysis, node: ast.ExceptHandler) -> None:
    body = node.body
    silent = all(
        type(statement) is ast.Pass
        or (type(statement) is ast.Expr and type(statement.value) is ast.Constant)
        for statement in body
    )
    if node.type is None:
        analysis.add(
            "bare-except",
            "note",
            node,
            "A bare `except:` catches every error, even an interrupt or a typo, "
            "and hides what went wrong.",
        )
    elif silent:
        analysis.add(
            "silent-except",
            "note",
            node,
            "An error is caught and silently ignored (the handler only passes).",
        )
    analysis.children(node)


def check_call(analysis: Analysis, call: Call) -> None:
    name, attr, label, node, receiver = call.name, call.attr, call.label, call.node, call.receiver
    if attr in _IO_METHODS or name in ("numpy.load", "numpy.save"):
        io(analysis, node, label)
    if name in ("input", "getpass.getpass", "builtins.input"):
        analysis.add(
            "interactive-input",
            "note",
            node,
            "%s waits for someone to type an answer; in a headless run (nbconvert, "
            "papermill, a scheduled job) no one does." % label,
        )
    if name == "print" or (
        attr in _LOG_METHODS and receiver is not None and _is_logger(analysis, receiver)
    ):
        leaked = [
            n
            for a in list(call.args) + list(call.keywords.values())
            for n in _names_in(a)
            if secret_name(n)
        ]
        if leaked:
            analysis.add(
                "secret-printed",
                "note",
                node,
                "%s shows %s, which looks like a secret, in the output."
                % (label, show(leaked[0], 40)),
            )


def _is_logger(analysis: Context, node: ast.expr) -> bool:
    qual = values.qual(analysis, node)
    if qual and qual.split(".")[0] == "logging":
        return True
    name = node.id if type(node) is ast.Name else node.attr if type(node) is ast.Attribute else ""
    return "log" in name.lower()


def _names_in(node: ast.expr) -> list[str]:
    """Names whose value an expression shows (print(x), f"{x}", "a" + x, str(x))."""
    if type(node) is ast.Name:
        return [node.id]
    if type(node) is ast.Attribute:
        return [node.attr]
    if type(node) is ast.JoinedStr:
        return [
            n
            for part in node.values
            if type(part) is ast.FormattedValue
            for n in _names_in(part.value)
        ]
    if type(node) is ast.BinOp:
        return _names_in(node.left) + _names_in(node.right)
    if type(node) is ast.Tuple or type(node) is ast.List:
        return [n for item in node.elts for n in _names_in(item)]
    if type(node) is ast.Call and type(node.func) is ast.Name and node.func.id in ("str", "repr"):
        return [n for item in node.args for n in _names_in(item)]
    return []


def finish(analysis: Context, code_lines: int) -> None:
    """The notes about the cell as a whole, once the tree has been walked."""
    if analysis.io_unprotected is not None:
        line, label = analysis.io_unprotected
        analysis.add(
            "no-error-handling",
            "note",
            line,
            "File or network I/O (%s on line %d) has no error handling: a missing "
            "file or a failed download stops the cell with a traceback." % (label, line),
        )
    if code_lines > LONG_CELL_LINES and not analysis.has_functions:
        analysis.add(
            "long-cell",
            "note",
            None,
            "The code is long (%d lines) and has no functions, which makes it hard "
            "to check and to reuse." % code_lines,
        )

"""What an expression stands for, read without running anything.

qual(): the dotted name a call goes to (`sp.run` -> "subprocess.run"), from the cell's imports
or, for a name bound by an earlier cell, from the live namespace (only looked at).
text(): the string an expression makes (often a path), with context.UNKNOWN for the parts
known only at run time. Both stop at a small depth: a guess, never a loop.
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)
import re
import types

from .context import TEMP, UNKNOWN
from .paths import CWD, PATH_CONSTRUCTORS, PATH_METHODS_SAME, PATH_SAME, TEMPFILE, join

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .context import Context

_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")


def qual(analysis: Context, node: ast.expr, depth: int = 0) -> str | None:
    """The dotted name a call goes to (`sp.run` -> "subprocess.run"), or None."""
    if depth > 20:
        return None
    if type(node) is ast.Name:
        name = node.id
        if name in analysis.aliases:
            return analysis.aliases[name]
        if name in analysis.bindings:
            return None  # a local name, not a builtin
        return _namespace_qual(analysis, name)
    if type(node) is ast.Attribute:
        base = qual(analysis, node.value, depth + 1)
        return None if base is None else base + "." + node.attr
    return None


def _namespace_qual(analysis: Context, name: str) -> str | None:
    """A name bound by an earlier cell: a module or a module's function. Never runs code.

    Only type() is asked of the value, never isinstance(): isinstance reads `__class__`, which
    an object may compute (a lazy proxy), and that would run notebook code inside the gate.
    """
    value = dict.get(analysis.namespace, name)
    if value is None:
        return name
    kind = type(value)
    if issubclass(kind, types.ModuleType):
        module_name = object.__getattribute__(value, "__dict__").get("__name__")
        return module_name if type(module_name) is str else None
    if kind in (types.BuiltinFunctionType, types.FunctionType, type):
        # Exactly these types: their __module__ is a plain slot or dict entry, not user code.
        module = getattr(value, "__module__", None)
        if module in ("posix", "nt"):
            module = "os"
        if module == "builtins":
            return name
        if type(module) is str:
            return module + "." + name
    return None


def text(analysis: Context, node: ast.expr, depth: int = 0) -> str:
    """The string an expression makes, with UNKNOWN for the parts known only at run time
    (and TEMP first for a path from the tempfile module)."""
    if depth > 12:
        return UNKNOWN
    if type(node) is ast.Constant:
        value = node.value
        if isinstance(value, str):
            return value
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return UNKNOWN if value is None else str(value)
    if type(node) is ast.JoinedStr:
        return "".join(
            part.value if type(part) is ast.Constant and isinstance(part.value, str) else UNKNOWN
            for part in node.values
        )
    if type(node) is ast.Name:
        values = analysis.bindings.get(node.id)
        if values is None:
            if node.id in analysis.aliases:
                return UNKNOWN
            value = dict.get(analysis.namespace, node.id)
            return value if type(value) is str else UNKNOWN
        if len(values) == 1 and values[0] is not None:
            return text(analysis, values[0], depth + 1)
        return UNKNOWN
    if type(node) is ast.BinOp:
        op = type(node.op)
        if op is ast.Add:
            return text(analysis, node.left, depth + 1) + text(analysis, node.right, depth + 1)
        if op is ast.Div:
            return join(text(analysis, node.left, depth + 1), text(analysis, node.right, depth + 1))
        if op is ast.Mod:
            left = text(analysis, node.left, depth + 1)
            cut = left.find("%")
            return left if cut < 0 else left[:cut] + UNKNOWN
        return UNKNOWN
    if type(node) is ast.List or type(node) is ast.Tuple:
        return " ".join(text(analysis, item, depth + 1) for item in node.elts)
    if type(node) is ast.Attribute:
        if qual(analysis, node) == "os.curdir":
            return "."
        if node.attr in ("name", "parent"):
            base = text(analysis, node.value, depth + 1)
            if base.startswith(TEMP):
                return TEMP
        return UNKNOWN
    if type(node) is ast.Call:
        return _call_text(analysis, node, depth)
    return UNKNOWN


def _call_text(analysis: Context, node: ast.Call, depth: int) -> str:
    call_qual = qual(analysis, node.func)
    args = node.args
    if call_qual in PATH_CONSTRUCTORS:
        if not args:
            return "."
        result = text(analysis, args[0], depth + 1)
        for arg in args[1:]:
            result = join(result, text(analysis, arg, depth + 1))
        return result
    if call_qual in PATH_SAME:
        return text(analysis, args[0], depth + 1) if args else UNKNOWN
    if call_qual in TEMPFILE:
        return TEMP
    if call_qual in CWD:
        return "."
    if call_qual == "pathlib.Path.home":
        return "~"
    if type(node.func) is ast.Attribute:
        attr = node.func.attr
        receiver = node.func.value
        if attr in PATH_METHODS_SAME:
            return text(analysis, receiver, depth + 1)
        if attr == "joinpath":
            result = text(analysis, receiver, depth + 1)
            for arg in args:
                result = join(result, text(analysis, arg, depth + 1))
            return result
        if attr == "format" and type(receiver) is ast.Constant:
            return _FORMAT_FIELD.sub(UNKNOWN, str(receiver.value))
        items = args[0] if len(args) == 1 else None
        if (
            attr == "join"
            and type(receiver) is ast.Constant
            and (type(items) is ast.List or type(items) is ast.Tuple)
        ):
            return str(receiver.value).join(text(analysis, item, depth + 1) for item in items.elts)
    return UNKNOWN


def candidates(analysis: Context, node: ast.expr) -> list[ast.expr]:
    """The expressions a Name may stand for (each of its bindings), else [node]."""
    if type(node) is ast.Name and node.id not in analysis.aliases:
        values = analysis.bindings.get(node.id)
        if values and len(values) > 1 and all(v is not None for v in values):
            return [v for v in values if v is not None]
    return [node]


def dotted(node: ast.expr) -> str:
    """`df.to_csv` as written (for messages)."""
    if type(node) is ast.Name:
        return node.id
    if type(node) is ast.Attribute:
        return dotted(node.value) + "." + node.attr
    return "\u2026"


def truthy(node: ast.expr | None, unknown: bool = False) -> bool:
    """Is a keyword's value true? (unknown: what to say when it is not a constant)"""
    if node is None:
        return False
    if type(node) is ast.Constant:
        return bool(node.value)
    return unknown

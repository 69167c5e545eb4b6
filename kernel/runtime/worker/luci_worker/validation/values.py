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

from .context import TEMP, UNKNOWN, Each, show
from .paths import CWD, PATH_CONSTRUCTORS, PATH_METHODS_SAME, PATH_SAME, TEMPFILE, join

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs the worker's start; mypy reads it, Python does not
    from typing import Callable

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
        bound = analysis.bindings.get(name)
        if bound is not None:
            # A local name: what it was bound to once (`remove = os.remove`), else nothing.
            value = bound[0] if len(bound) == 1 else None
            return None if value is None else qual(analysis, value, depth + 1)
        return _namespace_qual(analysis, name)
    if type(node) is ast.Attribute:
        base = qual(analysis, node.value, depth + 1)
        return None if base is None else base + "." + node.attr
    if type(node) is ast.Call:
        return _call_qual(analysis, node, depth)
    return None


IMPORTERS = {"__import__", "builtins.__import__", "importlib.import_module"}
GETATTR = {"getattr", "builtins.getattr"}


def _call_qual(analysis: Context, node: ast.Call, depth: int) -> str | None:
    """What a call returns, when that is a module or a module's function given by a literal:
    __import__("shutil"), importlib.import_module("shutil"), getattr(os, "remove")."""
    func = qual(analysis, node.func, depth + 1)
    args = node.args
    if func in IMPORTERS and args:
        name = literal(args[0])
        if not name or name.startswith("."):
            return None
        if func == "importlib.import_module":
            return name
        # __import__("a.b") is the package a, unless a fromlist asks for a.b itself.
        fromlist = args[3] if len(args) > 3 else None
        for keyword in node.keywords:
            if keyword.arg == "fromlist":
                fromlist = keyword.value
        if type(fromlist) is ast.List or type(fromlist) is ast.Tuple:
            wants_leaf = bool(fromlist.elts)
        else:
            wants_leaf = fromlist is not None and truthy(fromlist, unknown=True)
        return name if wants_leaf else name.split(".")[0]
    if func in GETATTR and len(args) >= 2:
        attr = literal(args[1])
        base = qual(analysis, args[0], depth + 1) if attr else None
        return None if base is None else base + "." + str(attr)
    return None


def literal(node: ast.expr) -> str | None:
    """The value of a string literal, else None."""
    if type(node) is ast.Constant and type(node.value) is str:
        return node.value
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


MAX_CANDIDATES = 16


def candidates(analysis: Context, node: ast.expr) -> list[ast.expr]:
    """The expressions a Name may stand for (each of its bindings), else [node]."""
    if type(node) is ast.Name and node.id not in analysis.aliases:
        values = analysis.bindings.get(node.id)
        # At most MAX_CANDIDATES: a name bound thousands of times, used thousands of times,
        # would make the judging quadratic; past it, the name is a path known at run time.
        if values and 1 < len(values) <= MAX_CANDIDATES and all(v is not None for v in values):
            return [v for v in values if v is not None]
    return [node]


def dotted(node: ast.expr) -> str:
    """`df.to_csv` as written (for messages)."""
    if type(node) is ast.Name:
        return node.id
    if type(node) is ast.Attribute:
        return dotted(node.value) + "." + node.attr
    if type(node) is ast.Subscript:
        return dotted(node.value) + "[\u2026]"
    return "\u2026"


def truthy(node: ast.expr | None, unknown: bool = False) -> bool:
    """Is a keyword's value true? (unknown: what to say when it is not a constant)"""
    if node is None:
        return False
    if type(node) is ast.Constant:
        return bool(node.value)
    return unknown


# Calls whose items are the files that exist in a folder: qualified name -> what it lists.
_LISTERS = {"glob.glob": "glob", "glob.iglob": "glob", "os.listdir": "dir", "os.scandir": "dir"}
# Calls whose items come from their argument (sorted(glob.glob(...)), enumerate(files)).
_PASS_ITEMS = {"sorted", "list", "tuple", "set", "reversed", "enumerate", "filter", "iter", "zip"}


def matched(analysis: Context, node: ast.expr) -> str | None:
    """If a path is made from the items of a folder listing (`for f in glob.glob("data/*.csv")`,
    Path("data").glob("*.csv"), os.listdir("data")): which files, as words ("the files matched
    by 'data/*.csv'"); "" when they lie in a folder the tempfile module made; None otherwise.
    A guess in bounded steps: each name is followed once, at most _STEPS expressions read."""
    return _matched(analysis, node, 0, [_STEPS], set())


_STEPS = 200


def _through_name(
    analysis: Context,
    node: ast.Name,
    follow: Callable[[Context, ast.expr, int, list[int], set[str]], str | None],
    depth: int,
    steps: list[int],
    seen: set[str],
) -> str | None:
    """Follows a name through each value bound to it (once per name; an alias is a function,
    not files); the first answer `follow` gives, else None."""
    if node.id in analysis.aliases or node.id in seen:
        return None
    seen.add(node.id)
    for value in analysis.bindings.get(node.id) or ():
        found = follow(analysis, value, depth + 1, steps, seen) if value is not None else None
        if found is not None:
            return found
    return None


def _matched(
    analysis: Context, node: ast.expr, depth: int, steps: list[int], seen: set[str]
) -> str | None:
    steps[0] -= 1
    if depth > 12 or steps[0] < 0:
        return None
    if type(node) is ast.Name:
        return _through_name(analysis, node, _matched, depth, steps, seen)
    if type(node) is Each:
        return _listing(analysis, node.iterable, depth + 1, steps, seen)
    if type(node) is ast.BinOp:
        found = _matched(analysis, node.left, depth + 1, steps, seen)
        return (
            found if found is not None else _matched(analysis, node.right, depth + 1, steps, seen)
        )
    if type(node) is ast.JoinedStr:
        for part in node.values:
            if type(part) is ast.FormattedValue:
                found = _matched(analysis, part.value, depth + 1, steps, seen)
                if found is not None:
                    return found
        return None
    if type(node) is ast.Attribute and node.attr in ("path", "name"):  # os.scandir's entries
        return _matched(analysis, node.value, depth + 1, steps, seen)
    if type(node) is ast.Call:
        func = node.func
        call_qual = qual(analysis, func)
        if call_qual in PATH_CONSTRUCTORS or call_qual in PATH_SAME:
            for arg in node.args:
                found = _matched(analysis, arg, depth + 1, steps, seen)
                if found is not None:
                    return found
        elif type(func) is ast.Attribute and func.attr in PATH_METHODS_SAME | {"joinpath"}:
            return _matched(analysis, func.value, depth + 1, steps, seen)
    return None


def _listing(
    analysis: Context, node: ast.expr, depth: int, steps: list[int], seen: set[str]
) -> str | None:
    """Which files the items of a listing are (see matched())."""
    steps[0] -= 1
    if depth > 12 or steps[0] < 0:
        return None
    if type(node) is ast.Name:
        return _through_name(analysis, node, _listing, depth, steps, seen)
    if type(node) is Each:  # `for names in ...: for name in names`
        return _listing(analysis, node.iterable, depth + 1, steps, seen)
    if type(node) is ast.ListComp or type(node) is ast.GeneratorExp or type(node) is ast.SetComp:
        return _listing(analysis, node.generators[0].iter, depth + 1, steps, seen)
    if type(node) is not ast.Call:
        return None
    func = node.func
    call_qual = qual(analysis, func)
    args = node.args
    if call_qual in _PASS_ITEMS or (
        call_qual is not None and call_qual.startswith("builtins.") and call_qual[9:] in _PASS_ITEMS
    ):
        for arg in args:
            found = _listing(analysis, arg, depth + 1, steps, seen)
            if found is not None:
                return found
        return None
    if call_qual in _LISTERS:
        where = text(analysis, args[0], depth + 1) if args else "."
        if _LISTERS[call_qual] == "glob":
            return "" if where.startswith(TEMP) else "the files matched by %s" % show(where)
    elif call_qual == "os.walk":
        where = text(analysis, args[0], depth + 1) if args else "."
    elif type(func) is ast.Attribute and func.attr in ("glob", "rglob", "iterdir"):
        where = text(analysis, func.value, depth + 1)
        if where == UNKNOWN:
            return None  # not known to be a path (a DataFrame, a client)
        if func.attr != "iterdir":
            pattern = literal(args[0]) if args else None
            pattern = UNKNOWN if pattern is None else pattern
            if func.attr == "rglob":
                pattern = "**/" + pattern
            where = join(where, pattern)
            return "" if where.startswith(TEMP) else "the files matched by %s" % show(where)
    else:
        return None
    return "" if where.startswith(TEMP) else "every entry of %s" % show(where)


def refers(analysis: Context, name: str, dangerous: frozenset[str]) -> str | None:
    """The first dangerous function (say os.remove) that the values bound to a name refer to
    without calling it (`ops = {"delete": os.remove}`), else None. Each name is read once."""
    cache = analysis.refers_cache
    if name in cache:
        return cache[name]
    cache[name] = None  # while reading: a name that refers to itself
    found: str | None = None
    budget = 2000  # nodes read for one name: a guess, never a long walk
    stack: list[ast.AST] = [v for v in analysis.bindings.get(name) or () if v is not None]
    while stack and found is None and budget > 0:
        node = stack.pop()
        budget -= 1
        kind = type(node)
        if kind is ast.Lambda or kind is Each:
            continue  # a lambda's calls are judged where they are written
        if type(node) is ast.Name or type(node) is ast.Attribute:
            node_qual = qual(analysis, node)
            if node_qual in dangerous:
                found = node_qual
                break
            if type(node) is ast.Name:
                continue
        if type(node) is ast.Call:
            stack.extend(node.args)
            stack.extend(k.value for k in node.keywords)
            continue
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list:
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST) and field != "ctx":
                stack.append(value)
    cache[name] = found
    return found

"""The `namespace` query: a short description of the user's variables, for the model's prompt
(PROTOCOL.md, "Namespace summary"; kernel/pipeline/model/prompt.ts `NamespaceEntry`).

What is listed: every name of the user namespace that does not start with "_", is not one of
the IPython-style names (In, Out, exit, quit, get_ipython), is not bound to a module, and is
not a function or class brought in from elsewhere (`from math import sqrt`): functions and
classes are listed only when the notebook defined them (their `__module__` is "__main__").

Never runs the notebook's code. Everything is decided from `type(obj)` (a C call) and the
type's own `__dict__` / `__mro__` / `__name__` / `__module__`, read through `type`'s
descriptors so that a metaclass cannot step in. Values are looked at only when their type is
exactly a builtin one (int, str, list, ...), a plain Python function, or a class of pandas /
numpy (or a library's subclass of one, never the notebook's) whose attribute (`shape`,
`columns`, `dtypes`, `dtype`, `name`) is defined by pandas / numpy themselves (their
descriptors are called directly, bypassing `__getattribute__`).
Nothing calls `repr`, `len`, `__eq__` or `hash` on anything else: an object whose `__repr__`
loops is listed with its type name only.

Order: most recently defined first. The namespace dict keeps the order in which names were
first bound; besides, the module remembers (id, type) of each value from the previous query,
so a name rebound since then (`df = df.dropna()`) counts as newer than names left alone.
"""

from __future__ import annotations

import sys
import types

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, Callable, TypeVar

    from ._typing import Command, Content, NamespaceEntry

    T = TypeVar("T")
    Libraries = tuple[str, ...]

DEFAULT_LIMIT = 50
PREVIEW_CHARS = 80
MAX_COLUMNS = 30
_HIDDEN = frozenset(("In", "Out", "exit", "quit", "get_ipython"))

_FunctionType = types.FunctionType
_ModuleType = types.ModuleType
_BuiltinFunctionType = types.BuiltinFunctionType  # also builtin methods
_GenericAlias = getattr(types, "GenericAlias", None)

# Read a class's facts through `type`'s own descriptors: a metaclass cannot override them.
_type_name = type.__dict__["__name__"].__get__
_type_qualname = type.__dict__["__qualname__"].__get__
_type_module = type.__dict__["__module__"].__get__
_type_mro = type.__dict__["__mro__"].__get__
_type_dict = type.__dict__["__dict__"].__get__

# Python 3.14 evaluates annotations lazily (reading __annotations__ may run the cell's code).
_READ_ANNOTATIONS = sys.version_info < (3, 14)

_CO_VARARGS = 0x04
_CO_VARKEYWORDS = 0x08
_CO_COROUTINE = 0x80
_CO_ASYNC_GENERATOR = 0x200

# (id, type) of each listed name's value at the previous query, and when it was first seen so.
_seen: dict[str, tuple[tuple[int, type], int]] = {}
_queries = 0


# ----------------------------------------------------------------------------- small helpers


def _clip(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _type_attribute(
    read: Callable[[type, type], object], cls: type, expected: type[T], fallback: T
) -> T:
    """One of a class's own attributes (__module__, __name__, __mro__), read through `type`
    itself so that no metaclass can intercept it; `fallback` when it is odd or missing."""
    try:
        value = read(cls, type)
    except Exception:
        return fallback
    return value if type(value) is expected else fallback


def _class_module(cls: type) -> str:
    return _type_attribute(_type_module, cls, str, "")


def _class_name(cls: type) -> str:
    return _type_attribute(_type_name, cls, str, "object")


def _mro(cls: type) -> tuple[type, ...]:
    return _type_attribute(_type_mro, cls, tuple, ())


def _from_library(cls: type, prefixes: Libraries) -> bool:
    module = _class_module(cls)
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _library_class_in_mro(cls: type, name: str, prefixes: Libraries) -> bool:
    """Is a class called `name`, defined by one of the libraries, among cls's bases, with no
    class of the notebook (module "__main__") before it? The library's code calls methods of
    its own objects, which a notebook subclass may override: such objects are left alone."""
    for base in _mro(cls):
        if _class_name(base) == name and _from_library(base, prefixes):
            return True
        if _class_module(base) == "__main__":
            return False
    return False


_MISSING = object()


def _library_attribute(obj: object, cls: type, attribute: str, prefixes: Libraries) -> Any:
    """obj.attribute, when the class that defines it (first in the MRO) belongs to one of the
    libraries: its descriptor is called directly. _MISSING otherwise (defined by the notebook
    or nowhere), so that user code is never run."""
    for base in _mro(cls):
        try:
            namespace = _type_dict(base, type)
        except Exception:
            return _MISSING
        if attribute in namespace:
            if not _from_library(base, prefixes):
                return _MISSING
            value = namespace[attribute]
            getter = getattr(type(value), "__get__", None)
            return value if getter is None else getter(value, obj, cls)
    return _MISSING


# ------------------------------------------------------------------------------ safe previews

_SCALARS = (int, float, complex, bool, type(None), str, bytes)


def _scalar_repr(value: Any) -> str | None:
    """repr of an exact builtin scalar (our own code: no user __repr__), or None."""
    kind = type(value)
    if kind is str or kind is bytes:
        # Clip before repr: a 100 MB string must not be copied whole.
        text = repr(value[: PREVIEW_CHARS + 1])
        return text if len(value) <= PREVIEW_CHARS else text + "\u2026"
    if kind is int:
        if value.bit_length() > 256:  # str() of huge ints is slow (and limited in 3.11+)
            return None
        return repr(value)
    if kind in _SCALARS:
        return repr(value)
    return None


def _value_repr(value: Any, budget: int, depth: int = 0) -> str | None:
    """repr of a builtin scalar or of a list / tuple / set / frozenset / dict (exact types) of
    them, given up at about `budget` characters (ends with "…" then). None for anything else."""
    text = _scalar_repr(value)
    if text is not None:
        return text
    kind = type(value)
    if depth >= 2 or kind not in (list, tuple, set, frozenset, dict):
        return None
    if kind is dict:
        opening, closing = "{", "}"
    elif kind is list:
        opening, closing = "[", "]"
    elif kind is tuple:
        opening, closing = "(", ")"
    else:
        if not value:
            return kind.__name__ + "()"
        opening, closing = "{", "}"
    parts: list[str] = []
    used = 1
    for item in value.items() if kind is dict else value:
        if used > budget:
            parts.append("\u2026")
            break
        if kind is dict:
            key_text = _value_repr(item[0], budget - used, depth + 1)
            item_text = _value_repr(item[1], budget - used, depth + 1)
            if key_text is None or item_text is None:
                return None
            item_text = key_text + ": " + item_text
        else:
            item_text = _value_repr(item, budget - used, depth + 1)
            if item_text is None:
                return None
        parts.append(item_text)
        used += len(item_text) + 2
    body = ", ".join(parts)
    if kind is tuple and len(parts) == 1 and parts[0] != "\u2026":
        body += ","
    text = opening + body + closing
    if kind is frozenset:
        text = "frozenset(" + text + ")"
    return text


def _annotation_text(annotation: Any, depth: int = 0) -> str | None:
    kind = type(annotation)
    text: str
    if kind is str:
        text = annotation
        return text
    if annotation is None:
        return "None"
    if issubclass(kind, type):
        text = _type_qualname(annotation, type)
        return text
    if _GenericAlias is not None and kind is _GenericAlias and depth < 3:
        origin = _annotation_text(annotation.__origin__, depth + 1)
        args = [_annotation_text(arg, depth + 1) for arg in annotation.__args__]
        known = [arg for arg in args if arg is not None]
        if origin is None or len(known) < len(args):
            return None
        return "%s[%s]" % (origin, ", ".join(known))
    return None


def _unwrap(function: types.FunctionType) -> types.FunctionType:
    """Follow functools.wraps' __wrapped__ (plain functions only, read from the dict)."""
    for _ in range(10):
        try:
            wrapped = _FunctionType.__dict__["__dict__"].__get__(function).get("__wrapped__")
        except Exception:
            return function
        if type(wrapped) is not _FunctionType:
            return function
        function = wrapped
    return function


def _signature(function: types.FunctionType) -> str:
    """ "(a, b=2, *args, c, **kw) -> int", built from the code object: default values that are
    not builtin scalars show as "…" (their repr is never called)."""
    function = _unwrap(function)
    code = function.__code__
    names = code.co_varnames
    positional = code.co_argcount
    posonly = getattr(code, "co_posonlyargcount", 0)
    kwonly = code.co_kwonlyargcount
    defaults = function.__defaults__ or ()
    kwdefaults = function.__kwdefaults__
    if type(kwdefaults) is not dict:
        kwdefaults = {}
    annotations = function.__annotations__ if _READ_ANNOTATIONS else {}
    if type(annotations) is not dict:
        annotations = {}

    def parameter(
        name: str, has_default: bool = False, default: object = None, prefix: str = ""
    ) -> str:
        text = prefix + name
        annotation = annotations.get(name, _MISSING)
        note = None if annotation is _MISSING else _annotation_text(annotation)
        if note is not None:
            text += ": " + note
        if has_default:
            shown = _value_repr(default, 30)
            text += (" = " if note is not None else "=") + (
                shown if shown is not None else "\u2026"
            )
        return text

    parts: list[str] = []
    first_default = positional - len(defaults)
    for index in range(positional):
        has_default = index >= first_default
        parts.append(
            parameter(
                names[index], has_default, defaults[index - first_default] if has_default else None
            )
        )
        if posonly and index == posonly - 1:
            parts.append("/")
    index = positional + kwonly
    if code.co_flags & _CO_VARARGS:
        parts.append(parameter(names[index], prefix="*"))
        index += 1
    elif kwonly:
        parts.append("*")
    for name in names[positional : positional + kwonly]:
        parts.append(parameter(name, name in kwdefaults, kwdefaults.get(name)))
    if code.co_flags & _CO_VARKEYWORDS:
        parts.append(parameter(names[index], prefix="**"))
    text = "(" + ", ".join(parts) + ")"
    returns = annotations.get("return", _MISSING)
    if returns is not _MISSING:
        note = _annotation_text(returns)
        if note is not None:
            text += " -> " + note
    if code.co_flags & (_CO_COROUTINE | _CO_ASYNC_GENERATOR):
        text = "async " + text
    return text


# ----------------------------------------------------------------------------- the summaries


def _ints(shape: Any) -> list[int] | None:
    if type(shape) is not tuple or not all(type(n) is int for n in shape):
        return None
    return list(shape)


def _dtype_text(dtype: Any) -> str | None:
    """str of a pandas / numpy dtype (their own code), or a plain string; None otherwise."""
    if type(dtype) is str:
        return _clip(dtype, 40)
    cached = _dtype_texts.get(id(dtype))
    if cached is not None and cached[0] is dtype:
        return cached[1]
    if not _from_library(type(dtype), ("numpy", "pandas")):
        return None
    text = str(dtype)  # a few microseconds in numpy 2: worth remembering
    clipped = _clip(text, 40) if type(text) is str else None
    if len(_dtype_texts) >= 256:
        _dtype_texts.clear()
    _dtype_texts[id(dtype)] = (dtype, clipped)  # the dtype is kept: its id stays its own
    return clipped


_dtype_texts: dict[int, tuple[object, str | None]] = {}


def _label(value: Any) -> str:
    text = _scalar_repr(value) if type(value) is not str else value
    if text is None and type(value) is tuple:
        text = _value_repr(value, 60)
    return _clip(text if text is not None else "<%s>" % _class_name(type(value)), 60)


def _set_shape(
    entry: NamespaceEntry, obj: object, cls: type, libraries: Libraries
) -> list[int] | None:
    """entry["shape"] from the library's own `shape` (a tuple of ints); the shape, or None."""
    shape = _library_attribute(obj, cls, "shape", libraries)
    shape = _ints(shape) if shape is not _MISSING else None
    if shape is not None:
        entry["shape"] = shape
    return shape


def _describe_frame(entry: NamespaceEntry, obj: object, cls: type) -> None:
    _set_shape(entry, obj, cls, ("pandas",))
    columns = _library_attribute(obj, cls, "columns", ("pandas",))
    if columns is _MISSING:
        return
    try:
        dtypes = _library_attribute(obj, cls, "dtypes", ("pandas",))
        dtype_list = [] if dtypes is _MISSING else _first(dtypes, MAX_COLUMNS)
    except Exception:
        dtype_list = []
    labels = []
    for index, column in enumerate(_first(columns, MAX_COLUMNS)):
        text = _label(column)
        dtype = _dtype_text(dtype_list[index]) if index < len(dtype_list) else None
        labels.append(text if dtype is None else "%s: %s" % (text, dtype))
    entry["columns"] = labels


def _first(iterable: Iterable[Any], count: int) -> list[Any]:
    items: list[Any] = []
    for item in iter(iterable):
        if len(items) >= count:
            break
        items.append(item)
    return items


def _describe_series(entry: NamespaceEntry, obj: object, cls: type) -> None:
    shape = _set_shape(entry, obj, cls, ("pandas",))
    if shape is not None and len(shape) == 1:
        entry["length"] = shape[0]
    facts = []
    name = _library_attribute(obj, cls, "name", ("pandas",))
    if name is not _MISSING and name is not None:
        facts.append("Name: " + _label(name))
    dtype = _library_attribute(obj, cls, "dtype", ("pandas",))
    dtype = _dtype_text(dtype) if dtype is not _MISSING else None
    if dtype is not None:
        facts.append("dtype: " + dtype)
    if facts:
        entry["preview"] = _clip(", ".join(facts))


def _describe_array(entry: NamespaceEntry, obj: object, cls: type) -> None:
    _set_shape(entry, obj, cls, ("numpy",))
    dtype = _library_attribute(obj, cls, "dtype", ("numpy",))
    dtype = _dtype_text(dtype) if dtype is not _MISSING else None
    if dtype is not None:
        entry["preview"] = "dtype: " + dtype


_SIZED = (list, tuple, dict, set, frozenset)


def _describe(name: str, obj: Any) -> NamespaceEntry:
    """The NamespaceEntry of one listed value."""
    cls = type(obj)
    entry: NamespaceEntry
    if cls is _FunctionType:
        entry = {"name": name, "type": "function"}
        try:
            entry["preview"] = _clip(_signature(obj))
        except Exception:
            pass
        return entry
    if issubclass(cls, type):
        return {"name": name, "type": "class"}
    entry = {"name": name, "type": _class_name(cls)}
    try:
        text = _scalar_repr(obj)
        if text is not None:
            entry["preview"] = _clip(text)
            return entry
        for base in _SIZED:
            if issubclass(cls, base):
                entry["length"] = base.__len__(obj)  # the builtin's own, never an override
                if cls is base:
                    text = _value_repr(obj, PREVIEW_CHARS)
                    if text is not None:
                        entry["preview"] = _clip(text)
                return entry
        if cls is range:
            entry["length"] = len(obj)
            entry["preview"] = repr(obj)
            return entry
        # pandas / numpy classes and library subclasses of them (geopandas' GeoDataFrame). pandas
        # 3 names its classes' module "pandas", older versions "pandas.core.frame" & co.
        if _library_class_in_mro(cls, "DataFrame", ("pandas",)):
            _describe_frame(entry, obj, cls)
        elif _library_class_in_mro(cls, "Series", ("pandas",)):
            _describe_series(entry, obj, cls)
        elif _library_class_in_mro(cls, "ndarray", ("numpy",)):
            _describe_array(entry, obj, cls)
        elif _class_module(cls) == "numpy" and _library_class_in_mro(cls, "generic", ("numpy",)):
            entry["preview"] = _clip(repr(obj))  # a numpy scalar: numpy's own repr
    except Exception:
        pass
    return entry


def _listed(name: object, obj: Any) -> bool:
    """Is this name one of the user's variables?"""
    if type(name) is not str or name.startswith("_") or name in _HIDDEN:
        return False
    cls = type(obj)
    if issubclass(cls, _ModuleType) or cls is _BuiltinFunctionType:
        return False
    if cls is _FunctionType:
        function: types.FunctionType = obj
        return function.__module__ == "__main__"
    if issubclass(cls, type):
        return _class_module(obj) == "__main__"
    return True


def _limit(command: Command) -> int:
    value = command.get("limit", DEFAULT_LIMIT)
    if type(value) is not int:
        return DEFAULT_LIMIT
    return max(0, value)


def summarize(namespace: dict[Any, Any], limit: int = DEFAULT_LIMIT) -> Content:
    """{"status": "ok", "names": [...], "truncated": bool} for the user namespace."""
    global _seen, _queries
    _queries += 1
    seen = {}
    candidates = []
    for position, (name, obj) in enumerate(list(namespace.items())):
        try:
            if not _listed(name, obj):
                continue
        except Exception:
            continue
        key = (id(obj), type(obj))
        previous = _seen.get(name)
        stamp = previous[1] if previous is not None and previous[0] == key else _queries
        seen[name] = (key, stamp)
        candidates.append((stamp, position, name, obj))
    _seen = seen
    candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    names = []
    for _stamp, _position, name, obj in candidates[:limit]:
        try:
            names.append(_describe(name, obj))
        except Exception:
            names.append({"name": name, "type": _class_name(type(obj))})
    return {"status": "ok", "names": names, "truncated": len(candidates) > limit}


def namespace_command(command: Command, namespace: object) -> Content:
    return summarize(namespace if type(namespace) is dict else {}, _limit(command))

"""Object inspection: `name?`, `name??` and the inspect_request (shift-tab in Jupyter).

Names are resolved by looking them up (namespace, then builtins) and following attributes
statically (inspect.getattr_static): properties, other descriptors written in Python and
`__getattr__` are never run, so inspecting and completing cannot hang on user code while
typing. Only what cannot run user code is followed: plain attributes (instance or class
dict), modules, classes, functions and methods (bound here), static/class methods, and the
interpreter's own C descriptors (slots, builtin methods, getsets of builtin/stdlib types).
Anything else (a property, cached_property, a C extension's getset, ...) stops the chain:
completion then offers nothing for it, and inspection shows the descriptor itself (a
property's docstring, from the class) without calling it.
"""

from __future__ import annotations

import builtins
import re
import sys

RED = "\x1b[0;31m"
RESET = "\x1b[0m"
_MISSING = object()
_NAME_CHARS = re.compile(r"[\w.]")
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z")
_MAX_STRING_FORM = 200

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._typing import Content, Namespace

# C-level accessors that only bypass the attribute machinery of metaclasses.
_type_mro = type.__dict__["__mro__"].__get__
_type_dict = type.__dict__["__dict__"].__get__
_type_module = type.__dict__["__module__"].__get__


class _Unevaluated:
    """A descriptor we will not call (a property, ...): obj.name needs running code."""

    __slots__ = ("descriptor",)

    def __init__(self, descriptor: object) -> None:
        self.descriptor = descriptor


def _is_type(obj: object) -> bool:
    return issubclass(type(obj), type)  # not isinstance: that may read a `__class__` property


def _class_lookup(klass: type, name: str) -> Any:
    """klass.name from the dicts of its MRO, without binding; _MISSING if none has it."""
    try:
        for entry in _type_mro(klass):
            namespace = _type_dict(entry)
            if name in namespace:
                return namespace[name]
    except Exception:
        pass
    return _MISSING


def _has_slot(klass: type, name: str) -> bool:
    return _class_lookup(klass, name) is not _MISSING


_core_modules: set[str] | None = None


def _core_getset(descriptor: Any) -> bool:
    """A getset descriptor of a builtin or standard-library type (its getter is C code we
    trust), or the `__dict__` / `__weakref__` of a Python class."""
    global _core_modules
    if _core_modules is None:
        _core_modules = set(getattr(sys, "stdlib_module_names", ())) | {"builtins"}
    try:
        if descriptor.__name__ in ("__dict__", "__weakref__"):
            return True
        module = _type_module(descriptor.__objclass__)
        return isinstance(module, str) and module.partition(".")[0] in _core_modules
    except Exception:
        return False


def _bind(value: Any, instance: object, owner: type) -> Any:
    """What `instance.name` (or `owner.name` when instance is None) gives for the class
    attribute `value`, if no user code has to run for it; else _Unevaluated(value)."""
    import types

    kind = type(value)
    if not _has_slot(kind, "__get__"):
        return value  # a plain attribute, a module, a class, a builtin function
    if kind is types.FunctionType:
        return value if instance is None else types.MethodType(value, instance)
    if kind is staticmethod:
        return value.__func__
    if kind is classmethod:
        func = value.__func__
        if type(func) is types.FunctionType or not _has_slot(type(func), "__get__"):
            return types.MethodType(func, owner)
        return _Unevaluated(value)  # a classmethod wrapping another descriptor
    if kind in (
        types.MethodDescriptorType,
        types.WrapperDescriptorType,
        types.ClassMethodDescriptorType,
        types.MemberDescriptorType,
    ) or (kind is types.GetSetDescriptorType and _core_getset(value)):
        try:
            return kind.__get__(value, instance, owner)
        except Exception:  # an empty slot, a descriptor of another type
            return _MISSING
    return _Unevaluated(value)


def _data_descriptor(value: object) -> bool:
    kind = type(value)
    return _has_slot(kind, "__get__") and (
        _has_slot(kind, "__set__") or _has_slot(kind, "__delete__")
    )


def static_attribute(obj: Any, name: str) -> Any:
    """obj.name without running user code: the value, _MISSING (no such attribute, or
    one that only dynamic lookup finds) or _Unevaluated(descriptor)."""
    import inspect

    if _is_type(obj):
        meta = _class_lookup(type(obj), name)
        if meta is not _MISSING and _data_descriptor(meta):
            return _bind(meta, obj, type(obj))  # e.g. type.__name__ wins over the class dict
        value = _class_lookup(obj, name)
        if value is not _MISSING:
            return _bind(value, None, obj)
        if meta is not _MISSING:
            return _bind(meta, obj, type(obj))  # a metaclass method: Class.mro
        return _MISSING
    try:
        value = inspect.getattr_static(obj, name)
    except Exception:  # AttributeError, or an odd object
        return _MISSING
    owner = type(obj)
    if _class_lookup(owner, name) is value:
        return _bind(value, obj, owner)
    return value  # from the instance's __dict__: never bound


def lookup(dotted: str, namespace: Namespace, follow_installed: bool = False) -> tuple[Any, bool]:
    """(object, unevaluated) for a dotted name, or (_MISSING, False). Only lookups, never
    calls: when the last attribute is a descriptor we do not run, the descriptor itself comes
    back with unevaluated=True; one earlier in the chain makes the name _MISSING."""
    if not _DOTTED.match(dotted or ""):
        return _MISSING, False
    first, *rest = dotted.split(".")
    if first in namespace:
        obj = namespace[first]
    elif first in vars(builtins):
        obj = vars(builtins)[first]
    else:
        return _MISSING, False
    for i, attr in enumerate(rest):
        parent, obj = obj, static_attribute(obj, attr)
        if obj is _MISSING:
            return _MISSING, False
        if type(obj) is _Unevaluated:
            last = i == len(rest) - 1
            if not _installed_class(type(parent)) or (last and not follow_installed):
                return (obj.descriptor, True) if last else (_MISSING, False)
            # An installed library's property in the middle of a chain (df.columns.<TAB>):
            # analysts expect it to complete. Its code is the library's, not the notebook's;
            # if it hangs anyway, the kernel interrupts the question after a few seconds.
            try:
                obj = getattr(parent, attr)
            except Exception:
                return _MISSING, False
    return obj, False


def _installed_class(klass: type) -> bool:
    """True for a class from an installed package (site-packages), not from the notebook or
    a module beside it, whose properties may do anything."""
    import sys

    module = sys.modules.get(getattr(klass, "__module__", "") or "")
    path = getattr(module, "__file__", None) or ""
    return "site-packages" in path or "dist-packages" in path


def resolve(dotted: str, namespace: Namespace) -> Any:
    """The object a dotted name refers to, or _MISSING (also when getting it would run code)."""
    obj, unevaluated = lookup(dotted, namespace, follow_installed=True)
    return _MISSING if unevaluated else obj


def name_at(code: str, cursor_pos: int) -> str | None:
    """The dotted name under/before the cursor, or the function whose call the cursor is in."""
    cursor_pos = max(0, min(cursor_pos, len(code)))
    start = cursor_pos
    while start > 0 and _NAME_CHARS.match(code[start - 1]):
        start -= 1
    end = cursor_pos
    while end < len(code) and re.match(r"\w", code[end]):
        end += 1
    name = code[start:end].strip(".")
    if name and _DOTTED.match(name):
        return name
    # Inside a call: `zip(a, |` -> zip
    depth = 0
    for i in range(cursor_pos - 1, -1, -1):
        ch = code[i]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                if ch != "(":
                    return None
                return name_at(code, i) if i > 0 and _NAME_CHARS.match(code[i - 1]) else None
            depth -= 1
    return None


def _signature(obj: Any) -> str | None:
    import inspect

    try:
        return str(inspect.signature(obj))
    except Exception:  # builtins without a text signature
        return None


def _field(label: str, text: str) -> str:
    return "%s%s%s %s" % (RED, (label + ":").ljust(15), RESET, text)


def describe(obj: Any, name: str, detail_level: int = 0, unevaluated: bool = False) -> str:
    """IPython-like text: signature, type, string form, file, docstring (and source).

    unevaluated: obj is a descriptor standing for an attribute we did not compute (a
    property): no string form or length (they would be the descriptor's), and the source and
    file of a property are its getter's."""
    import inspect

    lines = []
    code_of = obj
    if unevaluated:  # a property's (or cached_property's) code is its getter's
        import functools

        if issubclass(type(obj), property):
            code_of = obj.fget or obj
        elif issubclass(type(obj), functools.cached_property):
            code_of = obj.func
    is_class = inspect.isclass(obj)
    if callable(obj):
        signature = _signature(obj)
        if signature is not None:
            label = "Init signature" if is_class else "Signature"
            lines.append(_field(label, name.rsplit(".", 1)[-1] + signature))
    source = None
    if detail_level:
        try:
            source = inspect.getsource(code_of)
        except Exception:  # no source (builtins, C code) or an odd object
            source = None
    if source is not None:
        lines.append(_field("Source", ""))
        lines.append(source.rstrip("\n"))
    else:
        doc = inspect.getdoc(obj)
        lines.append(_field("Docstring", "<no docstring>" if not doc else ""))
        if doc:
            lines.append(doc)
    if not unevaluated and not callable(obj) and not inspect.ismodule(obj):
        try:
            form = str(obj)
        except Exception:
            form = "<str() failed>"
        if len(form) > _MAX_STRING_FORM:
            form = form[: _MAX_STRING_FORM - 3] + "..."
        lines.append(_field("String form", form))
        try:
            lines.append(_field("Length", str(len(obj))))
        except Exception:
            pass
    try:
        filename = inspect.getsourcefile(code_of) or inspect.getfile(code_of)
    except Exception:
        filename = None
    if filename:
        lines.append(_field("File", filename))
    lines.append(_field("Type", type(obj).__name__))
    return "\n".join(lines)


def help_text(name: str, detail_level: int, namespace: Namespace) -> str | None:
    obj, unevaluated = lookup(name, namespace)
    if obj is _MISSING:
        return None
    return describe(obj, name, detail_level, unevaluated)


def inspect_reply(code: str, cursor_pos: int, detail_level: int, namespace: Namespace) -> Content:
    name = name_at(code, cursor_pos)
    obj, unevaluated = lookup(name, namespace) if name else (_MISSING, False)
    if obj is _MISSING or not name:  # (no name: _MISSING)
        return {"status": "ok", "found": False, "data": {}, "metadata": {}}
    text = describe(obj, name, detail_level, unevaluated)
    return {"status": "ok", "found": True, "data": {"text/plain": text}, "metadata": {}}

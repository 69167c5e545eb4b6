"""Object inspection: `name?`, `name??` and the inspect_request (shift-tab in Jupyter).

Names are resolved by looking them up (namespace, then builtins) and following attributes;
nothing is ever called or evaluated, so inspecting is safe while typing.
"""
import builtins
import re

RED = "\x1b[0;31m"
RESET = "\x1b[0m"
_MISSING = object()
_NAME_CHARS = re.compile(r"[\w.]")
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z")
_MAX_STRING_FORM = 200


def resolve(dotted, namespace):
    """The object a dotted name refers to, or _MISSING. Only lookups, never calls."""
    if not _DOTTED.match(dotted or ""):
        return _MISSING
    first, *rest = dotted.split(".")
    if first in namespace:
        obj = namespace[first]
    elif hasattr(builtins, first):
        obj = getattr(builtins, first)
    else:
        return _MISSING
    for attr in rest:
        try:
            obj = getattr(obj, attr)
        except Exception:
            return _MISSING
    return obj


def name_at(code, cursor_pos):
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


def _signature(obj):
    import inspect
    try:
        return str(inspect.signature(obj))
    except Exception:  # builtins without a text signature
        return None


def _field(label, text):
    return "%s%s%s %s" % (RED, (label + ":").ljust(15), RESET, text)


def describe(obj, name, detail_level=0):
    """IPython-like text: signature, type, string form, file, docstring (and source)."""
    import inspect
    lines = []
    is_class = inspect.isclass(obj)
    if callable(obj):
        signature = _signature(obj)
        if signature is not None:
            label = "Init signature" if is_class else "Signature"
            lines.append(_field(label, name.rsplit(".", 1)[-1] + signature))
    source = None
    if detail_level:
        try:
            source = inspect.getsource(obj)
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
    if not callable(obj) and not inspect.ismodule(obj):
        try:
            form = str(obj)
        except Exception:
            form = "<str() failed>"
        if len(form) > _MAX_STRING_FORM:
            form = form[:_MAX_STRING_FORM - 3] + "..."
        lines.append(_field("String form", form))
        try:
            lines.append(_field("Length", str(len(obj))))
        except Exception:
            pass
    try:
        filename = inspect.getsourcefile(obj) or inspect.getfile(obj)
    except Exception:
        filename = None
    if filename:
        lines.append(_field("File", filename))
    lines.append(_field("Type", type(obj).__name__))
    return "\n".join(lines)


def help_text(name, detail_level, namespace):
    obj = resolve(name, namespace)
    if obj is _MISSING:
        return None
    return describe(obj, name, detail_level)


def inspect_reply(code, cursor_pos, detail_level, namespace):
    name = name_at(code, cursor_pos)
    obj = resolve(name, namespace) if name else _MISSING
    if obj is _MISSING:
        return {"status": "ok", "found": False, "data": {}, "metadata": {}}
    text = describe(obj, name, detail_level)
    return {"status": "ok", "found": True, "data": {"text/plain": text}, "metadata": {}}

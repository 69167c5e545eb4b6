"""Tab completion from the live namespace. Never calls the notebook's own code: only static
lookups (inspection.resolve: no property, descriptor or __getattr__ of the notebook's classes
runs; an installed package's property in a chain does, as df.columns.<TAB> needs) and dir().

Cases, tried in order on the text before the cursor:
  %ma            -> magic names
  import nu / from a.b import c   -> module names (and a module's attributes if imported)
  d["ke          -> string keys of a dict in the namespace
  open("da       -> file names
  obj.attr.pre   -> attributes of a dotted name that resolves statically in the namespace
                    (nothing when a link is the notebook's property or needs __getattr__)
  pre            -> names in the namespace, builtins and keywords
"""

from __future__ import annotations

import builtins
import keyword
import os
import re
import sys

from .inspection import _MISSING, resolve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._typing import Content, Namespace

_IMPORT_RE = re.compile(r"^\s*(?:import\s+(?:[\w.]+\s*,\s*)*|from\s+)([\w.]*)$")
_FROM_IMPORT_RE = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+(?:[\w]+\s*,\s*)*(\w*)$")
_KEY_RE = re.compile(r"([A-Za-z_][\w.]*)\[\s*(['\"])([^'\"]*)$")
_ATTR_RE = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(\w*)$")
_NAME_RE = re.compile(r"[A-Za-z_]\w*$")
_MAGIC_RE = re.compile(r"^\s*(%{1,2})(\w*)$")

_top_level_modules: set[str] | None = None


def _visible(name: str, prefix: str) -> bool:
    return name.startswith(prefix) and (prefix.startswith("_") or not name.startswith("_"))


def _all_top_level_modules() -> set[str]:
    global _top_level_modules
    if _top_level_modules is None:
        import pkgutil

        names = set(sys.builtin_module_names)
        names.update(m.name for m in pkgutil.iter_modules())
        _top_level_modules = names
    return _top_level_modules | {n for n in sys.modules if "." not in n}


def _submodules(package_name: str) -> list[str]:
    import pkgutil

    package = sys.modules.get(package_name)
    paths = getattr(package, "__path__", None)
    if paths is None and "." not in package_name:
        import importlib.util

        try:
            spec = importlib.util.find_spec(package_name)
        except (ImportError, ValueError):
            spec = None
        paths = spec.submodule_search_locations if spec else None
    if not paths:
        return []
    return [m.name for m in pkgutil.iter_modules(list(paths))]


def _module_matches(dotted: str) -> list[str]:
    if "." not in dotted:
        return sorted(n for n in _all_top_level_modules() if _visible(n, dotted))
    package, _, prefix = dotted.rpartition(".")
    names = set(_submodules(package))
    # Imported submodules, and modules that are attributes (os.path is not in a package).
    names.update(
        n[len(package) + 1 :]
        for n in sys.modules
        if n.startswith(package + ".") and "." not in n[len(package) + 1 :]
    )
    module = sys.modules.get(package)
    if module is not None:
        names.update(k for k, v in vars(module).items() if type(v) is type(sys))
    return sorted(package + "." + n for n in names if _visible(n, prefix))


def _path_matches(prefix: str) -> list[str]:
    directory, _, partial = prefix.rpartition("/")
    where = os.path.expanduser(directory if directory or prefix.startswith("/") else ".")
    if prefix.startswith("/") and not directory:
        where = "/"
    try:
        entries = os.listdir(where or "/")
    except OSError:
        return []
    head = prefix[: len(prefix) - len(partial)]
    out = []
    for entry in sorted(entries):
        if entry.startswith(partial) and (partial.startswith(".") or not entry.startswith(".")):
            full = os.path.join(where or "/", entry)
            out.append(head + entry + ("/" if os.path.isdir(full) else ""))
    return out


def _in_string(line: str) -> str | None:
    """The open string's text if the line ends inside a string literal, else None."""
    quote = None
    start = 0
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch == "#":
            return None
        elif ch in "'\"":
            quote, start = ch, i + 1
        i += 1
    return line[start:] if quote else None


def complete(code: str, cursor_pos: int, namespace: Namespace) -> Content:
    """The complete_reply content (positions in code points, as the protocol says)."""
    cursor_pos = max(0, min(cursor_pos, len(code)))
    before = code[:cursor_pos]
    line = before.rsplit("\n", 1)[-1]
    matches, token = _complete_line(line, namespace)
    return {
        "status": "ok",
        "matches": matches,
        "cursor_start": cursor_pos - len(token),
        "cursor_end": cursor_pos,
        "metadata": {},
    }


def _complete_line(line: str, namespace: Namespace) -> tuple[list[str], str]:
    match = _MAGIC_RE.match(line)
    if match:
        from .magics import CELL_MAGICS, LINE_MAGICS

        percent, prefix = match.groups()
        table = CELL_MAGICS if percent == "%%" else LINE_MAGICS
        return [percent + n for n in sorted(table) if n.startswith(prefix)], percent + prefix

    match = _FROM_IMPORT_RE.match(line)
    if match:
        module_name, prefix = match.groups()
        found = set(_submodules(module_name))
        module = sys.modules.get(module_name)
        if module is not None:
            found.update(dir(module))
        return sorted(n for n in found if _visible(n, prefix)), prefix

    match = _IMPORT_RE.match(line)
    if match:
        return _module_matches(match.group(1)), match.group(1)

    match = _KEY_RE.search(line)
    if match:
        obj = resolve(match.group(1), namespace)
        if issubclass(type(obj), dict):  # not isinstance: no `__class__` property runs
            prefix = match.group(3)
            keys = sorted(k for k in dict.keys(obj) if type(k) is str and k.startswith(prefix))
            return keys, prefix

    text = _in_string(line)
    if text is not None:
        token = text.split()[-1] if text.split() and not text.endswith(" ") else ""
        return _path_matches(token), token

    match = _ATTR_RE.search(line)
    if match:
        obj = resolve(match.group(1), namespace)
        prefix = match.group(2)
        if obj is _MISSING:
            return [], prefix
        try:
            attributes = dir(obj)
        except Exception:
            attributes = []
        return sorted({n for n in attributes if _visible(n, prefix)}), prefix

    match = _NAME_RE.search(line)
    prefix = match.group(0) if match else ""
    if line[: len(line) - len(prefix)].endswith("."):
        return [], prefix  # after a literal or a call: we do not evaluate those
    names = set(namespace)
    names.update(dir(builtins))
    names.update(keyword.kwlist)
    return sorted(n for n in names if _visible(n, prefix)), prefix

"""Which modules a cell imports that are not importable now (PROTOCOL.md, "Environments").

    missing(tree, source) -> [{"name": "pandas", "line": 1}, ...]

Counted: `import a.b` / `from a.b import c` (-> "a"), `__import__("a")`,
`importlib.import_module("a")` / `import_module("a")` with a literal string, anywhere in the cell
(functions, classes, loops, try blocks). Not counted: relative imports; imports in the body (or
else) of a `try` with an `except ImportError` / `except ModuleNotFoundError` handler (optional
imports: the code handles their absence); imports under `if TYPE_CHECKING:`; the branch of an
`if sys.version_info ...` / `if sys.platform ...` test that is false here.

A name is importable when it is in the standard library, already imported, local (`name.py`,
`name/`, `name.*.so` in the working directory or sys.path[0]), or importlib.util.find_spec finds
it. Positive find_spec answers are cached for the worker's life; negative ones never are, so a
package installed a moment ago is seen (after importlib.invalidate_caches(), see invalidate()).

Cost: nothing when the cell does not contain "import"; otherwise a walk over the statements
(expressions too only when the text mentions __import__ / import_module) of the tree that
execution.py compiles anyway, and one find_spec per new non-stdlib name.
"""

from __future__ import annotations

import _ast as ast
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._typing import MissingModule

# Top-level standard-library modules of Python 3.9 (sys.stdlib_module_names is 3.10+).
_FALLBACK_STDLIB = """
__future__ _thread abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit
audioop base64 bdb binascii binhex bisect builtins bz2 cProfile calendar cgi cgitb chunk cmath
cmd code codecs codeop collections colorsys compileall concurrent configparser contextlib
contextvars copy copyreg crypt csv ctypes curses dataclasses datetime dbm decimal difflib dis
distutils doctest email encodings ensurepip enum errno faulthandler fcntl filecmp fileinput
fnmatch formatter fractions ftplib functools gc genericpath getopt getpass gettext glob graphlib
grp gzip hashlib heapq hmac html http idlelib imaplib imghdr imp importlib inspect io ipaddress
itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap marshal math
mimetypes mmap modulefinder msilib msvcrt multiprocessing netrc nis nntplib nt ntpath
nturl2path numbers opcode operator optparse os ossaudiodev parser pathlib pdb pickle
pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty
pwd py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource
rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site smtpd smtplib
sndhdr socket socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat statistics
string stringprep struct subprocess sunau symbol symtable sys sysconfig syslog tabnanny tarfile
telnetlib tempfile termios textwrap this threading time timeit tkinter token tokenize trace
traceback tracemalloc tty turtle turtledemo types typing unicodedata unittest urllib uu uuid
venv warnings wave weakref webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile
zipimport zlib zoneinfo
"""

STDLIB = frozenset(
    getattr(sys, "stdlib_module_names", None) or _FALLBACK_STDLIB.split()
) | frozenset(sys.builtin_module_names)

_OPTIONAL_ERRORS = ("ImportError", "ModuleNotFoundError")
_TRY = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))
_MATCH_CASE = getattr(ast, "match_case", ())
_EXTENSION_SUFFIXES = (".so", ".pyd")

_found: set[str] = set()  # names find_spec found: importable for the worker's life


# ----------------------------------------------------------------------------- the walk


def _catches_import_error(handlers: list[ast.ExceptHandler]) -> bool:
    for handler in handlers:
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for kind in kinds:
            name = (
                kind.id
                if isinstance(kind, ast.Name)
                else kind.attr
                if isinstance(kind, ast.Attribute)
                else None
            )
            if name in _OPTIONAL_ERRORS:
                return True
    return False


_STATIC_NODES = (
    ast.Compare,
    ast.BoolOp,
    ast.UnaryOp,
    ast.Tuple,
    ast.Constant,
    ast.Subscript,
    ast.Slice,
    ast.Attribute,
    ast.Name,
    ast.Call,
    ast.expr_context,
    ast.boolop,
    ast.unaryop,
    ast.cmpop,
) + ((ast.Index,) if hasattr(ast, "Index") else ())


def _static_test(test: ast.expr) -> bool | None:
    """True/False for an `if` test we can decide here (TYPE_CHECKING, sys.version_info,
    sys.platform), None for anything else."""
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return False
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return False
    stack: list[ast.AST] = [test]
    uses_sys = False
    while stack:
        node = stack.pop()
        if not isinstance(node, _STATIC_NODES):
            return None
        if isinstance(node, ast.Name):
            if node.id != "sys":
                return None
            uses_sys = True
        elif isinstance(node, ast.Attribute):
            if node.attr not in ("version_info", "platform", "startswith") or not (
                isinstance(node.value, (ast.Name, ast.Attribute))
            ):
                return None
        elif isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Attribute) and node.func.attr == "startswith"
        ):
            return None
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack.extend(value)
            elif isinstance(value, ast.AST):
                stack.append(value)
    if not uses_sys:
        return None
    try:
        expression = ast.Expression(body=test)
        return bool(
            eval(
                compile(expression, "<test>", "eval", dont_inherit=True),
                {"__builtins__": {}, "sys": sys},
            )
        )
    except Exception:
        return None


class _Collector:
    def __init__(self, dynamic: bool) -> None:
        self.dynamic = dynamic  # also look for __import__ / import_module calls
        self.first: dict[
            str, tuple[int, int]
        ] = {}  # top-level name -> (line, column) of its first required import

    def add(self, name: object, node: ast.stmt | ast.expr, optional: bool) -> None:
        if optional or not isinstance(name, str) or not name or name.startswith("."):
            return
        top = name.partition(".")[0]
        where = (node.lineno, node.col_offset)
        if top and (top not in self.first or where < self.first[top]):
            self.first[top] = where

    def statements(self, body: list[ast.stmt], optional: bool) -> None:
        for node in body:
            self.statement(node, optional)

    def statement(self, node: ast.stmt, optional: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.add(alias.name, node, optional)
        elif isinstance(node, ast.ImportFrom):
            if not node.level:
                self.add(node.module, node, optional)
        elif _TRY and isinstance(node, _TRY):
            guarded = optional or _catches_import_error(node.handlers)
            self.statements(node.body, guarded)
            self.statements(node.orelse, guarded)  # runs only when the body's imports worked
            for handler in node.handlers:
                self.statements(handler.body, optional)
                if self.dynamic and handler.type is not None:
                    self.expressions(handler.type, optional)
            self.statements(node.finalbody, optional)
        elif isinstance(node, ast.If):
            verdict = _static_test(node.test)
            if verdict is not False:
                self.statements(node.body, optional)
            if verdict is not True:
                self.statements(node.orelse, optional)
            if self.dynamic:
                self.expressions(node.test, optional)
        else:
            for field in node._fields:
                value = getattr(node, field, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.stmt):
                            self.statement(item, optional)
                        elif _MATCH_CASE and isinstance(item, _MATCH_CASE):
                            self.statements(item.body, optional)
                            if self.dynamic and item.guard is not None:
                                self.expressions(item.guard, optional)
                        elif self.dynamic and isinstance(item, ast.AST):
                            self.expressions(item, optional)
                elif self.dynamic and isinstance(value, ast.AST):
                    self.expressions(value, optional)

    def expressions(self, node: ast.AST, optional: bool) -> None:
        stack = [node]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Call):
                self.call(node, optional)
            for field in node._fields:
                value = getattr(node, field, None)
                if isinstance(value, list):
                    stack.extend(item for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST):
                    stack.append(value)

    def call(self, node: ast.Call, optional: bool) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            name = func.id
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "importlib"
        ):
            name = func.attr
        else:
            return
        if name not in ("__import__", "import_module") or not node.args:
            return
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            return
        if name == "__import__":
            level = (
                node.args[4]
                if len(node.args) > 4
                else next((k.value for k in node.keywords if k.arg == "level"), None)
            )
            if level is not None and not (isinstance(level, ast.Constant) and level.value == 0):
                return  # a relative __import__
        self.add(first.value, node, optional)


def imported_names(tree: ast.Module, source: str) -> list[tuple[str, int]]:
    """[(name, line)] of the top-level modules the tree imports, in order of appearance."""
    if "import" not in source:
        return []
    collector = _Collector("__import__" in source or "import_module" in source)
    collector.statements(tree.body, False)
    return [
        (name, where[0])
        for name, where in sorted(collector.first.items(), key=lambda item: item[1])
    ]


# ----------------------------------------------------------------------------- importable?


def _local_dirs() -> list[str]:
    dirs = []
    try:
        dirs.append(os.getcwd())
    except OSError:
        pass
    if sys.path and isinstance(sys.path[0], str):
        first = os.path.abspath(sys.path[0] or ".")
        if first not in dirs:
            dirs.append(first)
    return dirs


def is_local(name: str) -> bool:
    """A module or package of that name in the working directory or sys.path[0]?"""
    for folder in _local_dirs():
        base = os.path.join(folder, name)
        if os.path.isfile(base + ".py") or os.path.isdir(base):
            return True
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        prefix = name + "."
        if any(
            entry.startswith(prefix) and entry.endswith(_EXTENSION_SUFFIXES) for entry in entries
        ):
            return True
    return False


def _find_spec(name: str) -> bool:
    if name in _found or name in sys.modules:
        return True
    import importlib.util

    try:
        found = importlib.util.find_spec(name) is not None
    except Exception:
        return True  # a finder that fails: let the import itself say what is wrong
    if found:
        _found.add(name)
    return found


def importable(name: str) -> bool:
    return name in STDLIB or _find_spec(name) or is_local(name)


def missing(tree: ast.Module, source: str, line_offset: int = 0) -> list[MissingModule]:
    """[{"name", "line"}] of the modules the cell imports that cannot be imported now."""
    return [
        {"name": name, "line": line + line_offset}
        for name, line in imported_names(tree, source)
        if not importable(name)
    ]


def missing_at_run_time(exc: BaseException) -> str | None:
    """The top-level module a ModuleNotFoundError is about, if installing it could help."""
    name = getattr(exc, "name", None)
    if not isinstance(name, str) or not name or name.startswith("."):
        return None
    top = name.partition(".")[0]
    if not top or top in STDLIB or is_local(top) or _find_spec(top):
        return None
    return top


def invalidate() -> None:
    """After an install: new packages (and new site-packages folders) must be found."""
    import importlib

    # Folders on sys.path that did not exist before (a venv's site-packages created by the
    # first install) are cached as None by the path finder: forget those.
    for path, finder in list(sys.path_importer_cache.items()):
        if finder is None:
            del sys.path_importer_cache[path]
    importlib.invalidate_caches()

"""The state of one analysis, shared by the rule modules, and how code appears in messages.

The texts that values.text() computes stand for strings the code makes; they mark what is
known only at run time with UNKNOWN, and a path from the tempfile module with TEMP first.
Control characters, because no string in ordinary code starts with one.
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)
import posixpath

from .hints import HINTS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

    from .._typing import Issue, Namespace

    # Where an issue is: a node (its line), a line number, or None for the cell as a whole.
    At = Union[ast.AST, int, None]

UNKNOWN = "\x00"  # a part of a string known only at run time
TEMP = "\x01"  # a path made by the tempfile module
TOP_LEVEL_AWAIT = getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0)


class Each(ast.expr):
    """A binding that is not in the code: one item of `iterable` (the target of a for loop or a
    comprehension, `for f in glob.glob("*.csv")`). Never visited; values.matched() reads it."""

    _fields = ("iterable",)

    def __init__(self, iterable: ast.expr) -> None:
        super().__init__()
        self.iterable = iterable


def redact(secret: str) -> str:
    secret = secret.strip()
    return (secret[:4] if len(secret) > 8 else secret[:1]) + "\u2026"


def show(text: str, limit: int = 60) -> str:
    """A string from the code for a message: unknown parts as …, shortened."""
    text = text.replace(TEMP, "").replace(UNKNOWN, "\u2026")
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return repr(text)


class Context:
    """What the two passes learn and report. The walk itself is visitor.Analysis."""

    def __init__(self, cwd: str | None, namespace: object, offset: int) -> None:
        self.cwd = posixpath.normpath(cwd) if cwd else None
        self.namespace: Namespace = namespace if isinstance(namespace, dict) else {}
        self.offset = offset
        self.issues: list[Issue] = []
        self.secrets: set[str] = set()
        self.aliases: dict[str, str] = {}  # name -> qualified name (imports)
        # name -> [value node | None (bound some other way)]
        self.bindings: dict[str, list[ast.expr | None]] = {}
        self.has_functions = False
        self.try_depth = 0
        # (line, what) of the first I/O call outside a try
        self.io_unprotected: tuple[int, str] | None = None
        self.network_flagged: set[str] = set()
        self.scanned_strings: set[int] = set()
        self.fs_checks = 0  # how many paths were looked up on disk (files.exists)
        self.strings_read = 0  # characters of exec / eval strings read as code
        self.string_depth = 0  # exec of a string that execs a string ...
        self.refers_cache: dict[str, str | None] = {}

    def add(
        self,
        rule: str,
        severity: str,
        node_or_line: At,
        message: str,
        hint_key: str | None = None,
    ) -> None:
        if node_or_line is None or isinstance(node_or_line, int):
            line = node_or_line
        else:
            line = getattr(node_or_line, "lineno", None)
            if line is not None:
                line += self.offset
        self.issues.append(
            {
                "rule": rule,
                "severity": severity,
                "line": line,
                "message": message,
                "hint": HINTS[hint_key or rule],
            }
        )

"""The state of one analysis, shared by the rule modules, and how code appears in messages.

The texts that values.text() computes stand for strings the code makes; they mark what is
known only at run time with UNKNOWN, and a path from the tempfile module with TEMP first.
Control characters, because no string in ordinary code starts with one.
"""

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)
import posixpath

from .hints import HINTS

UNKNOWN = "\x00"  # a part of a string known only at run time
TEMP = "\x01"  # a path made by the tempfile module
TOP_LEVEL_AWAIT = getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0)


def redact(secret):
    secret = secret.strip()
    return (secret[:4] if len(secret) > 8 else secret[:1]) + "\u2026"


def show(text, limit=60):
    """A string from the code for a message: unknown parts as …, shortened."""
    text = text.replace(TEMP, "").replace(UNKNOWN, "\u2026")
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return repr(text)


class Context:
    """What the two passes learn and report. The walk itself is visitor.Analysis."""

    def __init__(self, cwd, namespace, offset):
        self.cwd = posixpath.normpath(cwd) if cwd else None
        self.namespace = namespace if isinstance(namespace, dict) else {}
        self.offset = offset
        self.issues = []
        self.secrets = set()
        self.aliases = {}  # name -> qualified name (imports)
        self.bindings = {}  # name -> [value node | None (bound some other way)]
        self.has_functions = False
        self.try_depth = 0
        self.io_unprotected = None  # (line, what) of the first I/O call outside a try
        self.network_flagged = set()
        self.scanned_strings = set()

    def add(self, rule, severity, node_or_line, message, hint_key=None):
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

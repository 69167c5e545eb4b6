"""IPython syntax -> Python, before compiling a cell. Pure functions (easy to test).

- `%%name args` on the first line: a cell magic (split_cell_magic).
- `name?` / `name??` / `?name` alone in a cell: help (help_request).
- `%name args` at the start of a logical line: `__luci_magic__('name', 'args')`.
- `!cmd`: `__luci_shell__('cmd')`; `x = !cmd` captures the output lines; `x = %magic args`.
Each line stays one line, so line numbers in tracebacks match what the user wrote. Lines
inside strings, brackets or backslash continuations are left alone.
"""

from __future__ import annotations

import re

MAGIC_CALL = "__luci_magic__"
SHELL_CALL = "__luci_shell__"

_HELP_RE = re.compile(r"\s*(\?{1,2})?([A-Za-z_][\w.]*)(\?{1,2})?\s*\Z")
_MAGIC_RE = re.compile(r"%([A-Za-z_]\w*)(.*)\Z", re.S)
_ASSIGN_RE = re.compile(r"([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*([%!])(.*)\Z", re.S)
_CELL_MAGIC_RE = re.compile(r"%%([A-Za-z_]\w*)[ \t]*(.*)\Z")


def split_cell_magic(code: str) -> tuple[str, str, str] | None:
    """(name, line, body) if the cell's first non-blank line is `%%name line`, else None."""
    lines = code.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _CELL_MAGIC_RE.match(line.strip())
        if not match or not line.startswith("%%"):
            return None
        return match.group(1), match.group(2).strip(), "\n".join(lines[index + 1 :])
    return None


def help_request(code: str) -> tuple[str, int] | None:
    """(dotted name, detail level 0|1) for a `name?` / `name??` / `?name` cell, else None."""
    match = _HELP_RE.match(code)
    if not match:
        return None
    marks = match.group(1) or match.group(3)
    if not marks or (match.group(1) and match.group(3)):
        return None
    return match.group(2), len(marks) - 1


def statement_starts(lines: list[str]) -> list[bool]:
    """For each line: does it start a new logical line (not in a string/brackets/continuation)?"""
    starts = []
    depth = 0
    quote: str | None = None  # the delimiter of the string we are in: ' " ''' or \"\"\"
    continued = False
    for line in lines:
        starts.append(depth == 0 and quote is None and not continued)
        continued = False
        i, n = 0, len(line)
        comment = False
        while i < n:
            ch = line[i]
            if quote is not None:
                if ch == "\\":
                    i += 2
                elif line.startswith(quote, i):
                    i += len(quote)
                    quote = None
                else:
                    i += 1
                continue
            if ch == "#":
                comment = True
                break
            if ch in "'\"":
                quote = line[i : i + 3] if line[i : i + 3] in ("'''", '"""') else ch
                i += len(quote)
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth = max(0, depth - 1)
            i += 1
        if quote is not None and len(quote) == 1 and not line.endswith("\\"):
            quote = None  # an unterminated one-line string: a syntax error, not our business
        if quote is None and not comment and line.endswith("\\"):
            continued = True
    return starts


def _transform_line(line: str) -> str:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith("%%"):
        return line
    if stripped.startswith("%"):
        match = _MAGIC_RE.match(stripped)
        if match:
            return "%s%s(%r, %r)" % (indent, MAGIC_CALL, match.group(1), match.group(2).strip())
        return line
    if stripped.startswith("!"):
        command = stripped[1:]
        if command.startswith("!"):  # `!!cmd` returns the output lines, as in IPython
            return "%s%s(%r, capture=True)" % (indent, SHELL_CALL, command[1:].strip())
        return "%s%s(%r)" % (indent, SHELL_CALL, command.strip())
    match = _ASSIGN_RE.match(stripped)
    if match:
        target, kind, rest = match.groups()
        if kind == "!":
            call = "%s(%r, capture=True)" % (SHELL_CALL, rest.strip())
        else:
            magic = _MAGIC_RE.match("%" + rest)
            if not magic:
                return line
            call = "%s(%r, %r)" % (MAGIC_CALL, magic.group(1), magic.group(2).strip())
        return "%s%s = %s" % (indent, target, call)
    return line


def transform_cell(code: str) -> str:
    """The cell with IPython's `%magic` and `!shell` lines turned into Python calls."""
    if "%" not in code and "!" not in code:
        return code
    lines = code.split("\n")
    starts = statement_starts(lines)
    return "\n".join(_transform_line(line) if start else line for line, start in zip(lines, starts))

"""is_complete_request: would pressing Enter in a console run the code, or add a line?

codeop decides between complete / incomplete / invalid (after the magic transforms). As in
IPython, code whose last line is indented inside a block is "incomplete" until a blank line
ends it, and the suggested indent is 4 more spaces after a line ending with `:`.
"""

from __future__ import annotations

import codeop
import warnings

from .transform import help_request, split_cell_magic, transform_cell


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _code_part(line: str) -> str:
    """The line without a trailing comment (good enough to see a final ':' or '\\')."""
    in_quote: str | None = None
    for i, ch in enumerate(line):
        if in_quote:
            if ch == in_quote:
                in_quote = None
        elif ch in "'\"":
            in_quote = ch
        elif ch == "#":
            return line[:i].rstrip()
    return line.rstrip()


def _next_indent(lines: list[str]) -> str:
    last = next((line for line in reversed(lines) if line.strip()), "")
    indent = _indent_of(last).replace("\t", "    ")
    if _code_part(last).endswith(":"):
        indent += "    "
    return indent


def is_complete(code: str) -> dict[str, str]:
    if split_cell_magic(code) is not None or help_request(code) is not None:
        return {"status": "complete"}
    if not code.strip():
        return {"status": "complete"}
    source = transform_cell(code)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiled = codeop.compile_command(source, "<input>", "exec")
    except (SyntaxError, OverflowError, ValueError):
        return {"status": "invalid"}
    lines = source.rstrip("\n").split("\n")
    if compiled is None:
        return {"status": "incomplete", "indent": _next_indent(lines)}
    ends_with_blank_line = code.endswith("\n") and (code.endswith("\n\n") or not lines[-1].strip())
    if _indent_of(lines[-1]) and not ends_with_blank_line and len(lines) > 1:
        return {"status": "incomplete", "indent": _indent_of(lines[-1])}
    return {"status": "complete"}

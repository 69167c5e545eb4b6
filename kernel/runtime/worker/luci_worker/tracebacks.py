"""Tracebacks that look like IPython 8's, without the worker's own frames.

    ---------------------------------------------------------------------------
    ZeroDivisionError                         Traceback (most recent call last)
    Cell In[3], line 2
          1 x = 1
    ----> 2 1/0

    ZeroDivisionError: division by zero

Cells are compiled with the file name `<cell-N>` (execution.py), shown as `Cell In[N]`.
"""

from __future__ import annotations

import linecache
import os
import re

from .errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType, TracebackType

    from ._typing import FormattedError

    Frames = list[tuple[FrameType, int]]

RED = "\x1b[0;31m"
GREEN = "\x1b[0;32m"
CYAN = "\x1b[0;36m"
BLUE = "\x1b[0;34m"
RESET = "\x1b[0m"

_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_CELL_RE = re.compile(r"<cell-(\d+)(?:\.\d+)?>\Z")
_CONTEXT = 2  # lines shown before and after the current one
_WIDTH = 75


def cell_label(filename: str | None) -> str | None:
    """'Cell In[3]' for a cell's file name, None for anything else."""
    match = _CELL_RE.match(filename or "")
    return "Cell In[%s]" % match.group(1) if match else None


def _is_ours(filename: str) -> bool:
    return filename.startswith(_PKG_DIR)


def _is_helper(filename: str) -> bool:
    """Standard-library frames that only appear because of how we run code."""
    base = os.path.basename(filename)
    return (
        filename in ("<timeit-src>", "<frozen runpy>")
        or base in ("runpy.py", "timeit.py")
        or os.sep + "asyncio" + os.sep in filename
    )


def user_frames(tb: TracebackType | None) -> Frames:
    """(frame, lineno) pairs of tb without our frames and the helpers directly below them."""
    frames: Frames = []
    after_ours = False
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if _is_ours(filename):
            after_ours = True
        elif not (after_ours and _is_helper(filename)):
            frames.append((tb.tb_frame, tb.tb_lineno))
            after_ours = False
        tb = tb.tb_next
    return frames


def _numbered(lineno: int, text: str, current: bool) -> str:
    number = str(lineno)
    prefix = "-" * max(1, 5 - len(number)) + "> " + number if current else number.rjust(7)
    return GREEN + prefix + RESET + " " + text


def _format_frame(frame: FrameType, lineno: int) -> str:
    code = frame.f_code
    filename = code.co_filename
    label = cell_label(filename)
    if label:
        where = "%s%s, line %d%s" % (GREEN, label, lineno, RESET)
    else:
        where = "File %s%s:%d%s" % (GREEN, filename, lineno, RESET)
    if code.co_name != "<module>":
        params = ", ".join(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        where += ", in %s%s%s(%s)%s" % (CYAN, code.co_name, BLUE, params, RESET)
    lines = linecache.getlines(filename, frame.f_globals)
    out = [where]
    if 0 < lineno <= len(lines):
        first = max(1, lineno - _CONTEXT)
        last = min(len(lines), lineno + _CONTEXT)
        for n in range(first, last + 1):
            out.append(_numbered(n, lines[n - 1].rstrip("\n"), n == lineno))
    return "\n".join(out)


def _format_frames(frames: Frames) -> list[str]:
    """Format frames; long runs of the same frame (recursion) are shown once, with a count."""
    items: list[str] = []
    i = 0
    while i < len(frames):
        frame, lineno = frames[i]
        key = (frame.f_code, lineno)
        run = 1
        while i + run < len(frames) and (frames[i + run][0].f_code, frames[i + run][1]) == key:
            run += 1
        shown = run if run <= 3 else 1
        items.extend(_format_frame(f, n) for f, n in frames[i : i + shown])
        if run > shown:
            items.append(
                "    [... skipping similar frames: %s at line %d (%d times)]"
                % (frame.f_code.co_name, lineno, run - shown)
            )
        i += run
    return items


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "<exception str() failed>"


def _final_line(exc: BaseException) -> str:
    ename = type(exc).__name__
    evalue = _safe_str(exc)
    line = RED + ename + RESET + (": " + evalue if evalue else "")
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, (list, tuple)):
        line += "".join("\n" + str(note) for note in notes)
    return line


def _syntax_error_items(exc: SyntaxError) -> list[str]:
    """The location block and the final line of a SyntaxError, cells shown as Cell In[N]."""
    import traceback

    lines = traceback.format_exception_only(type(exc), exc)
    block = "".join(lines[:-1])
    match = re.match(r'(\s*)File "([^"]*)", line (\d+)', block)
    label = cell_label(match.group(2)) if match else None
    if match and label:
        block = (
            match.group(1)
            + GREEN
            + label
            + ", line "
            + match.group(3)
            + RESET
            + block[match.end() :]
        )
    final = lines[-1].rstrip("\n")
    ename = type(exc).__name__
    if final.startswith(ename):
        final = RED + ename + RESET + final[len(ename) :]
    return ([block.rstrip("\n")] if block.strip() else []) + [final]


def _format_one(exc: BaseException) -> list[str]:
    frames = user_frames(exc.__traceback__)
    items: list[str] = []
    if frames or not isinstance(exc, SyntaxError):
        ename = type(exc).__name__
        heading = "Traceback (most recent call last)"
        pad = " " * max(1, _WIDTH - len(ename) - len(heading))
        items.append(RED + "-" * _WIDTH + RESET)
        items.append(RED + ename + RESET + pad + heading)
    # As IPython: the front end joins the items with newlines; frames end with one, which
    # leaves a blank line between frames and before the exception line.
    items.extend(block + "\n" for block in _format_frames(frames))
    if isinstance(exc, SyntaxError):
        items.extend(_syntax_error_items(exc))
    else:
        items.append(_final_line(exc))
    return items


def format_exception(exc: BaseException) -> FormattedError:
    """(ename, evalue, traceback list) for an exception raised by user code."""
    ename, evalue = type(exc).__name__, _safe_str(exc)
    if isinstance(exc, UsageError):
        return ename, evalue, [RED + "UsageError" + RESET + ": " + evalue]
    if isinstance(exc, SystemExit):
        return (
            ename,
            evalue,
            [
                "An exception has occurred: "
                + RED
                + "SystemExit"
                + RESET
                + (": " + evalue if evalue else "")
            ],
        )
    chain: list[tuple[BaseException, str | None]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.__cause__ is not None:
            chain.append(
                (current, "The above exception was the direct cause of the following exception:")
            )
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            chain.append(
                (current, "During handling of the above exception, another exception occurred:")
            )
            current = current.__context__
        else:
            chain.append((current, None))
            current = None
    items: list[str] = []
    oldest_first = chain[::-1]
    for position, (one, _link) in enumerate(oldest_first):
        items.extend(_format_one(one))
        if position + 1 < len(oldest_first):
            # The message belongs to the newer exception, which points back at this one.
            link = oldest_first[position + 1][1]
            assert link is not None  # only the oldest exception has no link
            items.append("\n" + link + "\n")
    return ename, evalue, items

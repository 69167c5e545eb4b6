"""The entry: one validate command in, one reply out.

A cell magic decides what the body is: Python (%%time & co) is parsed like any cell, a shell
script (%%bash) or a %%writefile is read as such, anything else only scanned for secrets.
Python is parsed after the magic transforms, as a cell would be, and read in two passes
(bindings, then the visitor). The reply holds issues sorted and without repeats, the secrets
found redacted from every message, and the score against the threshold.
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)
import os

from .. import transform
from . import credentials, files, notes
from .bindings import collect
from .context import TOP_LEVEL_AWAIT, redact
from .hints import HINTS
from .scoring import RANK
from .scoring import score as _score
from .scoring import summary as _summary
from .tables import DEFAULT_THRESHOLD
from .visitor import Analysis, visit_deep

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._typing import Command, Content, Issue

# The gate reads at most this much code. Past it the code is refused (a blocker), not skimmed:
# a verdict must cover all of it, and the reading must end well inside the kernel's deadline
# for an answer (every pattern here is linear; parsing 150,000 characters takes ~0.15 s). Below
# the 200,000 characters a model's answer may have, so a huge answer meets this refusal.
MAX_CODE_CHARS = 150_000

_PYTHON_CELLS = ("python", "time", "timeit", "capture")
_SHELL_CELLS = ("bash", "sh", "script")


def _threshold(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return DEFAULT_THRESHOLD
    return min(1.0, max(0.0, float(value)))


def _scrub(text: str, secrets: set[str]) -> str:
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, redact(secret))
    return text


def validate(
    code: str, cwd: str | None = None, threshold: Any = DEFAULT_THRESHOLD, namespace: object = None
) -> Content:
    """The reply content of a validate command. Never runs any of the code."""
    threshold = _threshold(threshold)
    if cwd is None:
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = None
    cwd = os.path.abspath(cwd) if cwd else None
    if len(code) > MAX_CODE_CHARS:
        return _too_large(code, threshold)
    cell_magic = transform.split_cell_magic(code)
    offset = 0
    body = code
    analysis: Analysis | None = None
    if cell_magic:
        name, line, body = cell_magic
        offset = code.count("\n") - body.count("\n")
        if name not in _PYTHON_CELLS:
            analysis = Analysis(cwd, namespace, offset)
            if name in _SHELL_CELLS:
                analysis.add(
                    "shell",
                    "high",
                    offset,
                    "The %%%%%s cell runs its lines as a shell script." % name,
                )
                files.shell_deletes(analysis, None, body, line=offset + 1)
            elif name == "writefile":
                words = [w for w in line.split() if not w.startswith("-")]
                if words:
                    target = ast.Constant(value=words[0].strip("'\""))
                    files.path_issue(analysis, offset, "writes to", "%%writefile", target, False)
            if body:
                credentials.scan_string(analysis, offset, body)
    elif transform.help_request(code) is not None:
        analysis = Analysis(cwd, namespace, 0)
    if analysis is None:
        analysis = Analysis(cwd, namespace, offset)
        source = transform.transform_cell(body)
        try:
            tree: ast.Module = compile(
                source, "<cell>", "exec", ast.PyCF_ONLY_AST | TOP_LEVEL_AWAIT, dont_inherit=True
            )
        except SyntaxError as exc:
            error_line = exc.lineno + offset if isinstance(exc.lineno, int) else None
            message = "The code does not parse: %s" % (exc.msg or "invalid syntax")
            if error_line is not None:
                message += " (line %d%s)." % (
                    error_line,
                    ", column %d" % exc.offset if isinstance(exc.offset, int) else "",
                )
            analysis.add("syntax", "blocker", error_line, message)
        except (ValueError, OverflowError, MemoryError, RecursionError) as exc:
            analysis.add("syntax", "blocker", None, "The code does not parse: %s." % exc)
        else:
            try:
                collect(analysis, tree)
                visit_deep(analysis, tree)
            except RecursionError:
                analysis.add(
                    "unchecked", "blocker", None, "The code is nested too deeply to be checked."
                )
            code_lines = sum(
                1 for text in body.split("\n") if text.strip() and not text.strip().startswith("#")
            )
            notes.finish(analysis, code_lines)

    seen: set[tuple[str, str, int | None, str]] = set()
    issues: list[Issue] = []
    for issue in analysis.issues:
        issue["message"] = _scrub(issue["message"], analysis.secrets)
        key = (issue["rule"], issue["severity"], issue["line"], issue["message"])
        if key not in seen:
            seen.add(key)
            issues.append(issue)
    issues.sort(
        key=lambda issue: (
            issue["line"] if issue["line"] is not None else -1,
            RANK[issue["severity"]],
            issue["rule"],
            issue["message"],
        )
    )
    score = _score(issues) / 1000
    passed = score >= threshold
    return {
        "status": "ok",
        "score": score,
        "passed": passed,
        "threshold": threshold,
        "issues": issues,
        "summary": _summary(score, threshold, passed, issues),
    }


def _too_large(code: str, threshold: float) -> Content:
    issue: Issue = {
        "rule": "too-large",
        "severity": "blocker",
        "line": None,
        "message": "The code is too large to be checked (%d characters; the gate reads at "
        "most %d)." % (len(code), MAX_CODE_CHARS),
        "hint": HINTS["too-large"],
    }
    return {
        "status": "ok",
        "score": 0.0,
        "passed": False,
        "threshold": threshold,
        "issues": [issue],
        "summary": _summary(0.0, threshold, False, [issue]),
    }


def validate_command(cmd: Command, namespace: object = None) -> Content:
    """{"op":"validate","id":N,"code":str,"cwd"?:str,"threshold"?:number} -> reply content."""
    cwd = cmd.get("cwd")
    return validate(
        str(cmd.get("code", "")),
        cwd=cwd if isinstance(cwd, str) else None,
        threshold=cmd.get("threshold", DEFAULT_THRESHOLD),
        namespace=namespace,
    )

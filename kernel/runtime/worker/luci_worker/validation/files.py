"""The destructive-file rule: deleting or writing a path outside the working directory.

The calls that delete (shutil.rmtree, os.remove & co, Path.unlink / rmdir, `rm` in shell
text) or write (open in mode w / a / +, Path.write_text, library writers such as to_csv and
savefig); paths.where() says how bad the place is. A name bound to several paths is judged
by its worst one. Library writes with a computed path are not reported: they are everywhere,
and almost always relative.
"""

from __future__ import annotations

import re

from . import notes, values
from .context import UNKNOWN
from .paths import where
from .scoring import RANK

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _ast as ast

    from .context import At, Context
    from .visitor import Analysis, Call


# Deleting: qualified name -> (position of the path, its keyword).
_DELETES = {
    "shutil.rmtree": (0, "path"),
    "os.remove": (0, "path"),
    "os.unlink": (0, "path"),
    "os.rmdir": (0, "path"),
    "os.removedirs": (0, "name"),
}
_OPENS = {"open": "file", "io.open": "file", "codecs.open": "filename"}
# Library writes: reported only when the path is a literal outside the working directory.
_LIBRARY_WRITES = {
    "to_csv",
    "to_excel",
    "to_parquet",
    "to_json",
    "to_pickle",
    "to_feather",
    "to_hdf",
    "to_stata",
    "to_orc",
    "savefig",
    "savetxt",
    "save",
    "write_image",
    "write_html",
}
_RM = re.compile(r"(?:^|(?<=[\s;&|(`'\"]))(?:sudo\s+)?(rm|rmdir)(?=\s)")
_SHELL_END = re.compile(r"[;&|\n)`]")


def path_issue(
    analysis: Context,
    node: At,
    verb: str,
    what: str,
    path_node: ast.expr,
    deleting: bool,
    report_unknown: bool = True,
) -> None:
    """Report a delete / write of the path that path_node makes."""
    worst: tuple[str, str] | None = None
    for candidate in values.candidates(analysis, path_node):
        severity, description = where(values.text(analysis, candidate), analysis.cwd, deleting)
        if severity is None:
            continue
        if severity == "medium" and "computed at run time" in description and not report_unknown:
            continue
        if worst is None or RANK[severity] < RANK[worst[0]]:
            worst = (severity, description)
    if worst is not None:
        unknown = "computed at run time" in worst[1]
        analysis.add(
            "destructive-file",
            worst[0],
            node,
            "%s %s %s." % (what, verb, worst[1]),
            "destructive-file-unknown" if unknown else None,
        )


def shell_deletes(analysis: Context, node: At, text: str, line: int | None = None) -> None:
    """`rm` / `rmdir` in a shell command: what it deletes."""
    if "rm" not in text:
        return
    for match in _RM.finditer(text):
        end = _SHELL_END.search(text, match.end())
        words = text[match.end() : end.start() if end else len(text)].split()
        options_done = False
        at = line if line is not None else node
        if type(at) is int:
            at = at + text[: match.start()].count("\n")
        for word in words:
            if not options_done and word.startswith("-"):
                if word == "--":
                    options_done = True
                continue
            word = word.strip("'\"")
            if "<" in word or ">" in word:
                continue  # a redirection
            if word in ("*", "./*", ".*", "./.*", "./", "."):
                word = "."
            else:
                word = re.sub(r"[*?\[]", UNKNOWN, word)
            severity, description = where(word, analysis.cwd, deleting=True)
            if severity is not None:
                unknown = "computed at run time" in description
                analysis.add(
                    "destructive-file",
                    severity,
                    at,
                    "The shell command `%s` deletes %s." % (match.group(1), description),
                    "destructive-file-unknown" if unknown else None,
                )


def check_call(analysis: Analysis, call: Call) -> None:
    name, attr, label = call.name, call.attr, call.label
    receiver = call.receiver  # `obj` of `obj.attr(...)`: there when attr is
    if name in _DELETES:
        position, keyword = _DELETES[name]
        target = call.arg(position, keyword)
        if target is not None:
            path_issue(analysis, call.node, "deletes", label, target, deleting=True)
    elif name in _OPENS or (
        attr == "open" and receiver is not None and _is_path(analysis, receiver)
    ):
        on_path = name not in _OPENS
        target = receiver if on_path else call.arg(0, _OPENS[name])
        mode = call.arg(0 if on_path else 1, "mode")
        mode_text = "r" if mode is None else values.text(analysis, mode)
        if target is not None:
            if UNKNOWN in mode_text:
                path_issue(
                    analysis,
                    call.node,
                    "may write to",
                    label,
                    target,
                    deleting=False,
                    report_unknown=False,
                )
            elif any(c in mode_text for c in "wa+"):
                path_issue(
                    analysis,
                    call.node,
                    "writes to",
                    label.replace("()", "(..., %r)" % mode_text),
                    target,
                    deleting=False,
                )
        notes.io(analysis, call.node, label)
    elif (
        attr in ("unlink", "rmdir")
        and receiver is not None
        and not call.args
        and call.qual not in _DELETES
    ):
        path_issue(analysis, call.node, "deletes", "Path.%s()" % attr, receiver, deleting=True)
    elif attr in ("write_text", "write_bytes") and receiver is not None:
        path_issue(analysis, call.node, "writes to", "Path.%s()" % attr, receiver, deleting=False)
    elif attr in _LIBRARY_WRITES or name in ("numpy.save", "numpy.savetxt"):
        keywords = call.keywords
        target = (
            call.arg(0, "path_or_buf")
            or keywords.get("fname")
            or keywords.get("path")
            or keywords.get("excel_writer")
            or keywords.get("file")
        )
        if target is not None:
            path_issue(
                analysis,
                call.node,
                "writes to",
                label,
                target,
                deleting=False,
                report_unknown=False,
            )


def _is_path(analysis: Context, node: ast.expr) -> bool:
    text = values.text(analysis, node)
    return text != UNKNOWN and not text.startswith(UNKNOWN)

"""The destructive-file rule: deleting or writing a path outside the working directory.

The calls that delete (shutil.rmtree, os.remove & co, Path.unlink / rmdir, `rm` in shell
text) or write (open in mode w / a / +, Path.write_text, library writers such as to_csv and
savefig); paths.where() says how bad the place is. A name bound to several paths is judged
by its worst one. Library writes with a computed path are not reported: they are everywhere,
and almost always relative.
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)
import os
import posixpath
import re

from . import notes, values
from .context import TEMP, UNKNOWN, Each, show
from .paths import where
from .scoring import RANK

TYPE_CHECKING = False
if TYPE_CHECKING:
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
# Moving: qualified name -> the source's and the target's (position, keyword).
_MOVES = {
    "os.rename": ((0, "src"), (1, "dst")),
    "os.renames": ((0, "old"), (1, "new")),
    "os.replace": ((0, "src"), (1, "dst")),
    "shutil.move": ((0, "src"), (1, "dst")),
}
# Copying over the target: as _MOVES.
_COPIES = {
    "shutil.copy": ((0, "src"), (1, "dst")),
    "shutil.copy2": ((0, "src"), (1, "dst")),
    "shutil.copyfile": ((0, "src"), (1, "dst")),
}
_TRUNCATES = {"os.truncate": (0, "path")}
# Calls that apply a function to each item of an iterable: map(os.remove, files).
_MAPS = {"map", "builtins.map"}
_MAP_METHODS = {"map", "imap", "imap_unordered", "map_async"}
# The functions of this rule, for the visitor's could-not-tell check.
FUNCTIONS = frozenset((*_DELETES, *_MOVES, *_COPIES, *_TRUNCATES, "os.open"))
# At most this many paths are looked up on disk in one analysis; past it, a path is taken to
# exist (the gate fails closed) and the time a verdict takes stays bounded.
MAX_FS_CHECKS = 1000
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
) -> bool:
    """Report a delete / write of the path that path_node makes; True when it did."""
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
        return True
    return False


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
            _deletes(analysis, call.node, label, target)
    elif name in _MOVES or name in _COPIES:
        source, target = (call.arg(*where) for where in (_MOVES.get(name) or _COPIES[name]))
        if source is not None and target is not None:
            copying = name in _COPIES
            into = name != "shutil.copyfile"  # a folder as the target: the file goes in it
            _moves(analysis, call.node, label, source, target, copying, into)
    elif (
        attr in ("rename", "replace")
        and receiver is not None
        and len(call.args) + len(call.keywords) == 1
        and (_is_path(analysis, receiver) or values.matched(analysis, receiver) is not None)
    ):
        target = call.arg(0, "target")
        if target is not None:
            _moves(analysis, call.node, "Path.%s()" % attr, receiver, target, False, False)
    elif name in _TRUNCATES:
        target = call.arg(*_TRUNCATES[name])
        if target is not None:
            _overwrites(analysis, call.node, label, target, "empties or cuts")
    elif name == "os.open":
        _os_open(analysis, call)
    elif (name in _MAPS or (attr in _MAP_METHODS and receiver is not None)) and len(call.args) > 1:
        function = values.qual(analysis, call.args[0])
        if function in _DELETES:
            _deletes(analysis, call.node, "%s(%s)" % (label[:-2], function), Each(call.args[1]))
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
        _deletes(analysis, call.node, "Path.%s()" % attr, receiver)
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


def _deletes(analysis: Context, node: At, what: str, target: ast.expr) -> None:
    """A delete: of the files a listing gives (high), else judged by where the path lies."""
    if not _of_listing(analysis, node, what, "deletes", target):
        path_issue(analysis, node, "deletes", what, target, deleting=True)


def _of_listing(analysis: Context, node: At, what: str, verb: str, path: ast.expr) -> bool:
    """True when the path is an item of a folder listing: reported as high (the files exist),
    unless the folder is one the tempfile module made."""
    found = values.matched(analysis, path)
    if found:
        analysis.add(
            "destructive-file",
            "high",
            node,
            "%s %s %s." % (what, verb, found),
            "destructive-file-existing",
        )
    return found is not None


def _moves(
    analysis: Context,
    node: At,
    what: str,
    source: ast.expr,
    target: ast.expr,
    copying: bool,
    into: bool,
) -> None:
    """A move (the source leaves its place) or a copy, and what the target replaces."""
    source_text = values.text(analysis, source)
    target_text = values.text(analysis, target)
    if (
        not copying
        and not _of_listing(analysis, node, what, "moves", source)
        and not path_issue(analysis, node, "moves", what, source, deleting=True)
        and exists(analysis, source_text)
    ):
        analysis.add(
            "destructive-file",
            "high",
            node,
            "%s moves the existing file %s (to %s): whatever reads it there afterwards "
            "no longer finds it." % (what, show(source_text), show(target_text)),
            "destructive-file-existing",
        )
    if path_issue(analysis, node, "writes to", what, target, False, report_unknown=False):
        return
    if into and UNKNOWN not in source_text and is_dir(analysis, target_text):
        target_text = posixpath.join(target_text, posixpath.basename(source_text.rstrip("/")))
    if exists(analysis, target_text) and not is_dir(analysis, target_text):
        analysis.add(
            "destructive-file",
            "high",
            node,
            "%s replaces the existing file %s: what it held is lost." % (what, show(target_text)),
            "destructive-file-existing",
        )


def _overwrites(analysis: Context, node: At, what: str, target: ast.expr, verb: str) -> None:
    """Emptying a file (os.truncate, os.open with O_TRUNC): bad when the file exists now."""
    if _of_listing(analysis, node, what, verb, target):
        return
    if path_issue(analysis, node, verb, what, target, deleting=False):
        return
    target_text = values.text(analysis, target)
    if exists(analysis, target_text):
        analysis.add(
            "destructive-file",
            "high",
            node,
            "%s %s the existing file %s: what it held is lost." % (what, verb, show(target_text)),
            "destructive-file-existing",
        )


_OPEN_WRITES = ("O_WRONLY", "O_RDWR", "O_APPEND", "O_CREAT", "O_TRUNC")


def _os_open(analysis: Analysis, call: Call) -> None:
    """os.open(path, flags): a write when the flags say so; O_TRUNC empties the file."""
    target = call.arg(0, "path")
    flags = call.arg(1, "flags")
    notes.io(analysis, call.node, call.label)
    if target is None or flags is None:
        return
    names: list[str] = []
    stack = [flags]
    while stack and len(names) < 50:
        node = stack.pop()
        if type(node) is ast.BinOp:
            stack += [node.left, node.right]
        else:
            names.append((values.qual(analysis, node) or "").rsplit(".", 1)[-1])
    if "O_TRUNC" in names:
        _overwrites(analysis, call.node, "os.open(..., O_TRUNC)", target, "empties")
    elif any(name in _OPEN_WRITES for name in names):
        path_issue(analysis, call.node, "writes to", call.label, target, deleting=False)
    elif not all(name.startswith("O_") for name in names):
        path_issue(analysis, call.node, "may write to", call.label, target, False, False)


def _on_disk(analysis: Context, path: str) -> str | None:
    """Where a literal path inside the working directory lies on disk, else None."""
    if not path or UNKNOWN in path or TEMP in path or analysis.cwd is None:
        return None
    if path.startswith(("~", "$")):
        return None
    return posixpath.join(analysis.cwd, path)


def exists(analysis: Context, path: str) -> bool:
    """Does the literal path exist now (so a delete, move or copy would destroy it)? Looked up
    at most MAX_FS_CHECKS times in one analysis; past that, yes (the gate fails closed)."""
    full = _on_disk(analysis, path)
    if full is None:
        return False
    analysis.fs_checks += 1
    if analysis.fs_checks > MAX_FS_CHECKS:
        return True
    try:
        return os.path.lexists(full)
    except (OSError, ValueError):
        return False


def is_dir(analysis: Context, path: str) -> bool:
    full = _on_disk(analysis, path)
    if full is None or analysis.fs_checks >= MAX_FS_CHECKS:
        return False
    analysis.fs_checks += 1
    try:
        return os.path.isdir(full)
    except (OSError, ValueError):
        return False

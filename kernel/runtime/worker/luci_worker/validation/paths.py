"""Paths: what the path-making calls do, and where a path lies.

where() is the judgement behind destructive-file: a literal path outside the working
directory (absolute and not under `cwd`, through '..', in the home folder, a system folder)
or the working directory itself is high; the shared temporary folder, or a path computed at
run time with no literal start to show where it is, is medium; anything inside the working
directory, or made by the tempfile module, is fine.
"""

from __future__ import annotations

import posixpath
import re

from .context import TEMP, UNKNOWN, show

_SYSTEM_DIRS = {
    "bin",
    "boot",
    "dev",
    "etc",
    "home",
    "lib",
    "lib32",
    "lib64",
    "libx32",
    "mnt",
    "media",
    "opt",
    "proc",
    "root",
    "run",
    "sbin",
    "srv",
    "sys",
    "usr",
    "var",
    "System",
    "Library",
    "Applications",
    "Users",
    "Volumes",
    "private",
}
_TEMP_DIRS = ("/tmp", "/var/tmp", "/private/tmp", "/dev/shm")

# Calls whose result is a path, for values.text().
PATH_CONSTRUCTORS = {
    "pathlib.Path",
    "pathlib.PurePath",
    "pathlib.PosixPath",
    "pathlib.PurePosixPath",
    "os.path.join",
    "posixpath.join",
}
PATH_SAME = {
    "os.path.expanduser",
    "os.path.abspath",
    "os.path.normpath",
    "os.path.realpath",
    "os.fspath",
    "str",
    "os.path.expandvars",
}
PATH_METHODS_SAME = {"resolve", "absolute", "expanduser", "as_posix", "__fspath__"}
TEMPFILE = {
    "tempfile.mkdtemp",
    "tempfile.gettempdir",
    "tempfile.TemporaryDirectory",
    "tempfile.NamedTemporaryFile",
    "tempfile.mkstemp",
    "tempfile.TemporaryFile",
    "tempfile.SpooledTemporaryFile",
}
CWD = {"os.getcwd", "pathlib.Path.cwd", "os.curdir"}


def join(left: str, right: str) -> str:
    """os.path.join / Path's `/` on two texts."""
    if right.startswith(("/", "~", TEMP)):
        return right
    if left.startswith(TEMP):
        return TEMP
    if left == UNKNOWN:
        return UNKNOWN
    if left in ("", "."):
        return right
    return left.rstrip("/") + "/" + right


def where(path: str, cwd: str | None, deleting: bool = False) -> tuple[str | None, str]:
    """(severity or None, description) of a path text; cwd is normalised, or None."""
    if path.startswith(TEMP):
        return None, ""
    prefix, dynamic = path.split(UNKNOWN, 1)[0], UNKNOWN in path
    start = prefix.strip().strip("'\"")
    if not start:
        return (
            ("medium", "a path computed at run time (it may lie outside the working directory)")
            if dynamic
            else (None, "")
        )
    shown = show(path)
    if start.startswith("~") or start.startswith("$HOME") or start.startswith("${HOME}"):
        return "high", "%s, in your home folder outside the working directory" % shown
    if start.startswith("$"):
        return (
            "medium",
            "%s, a path computed at run time (it may lie outside the working directory)" % shown,
        )
    if re.match(r"[A-Za-z]:[\\/]|\\\\", start):
        return "high", "%s, outside the working directory" % shown
    if start.startswith("/"):
        norm = posixpath.normpath(start)
        if norm.startswith("//"):
            norm = "/" + norm.lstrip("/")
        if cwd and cwd != "/" and (norm == cwd or norm.startswith(cwd + "/")):
            if norm == cwd and deleting and not dynamic:
                return "high", "%s, the whole working directory" % shown
            return None, ""
        if cwd == "/":
            return None, ""
        if any(norm == tmp or norm.startswith(tmp + "/") for tmp in _TEMP_DIRS):
            if norm in _TEMP_DIRS and not dynamic:
                return "high", "%s, the shared temporary folder itself" % shown
            return (
                "medium",
                "%s, in the shared temporary folder outside the working directory" % shown,
            )
        first = norm.split("/")[1] if norm != "/" else ""
        if norm == "/" or first in _SYSTEM_DIRS:
            return "high", "%s, a system location outside the working directory" % shown
        return "high", "%s, outside the working directory" % shown
    norm = posixpath.normpath(start)
    if norm == ".." or norm.startswith("../"):
        return "high", "%s, outside the working directory" % shown
    if dynamic:
        rest = start
        while rest.startswith("./"):
            rest = rest[2:]
        if not rest or rest == ".":
            return (
                "medium",
                "%s, a path computed at run time (it may lie outside the "
                "working directory)" % shown,
            )
        return None, ""
    if norm == "." and deleting:
        return "high", "%s, the whole working directory" % shown
    return None, ""

"""IPython-style magics: `%name args` (line) and `%%name args` + body (cell).

To add a magic, write `def _my(line, local_ns)` (line) or `def _my(line, body)` (cell) and
register it in LINE_MAGICS / CELL_MAGICS at the bottom of this file: that is the only place.
A line magic's return value is the value of the `%...` expression (shown as Out when it is
the last line); a cell magic's return value becomes the cell's result.
"""

from __future__ import annotations

import os
import re
import sys

from . import shell, state
from .errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._typing import CellMagic, LineMagic, Namespace
    from .timing import TimeitResult

# Magics that the kernel itself runs: the worker sends a kernel_request and waits
# (PROTOCOL.md, "Kernel magics"). `!pip ...` lines go there too (pip_command).
KERNEL_MAGICS = ("pip", "luci")

_HIDDEN_NAMES = frozenset(("In", "Out", "exit", "quit", "get_ipython"))


def _user_names() -> list[str]:
    return [
        name
        for name in state.get_namespace()
        if not name.startswith("_") and name not in _HIDDEN_NAMES
    ]


# ----------------------------------------------------------------------------- line magics


def _time(line: str, local_ns: Namespace | None) -> Any:
    from . import timing

    if not line.strip():
        raise UsageError("%time needs a statement, e.g. %time sum(range(10**6))")
    return timing.run_and_time(line, "<timed exec>", local_ns)


def _timeit(line: str, local_ns: Namespace | None) -> TimeitResult | None:
    from . import timing

    return timing.timeit_magic(line, local_ns=local_ns)


def _who(line: str, local_ns: Namespace | None) -> None:
    wanted = set(line.split())
    names = sorted(
        name
        for name in _user_names()
        if not wanted or type(state.get_namespace()[name]).__name__ in wanted
    )
    if not names:
        print("Interactive namespace is empty.")
        return None
    print("\t".join(names))
    return None


def _whos(line: str, local_ns: Namespace | None) -> None:
    wanted = set(line.split())
    rows = []
    for name in sorted(_user_names()):
        value = state.get_namespace()[name]
        kind = type(value).__name__
        if wanted and kind not in wanted:
            continue
        if isinstance(value, (list, tuple, dict, set, frozenset, str)) and kind != "str":
            info = "n=%d" % len(value)
        else:
            try:
                info = repr(value) if kind != "module" else "<module '%s'>" % value.__name__
            except Exception:
                info = "<repr failed>"
        info = info.replace("\n", " ")
        if len(info) > 60:
            info = info[:57] + "..."
        rows.append((name, kind, info))
    if not rows:
        print("Interactive namespace is empty.")
        return None
    width_name = max(8, max(len(r[0]) for r in rows)) + 3
    width_kind = max(4, max(len(r[1]) for r in rows)) + 3
    print("Variable".ljust(width_name) + "Type".ljust(width_kind) + "Data/Info")
    print("-" * (width_name + width_kind + 9))
    for name, kind, info in rows:
        print(name.ljust(width_name) + kind.ljust(width_kind) + info)
    return None


def _pwd(line: str, local_ns: Namespace | None) -> str:
    return os.getcwd()


_previous_dirs: list[str] = []


def _cd(line: str, local_ns: Namespace | None) -> None:
    arg = line.strip()
    quiet = False
    if arg.startswith("-q ") or arg == "-q":
        quiet, arg = True, arg[2:].strip()
    if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "'\"":
        arg = arg[1:-1]
    if arg == "-":
        if not _previous_dirs:
            raise UsageError("%cd -: there is no previous directory")
        target = _previous_dirs[-1]
    else:
        target = os.path.expanduser(os.path.expandvars(arg)) if arg else os.path.expanduser("~")
    old = os.getcwd()
    try:
        os.chdir(target)
    except OSError as exc:
        raise UsageError("%%cd %s: %s" % (arg, exc.strerror or exc)) from None
    _previous_dirs.append(old)
    os.environ["OLDPWD"], os.environ["PWD"] = old, os.getcwd()
    if not quiet:
        print(os.getcwd())
    return None


_SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASS", "CREDENTIAL", "AUTH")


def _env(line: str, local_ns: Namespace | None) -> dict[str, str] | str | None:
    arg = line.strip()
    if not arg:
        # Like IPython 8: values that look like secrets are hidden from the listing.
        return {
            k: ("<hidden>" if any(w in k.upper() for w in _SECRET_WORDS) else v)
            for k, v in os.environ.items()
        }
    if "=" in arg:
        name, value = arg.split("=", 1)
    elif " " in arg:
        name, value = arg.split(None, 1)
    else:
        if arg not in os.environ:
            raise UsageError("Environment does not have key: %s" % arg)
        return os.environ[arg]
    name, value = name.strip(), value.strip()
    if not name:
        raise UsageError("%env: expected NAME=VALUE")
    os.environ[name] = value
    print("env: %s=%s" % (name, value))
    return None


def _matplotlib(line: str, local_ns: Namespace | None) -> None:
    from . import mpl_support

    return mpl_support.magic(line.strip())


def _config(line: str, local_ns: Namespace | None) -> None:
    from . import mpl_support

    return mpl_support.config_magic(line.strip())


def _lsmagic(line: str, local_ns: Namespace | None) -> None:
    print("Line magics: " + " ".join("%" + name for name in sorted(LINE_MAGICS)))
    print("Cell magics: " + " ".join("%%" + name for name in sorted(CELL_MAGICS)))
    print("Handled by the kernel: " + " ".join("%" + name for name in KERNEL_MAGICS))
    return None


def _reset(line: str, local_ns: Namespace | None) -> None:
    keep = {"__name__", "__builtins__", "__doc__", "__loader__", "__spec__", "__package__"}
    ns = state.get_namespace()
    for name in list(ns):
        if name not in keep:
            del ns[name]
    ns["In"], ns["Out"] = [""], {}
    if "-f" not in line.split():
        print("Namespace cleared.")
    return None


def _run(line: str, local_ns: Namespace | None) -> None:
    import runpy
    import shlex

    args = shlex.split(line)
    if not args:
        raise UsageError("%run needs a file name: %run script.py [args]")
    path = os.path.expanduser(args[0])
    if not os.path.exists(path) and os.path.exists(path + ".py"):
        path += ".py"
    if not os.path.exists(path):
        raise UsageError("%%run: file not found: %s" % args[0])
    saved_argv = sys.argv
    sys.argv = [path] + args[1:]
    try:
        result = runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = saved_argv
    # As IPython: the script's globals land in the notebook's namespace afterwards.
    state.get_namespace().update({k: v for k, v in result.items() if not k.startswith("__")})
    return None


def _load_ext(line: str, local_ns: Namespace | None) -> None:
    name = line.strip()
    if name == "autoreload":
        from . import autoreload

        autoreload.enable(0)
        return None
    raise UsageError(
        "%%load_ext %s: Luci does not load IPython extensions (only autoreload is supported)" % name
    )


def _autoreload(line: str, local_ns: Namespace | None) -> None:
    from . import autoreload

    return autoreload.magic(line.strip())


def _alias(program: str) -> LineMagic:
    def run_alias(line: str, local_ns: Namespace | None) -> None:
        shell.run(program + (" " + line if line.strip() else ""), local_ns=local_ns)

    run_alias.__doc__ = "Run `%s` in the shell." % program
    return run_alias


# ----------------------------------------------------------------------------- cell magics


def _cell_time(line: str, body: str) -> Any:
    from . import timing
    from .transform import transform_cell

    return timing.run_and_time(transform_cell(body), "<timed exec>")


def _cell_timeit(line: str, body: str) -> TimeitResult | None:
    from . import timing

    return timing.timeit_magic(line, body=body)


def _writefile(line: str, body: str) -> None:
    import shlex

    args = shlex.split(line)
    append = False
    if args and args[0] in ("-a", "--append"):
        append, args = True, args[1:]
    if len(args) != 1:
        raise UsageError("usage: %%writefile [-a] FILENAME")
    path = os.path.expanduser(args[0])
    if append:
        print("Appending to %s" % args[0])
    else:
        print("%s %s" % ("Overwriting" if os.path.exists(path) else "Writing", args[0]))
    with open(path, "a" if append else "w", encoding="utf-8") as handle:
        handle.write(body if body.endswith("\n") or not body else body + "\n")
    return None


def _script(program: str) -> CellMagic:
    def run_script(line: str, body: str) -> None:
        shell.run_script(program, body)

    return run_script


def _cell_script(line: str, body: str) -> None:
    import shlex

    argv = shlex.split(line)
    if not argv:
        raise UsageError("usage: %%script PROGRAM [ARGS]  (e.g. %%script python3)")
    shell.run_script(argv, body)


def _show_as(mime: str) -> CellMagic:
    def show(line: str, body: str) -> None:
        from .displays import publish_display_data

        publish_display_data({mime: body, "text/plain": body})

    return show


def _capture(line: str, body: str) -> None:
    from . import capture

    return capture.run(line, body)


# ----------------------------------------------------------------------------- the registry

LINE_MAGICS: dict[str, LineMagic] = {
    "time": _time,
    "timeit": _timeit,
    "who": _who,
    "whos": _whos,
    "pwd": _pwd,
    "cd": _cd,
    "env": _env,
    "matplotlib": _matplotlib,
    "config": _config,
    "lsmagic": _lsmagic,
    "reset": _reset,
    "run": _run,
    "load_ext": _load_ext,
    "autoreload": _autoreload,
    "ls": _alias("ls"),
    "cat": _alias("cat"),
    "cp": _alias("cp"),
    "mv": _alias("mv"),
    "rm": _alias("rm"),
    "mkdir": _alias("mkdir"),
    "rmdir": _alias("rmdir"),
}

CELL_MAGICS: dict[str, CellMagic] = {
    "time": _cell_time,
    "timeit": _cell_timeit,
    "writefile": _writefile,
    "bash": _script("bash"),
    "sh": _script("sh"),
    "script": _cell_script,
    "capture": _capture,
    "html": _show_as("text/html"),
    "markdown": _show_as("text/markdown"),
    "latex": _show_as("text/latex"),
    "svg": _show_as("image/svg+xml"),
    "javascript": _show_as("application/javascript"),
    "js": _show_as("application/javascript"),
    # "python" is handled by execution.py: the rest of the cell runs as Python.
}

# Magics whose arguments are code (or the kernel's own syntax), so `$x` / `{x}` must not be
# expanded in them.
_NO_EXPANSION = {"time", "timeit", "luci"}


def kernel_magic(name: str, args: str) -> None:
    """%pip / %luci: the kernel runs it; None when it went well, else UsageError(its error)."""
    from .stdin import ask_kernel

    reply = ask_kernel("kernel_request", "kernel_reply", {"name": name, "args": args})
    if not reply.get("ok"):
        raise UsageError(str(reply.get("error") or "%%%s failed" % name))
    return None


# `!pip ARGS`, `!pip3 ARGS`, `!python -m pip ARGS`, `!python3 -m pip ARGS`,
# `!{sys.executable} -m pip ARGS` (also quoted): the pip of the notebook's environment.
_PIP_RE = re.compile(
    r"\s*(?:pip3?(?:\.\d+)?|(?:python3?(?:\.\d+)?|\{sys\.executable\}"
    r"|[\"']\{sys\.executable\}[\"'])\s+-m\s+pip)(?:\s+(.*?))?\s*\Z",
    re.S,
)
# Redirections models add to keep pip quiet; harmless to drop when the kernel runs pip.
_QUIET_RE = re.compile(r"(?:\A|\s+)(?:[12&]?>>?\s*/dev/null|2>&1|>&\s*/dev/null)\s*\Z")


def pip_command(command: str) -> str | None:
    """ARGS if a shell line is pip run the ways models write it (and nothing else), else None.

    Lines with pipes, `&&`, `;` or redirections other than to /dev/null stay shell commands.
    """
    if "pip" not in command:
        return None
    match = _PIP_RE.match(command)
    if not match:
        return None
    args = match.group(1) or ""
    while True:
        quiet = _QUIET_RE.search(args)
        if not quiet:
            break
        args = args[: quiet.start()]
    import shlex

    lexer = shlex.shlex(args, posix=True, punctuation_chars=True)
    lexer.commenters = ""
    try:
        if any(token and all(ch in "();<>|&" for ch in token) for token in lexer):
            return None
    except ValueError:  # unbalanced quotes: let the shell say so
        return None
    if "`" in args or "$(" in args:
        return None
    return args.strip()


def caller_locals(depth: int) -> Namespace | None:
    """Locals of the frame `depth` levels above our caller (None at a cell's top level)."""
    frame = sys._getframe(depth + 1)
    return frame.f_locals if frame.f_locals is not frame.f_globals else None


def run_line_magic(name: str, line: str, depth: int = 1) -> Any:
    """What `%name line` calls (via builtins.__luci_magic__, see main.py); depth: how many
    frames up the user's code is."""
    local_ns = caller_locals(depth)
    if name in KERNEL_MAGICS:
        if name not in _NO_EXPANSION:
            line = shell.expand(line, local_ns)
        return kernel_magic(name, line.strip())
    magic = LINE_MAGICS.get(name)
    if magic is None:
        if name in CELL_MAGICS or name == "python":
            raise UsageError(
                "%%%s is a cell magic: write %%%%%s on the first line of the cell" % (name, name)
            )
        raise UsageError(
            "Line magic %%%s is not known to Luci. Known magics: %s"
            % (name, ", ".join("%" + n for n in sorted(LINE_MAGICS)))
        )
    if name not in _NO_EXPANSION:
        line = shell.expand(line, local_ns)
    return magic(line, local_ns)


def run_cell_magic(name: str, line: str, body: str) -> Any:
    if name in KERNEL_MAGICS:
        raise UsageError(
            "%%%%%s is not a cell magic: write %%%s ARGS on a line of its own" % (name, name)
        )
    magic = CELL_MAGICS.get(name)
    if magic is None:
        raise UsageError(
            "Cell magic %%%%%s is not known to Luci. Known cell magics: %s"
            % (name, ", ".join("%%" + n for n in sorted(list(CELL_MAGICS) + ["python"])))
        )
    return magic(shell.expand(line), body)

"""Shell commands: `!cmd`, `x = !cmd`, %%bash / %%sh / %%script, and `$var` / `{expr}` expansion.

Commands inherit fd 1 and 2, so their output reaches the kernel like the user's prints
(after a flush of ours, to keep the order). SIGINT goes to the worker only, so when user code
is interrupted we pass the interrupt on to the child and reap it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess

from . import state, streams

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._typing import Namespace

_EXPAND_RE = re.compile(r"\$\$|\{\{|\}\}|\$([A-Za-z_]\w*)|\{([^{}]+)\}")


def expand(text: str, local_ns: Namespace | None = None) -> str:
    """IPython's expansion: $name and {expr} from the user namespace; $$ -> $, {{ -> {.

    Anything that does not resolve stays as written (so `$HOME` reaches the shell).
    """
    if "$" not in text and "{" not in text:
        return text
    namespace = state.namespace if state.namespace is not None else {}

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("$$", "{{", "}}"):
            return token[0]
        try:
            if match.group(1):
                name = match.group(1)
                if local_ns and name in local_ns:
                    return str(local_ns[name])
                if name in namespace:
                    return str(namespace[name])
                return token
            return str(eval(match.group(2), namespace, local_ns))
        except Exception:
            return token

    return _EXPAND_RE.sub(replace, text)


class SList(list[str]):
    """The lines of a captured command (`x = !ls`), with IPython's most used helpers."""

    @property
    def s(self) -> str:
        return " ".join(self)

    @property
    def n(self) -> str:
        return "\n".join(self)

    @property
    def l(self) -> list[str]:  # noqa: E743 - IPython's name
        return list(self)

    def grep(self, pattern: str | re.Pattern[str], prune: bool = False) -> SList:
        regex = re.compile(pattern)
        return SList(line for line in self if bool(regex.search(line)) != prune)


def _shell_executable() -> str | None:
    for candidate in ("/bin/bash", "/usr/bin/bash"):
        if os.path.exists(candidate):
            return candidate
    return None  # /bin/sh


def wait_interruptibly(proc: subprocess.Popen[bytes]) -> int:
    """Wait for proc; on KeyboardInterrupt pass SIGINT on, then kill it if it lingers."""
    try:
        return proc.wait()
    except KeyboardInterrupt:
        for sig, grace in ((signal.SIGINT, 1.0), (signal.SIGKILL, 1.0)):
            try:
                proc.send_signal(sig)
                proc.wait(grace)
                break
            except subprocess.TimeoutExpired:
                continue
            except OSError:
                break
        raise


def run(command: str, capture: bool = False, local_ns: Namespace | None = None) -> SList | None:
    """Run a shell command line: output to fd 1/2, or captured as an SList of lines."""
    command = expand(command, local_ns)
    streams.flush_all()
    stdout = subprocess.PIPE if capture else None
    stderr = subprocess.STDOUT if capture else None
    proc = subprocess.Popen(
        command, shell=True, executable=_shell_executable(), stdout=stdout, stderr=stderr
    )
    result: SList | None
    if capture:
        try:
            out, _ = proc.communicate()
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
            raise
        code = proc.returncode
        result = SList(out.decode("utf-8", "replace").splitlines())
    else:
        code = wait_interruptibly(proc)
        result = None
    if state.namespace is not None:
        state.namespace["_exit_code"] = code
    return result


def run_script(program: str | list[str], body: str) -> None:
    """%%bash / %%sh / %%script PROGRAM: feed the cell body to PROGRAM's stdin."""
    streams.flush_all()
    argv = program if isinstance(program, list) else [program]
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE)
    except FileNotFoundError:
        raise FileNotFoundError("%s: command not found" % argv[0]) from None
    stdin = proc.stdin
    assert stdin is not None  # stdin=PIPE
    try:
        stdin.write(body.encode("utf-8"))
        stdin.close()
    except BrokenPipeError:
        pass
    code = wait_interruptibly(proc)
    if code != 0:
        raise subprocess.CalledProcessError(code, " ".join(argv))

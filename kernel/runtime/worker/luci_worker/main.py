"""The worker's set-up and command loop (PROTOCOL.md).

Start-up imports only what the loop needs; everything else (ast, inspect, pprint, ...) is
imported on first use, so `ready` goes out quickly.
"""

from __future__ import annotations

import builtins
import os
import sys

from . import interrupts, lifecycle, protocol, state, streams

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from ._typing import Command, Content, Namespace

    Query = Callable[[Command], Any]


def _parse_args(argv: list[str]) -> tuple[int, int, str]:
    options = {"--cmd-fd": "3", "--event-fd": "4", "--sync-token": "", "--connect": ""}
    i = 0
    while i < len(argv):
        key = argv[i]
        if "=" in key:
            key, value = key.split("=", 1)
            i += 1
        else:
            value = argv[i + 1] if i + 1 < len(argv) else ""
            i += 2
        if key not in options:
            raise SystemExit("start_worker.py: unknown option %s" % key)
        options[key] = value
    if options["--connect"]:
        return _connect(options["--connect"]) + (options["--sync-token"],)
    return int(options["--cmd-fd"]), int(options["--event-fd"]), options["--sync-token"]


def _connect(path: str) -> tuple[int, int]:
    """Commands and events over one Unix socket (the container executor: no fds 3 and 4 cross
    a container's boundary). Two fds on the socket, so each side can close its own."""
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    fd = sock.detach()
    return fd, os.dup(fd)


def _make_namespace() -> Namespace:
    """A fresh __main__ module whose dict is the user namespace (pickle needs __main__)."""
    module = type(sys)("__main__")
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    return module.__dict__


def _magic(name: str, line: str) -> Any:
    from . import magics

    return magics.run_line_magic(name, line, depth=2)


def _shell(command: str, capture: bool = False) -> Any:
    from . import magics, shell

    local_ns = magics.caller_locals(1)
    if not capture:
        pip_args = magics.pip_command(command)
        if pip_args is not None:  # `!pip install x` & co: the kernel installs (PROTOCOL.md)
            return magics.kernel_magic("pip", shell.expand(pip_args, local_ns))
    return shell.run(command, capture=capture, local_ns=local_ns)


def _install_builtins() -> None:
    from . import displays, stdin

    # Through setattr: builtins has no such attributes for the type checker.
    setattr(builtins, "display", displays.display)  # noqa: B010
    # What transform.py turns `%magic` and `!cmd` lines into. Dunder names: hidden from
    # completion and never mangled inside class bodies.
    setattr(builtins, "__luci_magic__", _magic)  # noqa: B010
    setattr(builtins, "__luci_shell__", _shell)  # noqa: B010
    stdin.install()


def _reply(cmd_id: object, content: Content) -> None:
    state.get_events().send({"ev": "reply", "id": cmd_id, "content": content})


def _error_content(ename: str, evalue: str) -> Content:
    return {"status": "error", "ename": ename, "evalue": evalue, "traceback": []}


def _query_function(op: object) -> Query | None:
    """The function answering a query command (imported here, outside the interruptible part,
    so that an interrupt never cuts one of our imports in half), or None."""
    if op == "complete":
        from .completion import complete

        return lambda cmd: complete(
            str(cmd.get("code", "")), int(cmd.get("cursor_pos", 0)), state.get_namespace()
        )
    if op == "inspect":
        from .inspection import inspect_reply

        return lambda cmd: inspect_reply(
            str(cmd.get("code", "")),
            int(cmd.get("cursor_pos", 0)),
            int(cmd.get("detail_level", 0) or 0),
            state.get_namespace(),
        )
    if op == "is_complete":
        from .completeness import is_complete

        return lambda cmd: is_complete(str(cmd.get("code", "")))
    if op == "validate":
        from .validation import validate_command

        return lambda cmd: validate_command(cmd, state.namespace)
    if op == "namespace":
        from .namespace_summary import namespace_command

        return lambda cmd: namespace_command(cmd, state.namespace)
    return None


def _abandoned(op: object, cmd: Command) -> Content:
    """The empty answer to a query interrupted by SIGINT."""
    if op == "complete":
        try:
            cursor_pos = max(0, int(cmd.get("cursor_pos", 0)))
        except (TypeError, ValueError):
            cursor_pos = 0
        return {
            "status": "ok",
            "matches": [],
            "cursor_start": cursor_pos,
            "cursor_end": cursor_pos,
            "metadata": {},
        }
    if op == "inspect":
        return {"status": "ok", "found": False, "data": {}, "metadata": {}}
    if op == "namespace":
        return {"status": "ok", "names": [], "truncated": True}
    return {"status": "unknown"}


def _answer(op: object, cmd: Command, function: Query) -> Content:
    """Run a query; SIGINT meanwhile (the kernel gave up waiting) gives the empty answer."""
    content: Content | None = None
    try:
        with interrupts.query:
            content = function(cmd)
    except KeyboardInterrupt:
        content = None
    except Exception as exc:  # a bug of ours must not take the worker down
        content = _error_content(type(exc).__name__, str(exc))
    if content is None or interrupts.query_interrupted():
        # Also when something (user code in a __dir__, say) swallowed the KeyboardInterrupt.
        content = _abandoned(op, cmd)
    return content


def answer_query(cmd: Command) -> None:
    """complete / inspect / is_complete / shutdown / unknown: anything but execute."""
    op = cmd.get("op")
    cmd_id = cmd.get("id")
    if op == "shutdown":
        lifecycle.exit_now(0)
    if op in ("input_reply", "kernel_reply"):
        return  # for a request that was abandoned (interrupted): nobody waits for it
    content: Content
    try:
        function = _query_function(op)
    except Exception as exc:
        function, content = None, _error_content(type(exc).__name__, str(exc))
    else:
        if function is not None:
            content = _answer(op, cmd, function)
        elif op is None and "error" in cmd:
            content = _error_content("BadCommand", cmd["error"])
        else:
            content = _error_content("UnknownCommand", "unknown command op: %r" % (op,))
    _reply(cmd_id, content)


def _execute(cmd: Command) -> None:
    events = state.get_events()
    try:
        done = state.get_executor().execute(cmd)
    except (KeyboardInterrupt, Exception) as exc:
        # An interrupt that hit our own code between two steps, or a bug of ours: report it
        # as the cell's error and keep serving.
        interrupts.leave_user()
        from .tracebacks import format_exception

        ename, evalue, tb = format_exception(exc)
        events.send(
            {"ev": "error", "id": cmd.get("id"), "ename": ename, "evalue": evalue, "traceback": tb},
            sync=True,
        )
        done = {
            "status": "error",
            "ename": ename,
            "evalue": evalue,
            "traceback": tb,
            "user_expressions": {},
            "payload": [],
        }
    event = {"ev": "done", "id": cmd.get("id")}
    event.update(done)
    events.send(event, sync=True)
    interrupts.ensure_installed()


def _comm(cmd: Command) -> None:
    from . import comms

    event = {"ev": "done", "id": cmd.get("id")}
    event.update(comms.handle_command(cmd))
    state.get_events().send(event, sync=True)
    interrupts.ensure_installed()


# Commands that run user code, one at a time (a query is answered even while one waits).
_RUNNING_OPS = ("execute", "comm_open", "comm_msg", "comm_close")


def _next_command() -> Command | None:
    if state.pending_commands:
        return state.pending_commands.pop(0)
    return state.get_commands().read()


def _loop() -> None:
    while True:
        cmd = _next_command()
        if cmd is None:
            lifecycle.exit_now(0)  # the kernel closed our command pipe
        try:
            op = cmd.get("op")
            if op == "execute":
                _execute(cmd)
            elif op in _RUNNING_OPS:
                _comm(cmd)
            else:
                answer_query(cmd)
        except KeyboardInterrupt:
            interrupts.leave_user()  # a stray interrupt in our own code: keep serving


def _ready_line() -> bytes:
    return (
        '{"ev":"ready","python":"%d.%d.%d","executable":%s,"pid":%d}\n'
        % (
            sys.version_info[0],
            sys.version_info[1],
            sys.version_info[2],
            protocol.json_string(sys.executable or ""),
            os.getpid(),
        )
    ).encode("ascii")


def _finish_setup() -> None:
    """What the first command needs: imported after `ready` is sent (it costs ~10 ms)."""
    namespace = state.namespace = _make_namespace()
    from .execution import Executor

    state.executor = Executor(namespace)
    from . import hooks

    hooks.set_query_answerer(answer_query)  # stdin.py answers queries while input() waits
    _install_builtins()
    from . import import_hooks

    import_hooks.install()


def main(argv: list[str]) -> None:
    cmd_fd, event_fd, token = _parse_args(argv)
    sys.argv = sys.argv[:1]  # user code (argparse) must not see our options
    streams.setup()
    events = state.events = protocol.EventWriter(event_fd, token)
    state.commands = protocol.CommandReader(cmd_fd)
    interrupts.install()
    lifecycle.start()
    # `ready` first: the kernel can go on while we import the rest; commands it sends
    # meanwhile wait in the pipe.
    events.send_line(_ready_line())
    _finish_setup()
    _loop()

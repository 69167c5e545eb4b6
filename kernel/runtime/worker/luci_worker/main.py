"""The worker's set-up and command loop (PROTOCOL.md).

Start-up imports only what the loop needs; everything else (ast, inspect, pprint, ...) is
imported on first use, so `ready` goes out quickly.
"""

import builtins
import os
import sys

from . import interrupts, lifecycle, protocol, state, streams


def _parse_args(argv):
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


def _connect(path):
    """Commands and events over one Unix socket (the container executor: no fds 3 and 4 cross
    a container's boundary). Two fds on the socket, so each side can close its own."""
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    fd = sock.detach()
    return fd, os.dup(fd)


def _make_namespace():
    """A fresh __main__ module whose dict is the user namespace (pickle needs __main__)."""
    module = type(sys)("__main__")
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    return module.__dict__


def _magic(name, line):
    from . import magics

    return magics.run_line_magic(name, line, depth=2)


def _shell(command, capture=False):
    from . import magics, shell

    local_ns = magics.caller_locals(1)
    if not capture:
        pip_args = magics.pip_command(command)
        if pip_args is not None:  # `!pip install x` & co: the kernel installs (PROTOCOL.md)
            return magics.kernel_magic("pip", shell.expand(pip_args, local_ns))
    return shell.run(command, capture=capture, local_ns=local_ns)


def _install_builtins():
    from . import displays, stdin

    builtins.display = displays.display
    # What transform.py turns `%magic` and `!cmd` lines into. Dunder names: hidden from
    # completion and never mangled inside class bodies.
    builtins.__luci_magic__ = _magic
    builtins.__luci_shell__ = _shell
    stdin.install()


def _reply(cmd_id, content):
    state.events.send({"ev": "reply", "id": cmd_id, "content": content})


def _error_content(ename, evalue):
    return {"status": "error", "ename": ename, "evalue": evalue, "traceback": []}


def _query_function(op):
    """The function answering a query command (imported here, outside the interruptible part,
    so that an interrupt never cuts one of our imports in half), or None."""
    if op == "complete":
        from .completion import complete

        return lambda cmd: complete(
            str(cmd.get("code", "")), int(cmd.get("cursor_pos", 0)), state.namespace
        )
    if op == "inspect":
        from .inspection import inspect_reply

        return lambda cmd: inspect_reply(
            str(cmd.get("code", "")),
            int(cmd.get("cursor_pos", 0)),
            int(cmd.get("detail_level", 0) or 0),
            state.namespace,
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


def _abandoned(op, cmd):
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


def _answer(op, cmd, function):
    """Run a query; SIGINT meanwhile (the kernel gave up waiting) gives the empty answer."""
    content = None
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


def answer_query(cmd):
    """complete / inspect / is_complete / shutdown / unknown: anything but execute."""
    op = cmd.get("op")
    cmd_id = cmd.get("id")
    if op == "shutdown":
        lifecycle.exit_now(0)
    if op in ("input_reply", "kernel_reply"):
        return  # for a request that was abandoned (interrupted): nobody waits for it
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


def _execute(cmd):
    try:
        done = state.executor.execute(cmd)
    except (KeyboardInterrupt, Exception) as exc:
        # An interrupt that hit our own code between two steps, or a bug of ours: report it
        # as the cell's error and keep serving.
        interrupts.leave_user()
        from .tracebacks import format_exception

        ename, evalue, tb = format_exception(exc)
        state.events.send(
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
    state.events.send(event, sync=True)
    interrupts.ensure_installed()


def _next_command():
    if state.pending_commands:
        return state.pending_commands.pop(0)
    return state.commands.read()


def _loop():
    while True:
        cmd = _next_command()
        if cmd is None:
            lifecycle.exit_now(0)  # the kernel closed our command pipe
        try:
            if cmd.get("op") == "execute":
                _execute(cmd)
            else:
                answer_query(cmd)
        except KeyboardInterrupt:
            interrupts.leave_user()  # a stray interrupt in our own code: keep serving


def _ready_line():
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


def _finish_setup():
    """What the first command needs: imported after `ready` is sent (it costs ~10 ms)."""
    state.namespace = _make_namespace()
    from .execution import Executor

    state.executor = Executor(state.namespace)
    _install_builtins()
    from . import import_hooks

    import_hooks.install()


def main(argv):
    cmd_fd, event_fd, token = _parse_args(argv)
    sys.argv = sys.argv[:1]  # user code (argparse) must not see our options
    streams.setup()
    state.events = protocol.EventWriter(event_fd, token)
    state.commands = protocol.CommandReader(cmd_fd)
    state.answer_query = answer_query
    interrupts.install()
    lifecycle.start()
    # `ready` first: the kernel can go on while we import the rest; commands it sends
    # meanwhile wait in the pipe.
    state.events.send_line(_ready_line())
    _finish_setup()
    _loop()

"""input() and getpass.getpass() through the kernel (fd 0 is /dev/null).

With allow_stdin the worker sends an input_request event (after a sync marker, so the prompt
comes after earlier output) and reads commands until the matching input_reply; queries that
arrive meanwhile (complete, inspect, ...) are answered at once. ask_kernel is the same wait for
the kernel magics (%pip, %luci: magics.py). Without allow_stdin (nbconvert,
papermill) a clear StdinNotImplementedError is raised.
"""

from __future__ import annotations

import builtins

from . import hooks, interrupts, lifecycle, state

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any, TextIO

    from ._typing import Command


class StdinNotImplementedError(NotImplementedError):
    """input() was called but the client cannot answer (IPython's name for this error)."""


_MESSAGE = (
    "%s was called, but this client does not accept input (nbconvert and papermill run "
    "notebooks without it). Put the value in the code instead."
)

_next_request_id = 0

# The commands that answer a request of ours (input_request, kernel_request).
REPLY_OPS = ("input_reply", "kernel_reply")


def ask_kernel(event_name: str, reply_op: str, fields: dict[str, Any]) -> Command:
    """Send a request event to the kernel and block until its reply command; return that.

    The one mechanism for "the worker asks the kernel and waits" (input(), %pip / %luci): the
    request gets a fresh id (the worker's own counter) and the execute's id, goes out after a
    sync marker (so earlier output comes first), and commands are read until the reply with
    that id. Replies to abandoned requests are ignored, queries are answered meanwhile, an
    execute is queued for after the cell, and SIGINT raises KeyboardInterrupt here (user code
    is running).
    """
    global _next_request_id
    _next_request_id += 1
    request_id = _next_request_id
    event = {"ev": event_name, "id": request_id, "exec_id": state.exec_id}
    event.update(fields)
    state.get_events().send(event, sync=True)
    commands = state.get_commands()
    while True:
        cmd = commands.read()
        if cmd is None:
            lifecycle.exit_now(0)
        op = cmd.get("op")
        if op in REPLY_OPS:
            if op == reply_op and cmd.get("id") == request_id:
                return cmd
            continue  # a late reply to an abandoned request
        if op in ("execute", "comm_open", "comm_msg", "comm_close"):
            state.pending_commands.append(cmd)  # runs after this cell
            continue
        # A query is answered at once, and its reply always sent. SIGINT during its
        # computation abandons that query only (main.answer_query); one at any other moment
        # of this wait interrupts the cell (after the reply).
        with interrupts.protected:
            hooks.answer_query(cmd)


def request_input(prompt: object, password: bool, caller: str) -> str:
    if not state.allow_stdin or state.events is None:
        raise StdinNotImplementedError(_MESSAGE % caller)
    reply = ask_kernel(
        "input_request", "input_reply", {"prompt": str(prompt), "password": bool(password)}
    )
    if reply.get("error"):
        raise StdinNotImplementedError(str(reply["error"]))
    value = reply.get("value")
    return "" if value is None else str(value)


def input(prompt: object = "") -> str:
    """Read a line from the notebook user (replaces builtins.input)."""
    return request_input(prompt, False, "input()")


def getpass(prompt: str = "Password: ", stream: TextIO | None = None) -> str:
    """Read a password from the notebook user (replaces getpass.getpass)."""
    return request_input(prompt, True, "getpass()")


def patch_getpass_module(module: ModuleType) -> None:
    module.getpass = getpass  # type: ignore[attr-defined]


def install() -> None:
    builtins.input = input

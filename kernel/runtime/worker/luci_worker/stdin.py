"""input() and getpass.getpass() through the kernel (fd 0 is /dev/null).

With allow_stdin the worker sends an input_request event (after a sync marker, so the prompt
comes after earlier output) and reads commands until the matching input_reply; queries that
arrive meanwhile (complete, inspect, ...) are answered at once. Without allow_stdin (nbconvert,
papermill) a clear StdinNotImplementedError is raised.
"""
import builtins

from . import interrupts, lifecycle, state


class StdinNotImplementedError(NotImplementedError):
    """input() was called but the client cannot answer (IPython's name for this error)."""


_MESSAGE = ("%s was called, but this client does not accept input (nbconvert and papermill run "
            "notebooks without it). Put the value in the code instead.")

_next_request_id = 0


def request_input(prompt, password, caller):
    global _next_request_id
    if not state.allow_stdin or state.events is None:
        raise StdinNotImplementedError(_MESSAGE % caller)
    _next_request_id += 1
    request_id = _next_request_id
    state.events.send({"ev": "input_request", "id": request_id, "exec_id": state.exec_id,
                       "prompt": str(prompt), "password": bool(password)}, sync=True)
    while True:
        # Interruptible: SIGINT here is the user giving up on the prompt -> KeyboardInterrupt.
        cmd = state.commands.read()
        if cmd is None:
            lifecycle.exit_now(0)
        op = cmd.get("op")
        if op == "input_reply":
            if cmd.get("id") == request_id:
                value = cmd.get("value")
                return "" if value is None else str(value)
            continue  # a late reply to an abandoned prompt
        if op == "execute":
            state.pending_commands.append(cmd)  # runs after this cell
            continue
        with interrupts.protected:
            state.answer_query(cmd)


def input(prompt=""):
    """Read a line from the notebook user (replaces builtins.input)."""
    return request_input(prompt, False, "input()")


def getpass(prompt="Password: ", stream=None):
    """Read a password from the notebook user (replaces getpass.getpass)."""
    return request_input(prompt, True, "getpass()")


def patch_getpass_module(module):
    module.getpass = getpass


def install():
    builtins.input = input

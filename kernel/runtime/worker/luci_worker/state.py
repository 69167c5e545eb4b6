"""Process-wide state shared by the worker's modules (there is exactly one of everything).

Kept as plain module attributes so that any module can read them without import cycles.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._typing import Command, Namespace
    from .execution import Executor
    from .protocol import CommandReader, EventWriter

# Set by main before the first command is read (None only while the worker starts).
events: EventWriter | None = None  # fd 4
commands: CommandReader | None = None  # fd 3
namespace: Namespace | None = None  # the user namespace: sys.modules['__main__'].__dict__
executor: Executor | None = None

# The execute request being run (or the last one: late displays from threads use it).
exec_id: object = None
silent = False
allow_stdin = False
execution_count = 0
# The Jupyter request being run (the execute_request, or a client's comm message), as
# get_ipython().kernel.get_parent() answers it (kernel_shell.py): "" before the first.
msg_id = ""
msg_type = ""

# Commands read while waiting for an input_reply that must run after the current cell.
pending_commands: list[Command] = []


# The same, for the code that runs once main has set them up (every command handler does).


def get_events() -> EventWriter:
    if events is None:
        raise RuntimeError("the worker's event pipe is not set up")
    return events


def get_commands() -> CommandReader:
    if commands is None:
        raise RuntimeError("the worker's command pipe is not set up")
    return commands


def get_namespace() -> Namespace:
    if namespace is None:
        raise RuntimeError("the user namespace is not set up")
    return namespace


def get_executor() -> Executor:
    if executor is None:
        raise RuntimeError("the executor is not set up")
    return executor

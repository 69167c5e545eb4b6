"""Jupyter comms in the worker (PROTOCOL.md "Comms"): what ipywidgets talks through.

A comm is a channel between an object in Python and one in the frontend, named by a comm_id
and opened to a target. This module is the worker's comm manager and comm class, with the API
of the `comm` package (`comm.create_comm`, `comm.get_comm_manager`, `BaseComm`,
`CommManager`), which import_hooks.py installs over that package when notebook code imports
it (ipywidgets 8 does). Python's comm messages leave as `comm` events (buffers base64); the
kernel publishes them on iopub. A client's comm_open / comm_msg / comm_close arrive as
commands and run like a cell (handle_command): output goes to the kernel with the comm message
as parent, an interrupt raises KeyboardInterrupt in the handler, and `done` ends it.

Loaded only when something uses comms: the worker's start does not import it.
"""

from __future__ import annotations

import binascii
import os

from . import interrupts, state

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

    from ._typing import Command, Content

    Message = dict[str, Any]
    MessageCallback = Callable[[Message], None]
    TargetCallback = Callable[["Comm", Message], None]
    Buffers = Optional[list[Any]]
    MaybeDict = Optional[dict[str, Any]]


def _encode_buffers(buffers: Buffers) -> list[str]:
    """Binary frames as base64 text (bytes, bytearray, memoryview or any buffer, numpy's too)."""
    encoded = []
    for buffer in buffers or ():
        data = memoryview(buffer).tobytes()
        encoded.append(binascii.b2a_base64(data, newline=False).decode("ascii"))
    return encoded


def _decode_buffers(encoded: object) -> list[memoryview]:
    """The base64 buffers of a command as memoryviews (jupyter_client gives handlers those)."""
    if not isinstance(encoded, list):
        return []
    return [memoryview(binascii.a2b_base64(str(text))) for text in encoded]


def publish(
    msg_type: str,
    comm_id: str,
    data: MaybeDict = None,
    metadata: MaybeDict = None,
    buffers: Buffers = None,
    **fields: Any,
) -> None:
    """Send one comm message to the kernel (after a sync marker: it keeps its place among the
    output printed before it)."""
    events = state.events
    if events is None:
        return
    content: dict[str, Any] = {"comm_id": comm_id, "data": {} if data is None else data}
    content.update(fields)
    event: dict[str, Any] = {
        "ev": "comm",
        "id": state.exec_id,
        "msg_type": msg_type,
        "content": content,
    }
    if metadata:
        event["metadata"] = metadata
    if buffers:
        event["buffers"] = _encode_buffers(buffers)
    events.send(event, sync=True)


class Comm:
    """One comm (the `comm` package's BaseComm API: open, send, close, on_msg, on_close).

    `primary` comms are opened by Python (comm_open goes to the frontend); the others were
    opened by a client and are open already.
    """

    def __init__(
        self,
        target_name: str = "comm",
        data: MaybeDict = None,
        metadata: MaybeDict = None,
        buffers: Buffers = None,
        comm_id: str | None = None,
        primary: bool = True,
        target_module: str | None = None,
        topic: bytes | None = None,
        _open_data: MaybeDict = None,
        _close_data: MaybeDict = None,
        **kwargs: Any,
    ) -> None:
        self.comm_id = comm_id or os.urandom(16).hex()
        self.primary = primary
        self.target_name = target_name
        self.target_module = target_module
        self.topic = topic or ("comm-%s" % self.comm_id).encode("ascii")
        self._open_data = _open_data or {}
        self._close_data = _close_data or {}
        self._msg_callback: MessageCallback | None = None
        self._close_callback: MessageCallback | None = None
        self._closed = True
        if primary:
            self.open(data=data, metadata=metadata, buffers=buffers)
        else:
            self._closed = False

    def publish_msg(
        self,
        msg_type: str,
        data: MaybeDict = None,
        metadata: MaybeDict = None,
        buffers: Buffers = None,
        **keys: Any,
    ) -> None:
        publish(msg_type, self.comm_id, data, metadata, buffers, **keys)

    def open(
        self, data: MaybeDict = None, metadata: MaybeDict = None, buffers: Buffers = None
    ) -> None:
        """Open the frontend's side of this comm."""
        manager = get_comm_manager()
        manager.register_comm(self)
        try:
            self.publish_msg(
                "comm_open",
                data=self._open_data if data is None else data,
                metadata=metadata,
                buffers=buffers,
                target_name=self.target_name,
                target_module=self.target_module,
            )
            self._closed = False
        except BaseException:
            manager.unregister_comm(self)
            raise

    def close(
        self,
        data: MaybeDict = None,
        metadata: MaybeDict = None,
        buffers: Buffers = None,
        deleting: bool = False,
    ) -> None:
        """Close the frontend's side of this comm (once)."""
        if self._closed:
            return
        self._closed = True
        self.publish_msg(
            "comm_close",
            data=self._close_data if data is None else data,
            metadata=metadata,
            buffers=buffers,
        )
        if not deleting:
            get_comm_manager().unregister_comm(self)

    def send(
        self, data: MaybeDict = None, metadata: MaybeDict = None, buffers: Buffers = None
    ) -> None:
        """Send a message to the frontend's side of this comm."""
        self.publish_msg("comm_msg", data=data, metadata=metadata, buffers=buffers)

    def __del__(self) -> None:
        try:
            self.close(deleting=True)
        except Exception:
            pass  # during interpreter teardown anything may be gone

    def on_msg(self, callback: MessageCallback | None) -> None:
        """Call callback(msg) for each comm_msg from the frontend (None: stop)."""
        self._msg_callback = callback

    def on_close(self, callback: MessageCallback | None) -> None:
        """Call callback(msg) when the frontend closes the comm (None: stop)."""
        self._close_callback = callback

    def handle_msg(self, msg: Message) -> None:
        if self._msg_callback is not None:
            self._msg_callback(msg)

    def handle_close(self, msg: Message) -> None:
        if self._close_callback is not None:
            self._close_callback(msg)


class CommManager:
    """The worker's one comm manager (the `comm` package's CommManager API)."""

    def __init__(self) -> None:
        self.comms: dict[str, Comm] = {}
        self.targets: dict[str, TargetCallback] = {}

    def register_target(self, target_name: str, f: TargetCallback | str) -> None:
        """Call f(comm, msg) when a client opens a comm to target_name (f may be "module.name")."""
        callback: Any = f
        if isinstance(f, str):
            module_name, _, name = f.rpartition(".")
            if module_name:
                callback = getattr(__import__(module_name, fromlist=[name]), name)
            else:
                callback = __import__(name)
        self.targets[target_name] = callback

    def unregister_target(self, target_name: str, f: object = None) -> TargetCallback:
        return self.targets.pop(target_name)

    def register_comm(self, comm: Comm) -> str:
        self.comms[comm.comm_id] = comm
        return comm.comm_id

    def unregister_comm(self, comm: Comm) -> None:
        self.comms.pop(comm.comm_id, None)

    def get_comm(self, comm_id: str) -> Comm | None:
        return self.comms.get(comm_id)

    # The client's messages (handle_command calls these with the message as a dict).

    def comm_open(self, msg: Message) -> None:
        content = msg["content"]
        target_name = content.get("target_name", "")
        comm = create_comm(comm_id=content["comm_id"], primary=False, target_name=target_name)
        self.register_comm(comm)
        target = self.targets.get(target_name)
        if target is None:
            _warn("no comm target %r is registered in Python: the comm is closed" % target_name)
            comm.close()
            return
        try:
            target(comm, msg)
        except BaseException:
            comm.close()  # the frontend must not keep a comm nothing answers
            raise

    def comm_msg(self, msg: Message) -> None:
        comm = self.get_comm(msg["content"]["comm_id"])
        if comm is not None:
            comm.handle_msg(msg)

    def comm_close(self, msg: Message) -> None:
        comm = self.comms.pop(msg["content"]["comm_id"], None)
        if comm is None:
            return
        comm._closed = True
        comm.handle_close(msg)


def _warn(text: str) -> None:
    import sys

    try:
        sys.stderr.write("Luci: %s\n" % text)
    except Exception:
        pass


_manager: CommManager | None = None
# The class create_comm makes: Comm, or (once the `comm` package is imported) a subclass that is
# also that package's BaseComm, so that isinstance checks against it hold.
comm_class: type[Comm] = Comm


def get_comm_manager() -> CommManager:
    global _manager
    if _manager is None:
        _manager = CommManager()
    return _manager


def create_comm(*args: Any, **kwargs: Any) -> Comm:
    return comm_class(*args, **kwargs)


def install_into_comm_package(module: Any) -> None:
    """Post-import hook of `comm` (import_hooks.py): its create_comm and get_comm_manager
    become ours, so ipywidgets' widgets open their comms through the kernel."""
    global comm_class
    base = getattr(module, "BaseComm", None)
    if isinstance(base, type) and not issubclass(Comm, base):
        comm_class = type("Comm", (Comm, base), {"__module__": __name__})
    module.create_comm = create_comm
    module.get_comm_manager = get_comm_manager
    module._comm_manager = get_comm_manager()


def patch_interaction(module: Any) -> None:
    """Post-import hook of `ipywidgets.widgets.interaction`: `interact` shows the figures its
    function left open inside its Output widget through show_inline_matplotlib_plots(), which
    knows only ipykernel's inline backends; it now shows ours too (mpl_support.py)."""
    original = getattr(module, "show_inline_matplotlib_plots", None)

    def show_inline_matplotlib_plots() -> None:
        if original is not None:
            original()
        import sys

        if "matplotlib.pyplot" in sys.modules:
            from . import mpl_support

            mpl_support.flush_figures()

    module.show_inline_matplotlib_plots = show_inline_matplotlib_plots


def handle_command(cmd: Command) -> Content:
    """Run a client's comm_open / comm_msg / comm_close as user code; return done's fields."""
    op = str(cmd.get("op"))
    state.exec_id = cmd.get("id")
    state.msg_id = str(cmd.get("msg_id") or "")
    state.msg_type = op
    state.silent = False
    state.allow_stdin = False
    content: dict[str, Any] = {
        "comm_id": str(cmd.get("comm_id") or ""),
        "data": cmd.get("data") or {},
    }
    if op == "comm_open":
        content["target_name"] = str(cmd.get("target_name") or "")
    msg: Message = {
        "header": {"msg_id": state.msg_id, "msg_type": op},
        "msg_id": state.msg_id,
        "msg_type": op,
        "parent_header": {},
        "metadata": cmd.get("metadata") or {},
        "content": content,
        "buffers": _decode_buffers(cmd.get("buffers")),
    }
    handler = getattr(get_comm_manager(), op)
    error: BaseException | None = None
    interrupts.enter_user()
    try:
        handler(msg)
    except BaseException as exc:  # the handler's exception (an interrupt too) is reported
        error = exc
    finally:
        interrupts.leave_user()
    done: Content = {"status": "ok", "user_expressions": {}, "payload": []}
    if error is not None:
        from .tracebacks import format_exception

        ename, evalue, tb = format_exception(error)
        state.get_events().send(
            {"ev": "error", "id": state.exec_id, "ename": ename, "evalue": evalue, "traceback": tb},
            sync=True,
        )
        done.update(status="error", ename=ename, evalue=evalue, traceback=tb)
    return done

"""JSON lines over fd 3 (commands in) and fd 4 (events out), and the sync markers on fd 1/2.

See PROTOCOL.md. Reading uses os.read into our own buffer (not a buffered file object) so an
interrupt during a blocking read can never lose part of a line.
"""

from __future__ import annotations

import _thread
import os

from . import interrupts, lifecycle, streams

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._typing import Command, Event

MARKER_START = b"\x00\x1bLUCISYNC"

# The json module, imported on first use: `json` pulls in re and enum, too slow for start-up.
json: Any = None


def _load_json() -> Any:
    global json
    if json is None:
        import json as module

        json = module
    return json


# The real os.write: streams.py wraps os.write to flush our buffers first.
_os_write = getattr(os.write, "__wrapped__", os.write)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = _os_write(fd, view)
        view = view[written:]


def _json_safe(value: object) -> object:
    """Replace what JSON cannot carry (NaN, inf, odd objects) so an event can always be sent."""
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return repr(value)


def encode(event: Event) -> bytes:
    _load_json()
    text: str
    try:
        text = json.dumps(event, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = json.dumps(_json_safe(event), ensure_ascii=True, separators=(",", ":"))
    return text.encode("ascii") + b"\n"


def json_string(text: str) -> str:
    """A JSON string literal without the json module (for the `ready` event)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code > 0xFFFF:
            code -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
        else:
            out.append("\\u%04x" % code)
    return '"' + "".join(out) + '"'


class EventWriter:
    def __init__(self, fd: int, token: str) -> None:
        self.fd = fd
        self._prefix = MARKER_START + token.encode("ascii") + b":"
        self._sync = 0
        self._lock = _thread.RLock()

    def send_line(self, line: bytes) -> None:
        with interrupts.protected, self._lock:
            _write_all(self.fd, line)

    def send(self, event: Event, sync: bool = False) -> None:
        """Write one event; with sync, flush the streams and write a marker on fd 1 and 2 first."""
        with interrupts.protected, self._lock:
            if sync:
                self._sync += 1
                event["sync"] = self._sync
            line = encode(event)
            if sync:
                streams.flush_all()
                marker = self._prefix + str(self._sync).encode("ascii") + b"\x00"
                for fd in (1, 2):
                    try:
                        _write_all(fd, marker)
                    except OSError:
                        pass  # user code closed the fd: the kernel times out on the marker
            try:
                _write_all(self.fd, line)
            except OSError:
                # The kernel is gone: nobody can see anything we do any more.
                lifecycle.end_process_group()
                os._exit(1)


class CommandReader:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buf = bytearray()

    def read(self) -> Command | None:
        """Next command as a dict, or None at EOF. Bad lines become {'op': None, ...}."""
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                if not line.strip():
                    continue
                try:
                    cmd: object = _load_json().loads(line)
                except ValueError as exc:
                    return {"op": None, "error": "bad JSON: %s" % exc}
                if not isinstance(cmd, dict):
                    return {"op": None, "error": "a command must be a JSON object"}
                return cmd
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return None
            self._buf += chunk

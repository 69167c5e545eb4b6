"""Runs a notebook's web app on the port Luci chose (kernel/apps/, README "Web apps").

    PYTHON app_launcher.py PROGRAM.py

The kernel starts this in the notebook's Python with HOST and PORT set (a free port on
loopback). Programs that read HOST and PORT serve there as they are. Programs that bind a
fixed address and port (Flask's ``app.run(host="0.0.0.0", port=5000)``,
``HTTPServer(("", 8000), ...)``) are moved there too: ``socket.socket.bind`` is wrapped so
that the first TCP server port the program binds on a wildcard or loopback address lands on
HOST:PORT. Other ports it binds stay theirs, on loopback only: nothing an app opens listens
beyond this machine. Then the program runs as ``__main__`` (runpy), in the working directory
the kernel gave it, with that directory first on sys.path as for ``python PROGRAM.py`` there.

In a container with no network (the container executor), ``--unix PATH`` also makes the
launcher relay each connection to a Unix socket at PATH (in the folder the kernel shares with
the container) to HOST:PORT, so the kernel reaches the app through that socket. The launcher
leads its own process group (``os.setsid``), and writes its pid to PATH + ".pid", so that the
kernel can stop it and what it started.

Standard library only, Python >= 3.9.
"""

from __future__ import annotations

import os
import runpy
import socket
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

# Addresses a program means as "everywhere" or "this machine": moved to HOST.
_WILDCARD_OR_LOOPBACK = {"", "0.0.0.0", "localhost", "127.0.0.1", "::", "::1", "0:0:0:0:0:0:0:0"}


class _Redirect:
    """Where a program's binds go: its first server port becomes PORT, on HOST."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.taken: int | None = None  # the port the program asked for that became PORT

    def address(self, family: int, kind: int, address: Any) -> Any:
        if family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
            return address
        if kind != socket.SOCK_STREAM or len(address) < 2:
            return address
        host, port = address[0], address[1]
        if not isinstance(host, str) or host.lower() not in _WILDCARD_OR_LOOPBACK:
            return address
        if not isinstance(port, int):
            return address
        loopback = self.host if family == socket.AF_INET else "::1"
        if port != 0 and (self.taken is None or self.taken == port):
            self.taken = port
            port = self.port
        return (loopback, port, *address[2:])


def _wrap_bind(redirect: _Redirect) -> None:
    original = socket.socket.bind

    def bind(self: socket.socket, address: Any) -> None:
        original(self, redirect.address(self.family, self.type, address))

    socket.socket.bind = bind  # type: ignore[method-assign, assignment]


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _relay_one(client: socket.socket, host: str, port: int) -> None:
    try:
        upstream = socket.create_connection((host, port), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
    _pipe(upstream, client)
    client.close()
    upstream.close()


def _relay(path: str, host: str, port: int) -> None:
    """Each connection to the Unix socket at `path`, relayed to host:port (threads, daemon)."""
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o600)
    server.listen(64)

    def accept() -> None:
        while True:
            client, _ = server.accept()
            threading.Thread(target=_relay_one, args=(client, host, port), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()


def main(argv: list[str]) -> int:
    unix = None
    if len(argv) == 3 and argv[0] == "--unix":
        unix, argv = argv[1], argv[2:]
    if len(argv) != 1:
        sys.stderr.write("usage: app_launcher.py [--unix PATH] PROGRAM.py\n")
        return 2
    program = os.path.abspath(argv[0])
    host = os.environ.get("HOST") or "127.0.0.1"
    try:
        port = int(os.environ.get("PORT", ""))
    except ValueError:
        sys.stderr.write("app_launcher: PORT must be a port number\n")
        return 2
    if unix is not None:
        try:
            os.setsid()
        except OSError:
            pass  # already a group leader
        with open(unix + ".pid", "w") as f:
            f.write(str(os.getpid()))
        _relay(unix, host, port)
    _wrap_bind(_Redirect(host, port))
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path.insert(0, os.getcwd())
    sys.argv = [program]
    runpy.run_path(program, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

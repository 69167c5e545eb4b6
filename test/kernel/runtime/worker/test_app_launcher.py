"""app_launcher.py: a program's server binds land on HOST:PORT, whatever address and port it
names; other ports stay theirs, on loopback; the program runs as __main__ from its folder."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request

from worker_harness import WORKER_PYTHON

LAUNCHER = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "..",
    "..",
    "..",
    "kernel",
    "runtime",
    "worker",
    "app_launcher.py",
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(tmp_path, program, port, env=None):
    path = tmp_path / "app.py"
    path.write_text(program)
    full_env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), **(env or {}))
    return subprocess.Popen(
        [WORKER_PYTHON, LAUNCHER, str(path)],
        cwd=str(tmp_path),
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@contextlib.contextmanager
def launched(tmp_path, program, port):
    """The program running under the launcher for a with block, killed and reaped after it."""
    proc = launch(tmp_path, program, port)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def get(port, path="/", timeout=15.0):
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}{path}", timeout=2
            ) as r:
                return r.read().decode()
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


HANDLER = """
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        body = ('main=%s' % (__name__,)).encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
"""


def test_a_fixed_port_on_every_interface_lands_on_port(tmp_path):
    port = free_port()
    program = HANDLER + "HTTPServer(('', 8000), H).serve_forever()\n"
    with launched(tmp_path, program, port):
        assert get(port) == "main=__main__"


def test_localhost_and_0000_land_there_too(tmp_path):
    for address in ("0.0.0.0", "localhost"):
        port = free_port()
        program = HANDLER + f"HTTPServer(('{address}', 5000), H).serve_forever()\n"
        with launched(tmp_path, program, port):
            assert get(port) == "main=__main__"


def test_a_second_server_port_keeps_its_number_on_loopback(tmp_path):
    port, other = free_port(), free_port()
    program = (
        HANDLER
        + "import socket\n"
        + "server = HTTPServer(('', 8000), H)\n"
        + "s = socket.socket()\n"
        + f"s.bind(('0.0.0.0', {other}))\n"
        + "print('second', s.getsockname(), flush=True)\n"
        + "server.serve_forever()\n"
    )
    with launched(tmp_path, program, port) as proc:
        assert proc.stdout.readline().strip() == f"second ('127.0.0.1', {other})"
        assert get(port) == "main=__main__"


def test_the_program_imports_modules_beside_it_in_its_folder(tmp_path):
    (tmp_path / "helper.py").write_text("GREETING = 'from the folder'\n")
    port = free_port()
    program = (
        "import helper, sys\n"
        "print(helper.GREETING, sys.argv[0].endswith('app.py'), flush=True)\n"
        "raise SystemExit(3)\n"
    )
    proc = launch(tmp_path, program, port)
    out, _ = proc.communicate(timeout=30)
    assert "from the folder True" in out
    assert proc.returncode == 3


def test_a_port_that_is_not_a_number_is_refused(tmp_path):
    path = tmp_path / "app.py"
    path.write_text("print('never')\n")
    env = dict(os.environ, PORT="eighty")
    result = subprocess.run(
        [sys.executable, LAUNCHER, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "PORT must be a port number" in result.stderr


def test_unix_relays_each_connection_to_the_app_and_leads_its_own_group(tmp_path):
    port = free_port()
    sock_path = str(tmp_path / "app.sock")
    path = tmp_path / "app.py"
    path.write_text(HANDLER + "HTTPServer(('', 8000), H).serve_forever()\n")
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port))
    proc = subprocess.Popen(
        [WORKER_PYTHON, LAUNCHER, "--unix", sock_path, str(path)],
        cwd=str(tmp_path),
        env=env,
    )
    try:
        get(port)  # the app answers on its port
        for _ in range(2):  # each connection relayed on its own
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.connect(sock_path)
                s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
                answer = b""
                while chunk := s.recv(4096):
                    answer += chunk
            assert answer.startswith(b"HTTP/1.0 200")
            assert answer.endswith(b"main=__main__")
        assert oct(os.stat(sock_path).st_mode & 0o777) == "0o600"
        pid = int((tmp_path / "app.sock.pid").read_text())
        assert pid == proc.pid
        assert os.getpgid(pid) == pid
    finally:
        proc.kill()
        proc.wait()

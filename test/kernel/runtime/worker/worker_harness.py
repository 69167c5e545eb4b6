"""Drive the real worker exactly as PROTOCOL.md says: fds 3/4 for commands/events, fd 1/2 read
as raw bytes with the sync markers parsed out (as the Node kernel does).

Waits have generous deadlines (DEADLINE): a test fails when an event never comes, never because
it came late on a loaded machine. How long things take is measured in bench/, not asserted here.
"""
import fcntl
import json
import os
import queue
import re
import secrets
import subprocess
import sys
import threading
import time

# The interpreter that runs the worker: the test's own unless LUCI_TEST_WORKER_PYTHON says
# otherwise (e.g. a Python 3.9, or a venv with matplotlib).
WORKER_PYTHON = os.environ.get("LUCI_TEST_WORKER_PYTHON", sys.executable)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
WORKER_DIR = os.path.join(REPO, "kernel", "runtime", "worker")
START_WORKER = os.path.join(WORKER_DIR, "start_worker.py")

# Seconds to wait for something that must happen (a reply, an event, output) before failing.
DEADLINE = 60.0


def wait_until(predicate, what, timeout=DEADLINE):
    """Poll predicate until it is true; fail, naming what never happened, after timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("%s did not happen within %g s" % (what, timeout))
        time.sleep(0.01)


def python_has(python, module):
    """Can this interpreter import module? (Asked without importing it.)"""
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec(%r) is None)" % module
    return subprocess.run([python, "-c", code], capture_output=True).returncode == 0


class StreamCollector:
    """Reads one of the worker's output pipes; knows where each sync marker was."""

    def __init__(self, fd, token):
        self.fd = fd
        self.raw = bytearray()
        self.cond = threading.Condition()
        self.eof = False
        self.marker_re = re.compile(rb"\x00\x1bLUCISYNC" + token.encode() + rb":(\d+)\x00")
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                chunk = b""
            with self.cond:
                if not chunk:
                    self.eof = True
                    self.cond.notify_all()
                    return
                self.raw += chunk
                self.cond.notify_all()

    def parse(self):
        """(clean bytes, {k: offset in clean bytes where marker k was})."""
        with self.cond:
            raw = bytes(self.raw)
        clean = bytearray()
        markers = {}
        last = 0
        for match in self.marker_re.finditer(raw):
            clean += raw[last:match.start()]
            markers[int(match.group(1))] = len(clean)
            last = match.end()
        clean += raw[last:]
        return bytes(clean), markers

    def wait_marker(self, k, timeout=DEADLINE):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                if k in self.parse()[1]:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.eof:
                    return k in self.parse()[1]
                self.cond.wait(min(remaining, 0.05))

    def text(self):
        return self.parse()[0].decode("utf-8", "replace")


class ExecResult:
    def __init__(self, worker, done, events, out_span, err_span):
        self.worker = worker
        self.done = done
        self.events = events
        self.out_span = out_span
        self.err_span = err_span

    @property
    def status(self):
        return self.done["status"]

    @property
    def stdout(self):
        clean, _ = self.worker.out.parse()
        return clean[self.out_span[0]:self.out_span[1]].decode("utf-8", "replace")

    @property
    def stderr(self):
        clean, _ = self.worker.err.parse()
        return clean[self.err_span[0]:self.err_span[1]].decode("utf-8", "replace")

    def of(self, kind):
        return [e for e in self.events if e["ev"] == kind]

    @property
    def results(self):
        return self.of("result")

    @property
    def displays(self):
        return self.of("display")

    def transcript(self, stream="out"):
        """[('text', str) | ('event', ev)] in the order the kernel would publish them."""
        collector = self.worker.out if stream == "out" else self.worker.err
        clean, markers = collector.parse()
        span = self.out_span if stream == "out" else self.err_span
        items = []
        position = span[0]
        for event in self.events + [self.done]:
            k = event.get("sync")
            if k is None:
                continue
            end = markers[k]
            if end > position:
                items.append(("text", clean[position:end].decode("utf-8", "replace")))
            position = max(position, end)
            items.append(("event", event))
        return items


def fds_at_3_and_4(cmd_r, ev_w):
    """A preexec_fn that puts the command pipe at fd 3 and the event pipe at fd 4 (PROTOCOL.md)."""

    def place():
        # Copy both above 10 first so that dup2 onto 3/4 cannot clobber the other one.
        high_cmd = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
        high_ev = fcntl.fcntl(ev_w, fcntl.F_DUPFD, 10)
        os.dup2(high_cmd, 3)
        os.dup2(high_ev, 4)
        os.close(high_cmd)
        os.close(high_ev)

    return place


class Worker:
    def __init__(self, python=None, env=None, cwd=None, extra_env=None, args=(),
                 new_session=True):
        """new_session: start the worker with setsid, as the kernel does (it then leads its
        own process group, which it ends when it exits)."""
        self.token = secrets.token_hex(8)
        cmd_r, cmd_w = os.pipe()
        ev_r, ev_w = os.pipe()

        environment = dict(os.environ if env is None else env)
        environment.update(extra_env or {})
        self.proc = subprocess.Popen(
            [python or WORKER_PYTHON, *args, START_WORKER, "--cmd-fd", "3", "--event-fd", "4",
             "--sync-token", self.token],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            close_fds=False, preexec_fn=fds_at_3_and_4(cmd_r, ev_w), env=environment, cwd=cwd,
            start_new_session=new_session)
        os.close(cmd_r)
        os.close(ev_w)
        self.cmd = os.fdopen(cmd_w, "wb", buffering=0)
        self.events = queue.Queue()
        self._ev_file = os.fdopen(ev_r, "rb")
        self.raw_event_lines = []
        threading.Thread(target=self._read_events, daemon=True).start()
        self.out = StreamCollector(self.proc.stdout.fileno(), self.token)
        self.err = StreamCollector(self.proc.stderr.fileno(), self.token)
        self._next_id = 0
        self._out_pos = 0
        self._err_pos = 0
        self.ready = self.next_event()
        assert self.ready["ev"] == "ready", self.ready

    def _read_events(self):
        for line in self._ev_file:
            self.raw_event_lines.append(line)
            self.events.put(json.loads(line))
        self.events.put(None)

    def next_event(self, timeout=DEADLINE):
        event = self.events.get(timeout=timeout)
        if event is None:
            raise EOFError("the worker closed its event pipe; stderr:\n" + self.err.text())
        return event

    def send(self, obj):
        self.cmd.write(json.dumps(obj).encode() + b"\n")

    def new_id(self):
        self._next_id += 1
        return self._next_id

    def start_execute(self, code, mode="python", silent=False, store_history=True,
                      allow_stdin=False, user_expressions=None, execution_count=None, **extra):
        """extra: more fields of the execute command (scan, packages_changed)."""
        exec_id = self.new_id()
        command = {"op": "execute", "id": exec_id, "code": code, "mode": mode,
                   "silent": silent, "store_history": store_history,
                   "allow_stdin": allow_stdin,
                   "execution_count": exec_id if execution_count is None else execution_count,
                   "user_expressions": user_expressions or {}}
        command.update(extra)
        self.send(command)
        return exec_id

    def wait_done(self, exec_id, timeout=DEADLINE, on_input=None, on_kernel=None):
        """on_input(event) -> value answers input_request; on_kernel(event) -> (ok, error)
        answers kernel_request."""
        events = []
        deadline = time.monotonic() + timeout
        while True:
            event = self.next_event(timeout=max(0.01, deadline - time.monotonic()))
            if event["ev"] == "done" and event["id"] == exec_id:
                break
            if event["ev"] == "input_request" and on_input is not None:
                self.send({"op": "input_reply", "id": event["id"],
                           "value": on_input(event)})
            if event["ev"] == "kernel_request" and on_kernel is not None:
                ok, error = on_kernel(event)
                reply = {"op": "kernel_reply", "id": event["id"], "ok": ok}
                if error is not None:
                    reply["error"] = error
                self.send(reply)
            events.append(event)
        k = event["sync"]
        assert self.out.wait_marker(k) and self.err.wait_marker(k), "marker %d missing" % k
        out_end = self.out.parse()[1][k]
        err_end = self.err.parse()[1][k]
        result = ExecResult(self, event, events, (self._out_pos, out_end),
                            (self._err_pos, err_end))
        self._out_pos, self._err_pos = out_end, err_end
        return result

    def execute(self, code, timeout=DEADLINE, on_input=None, on_kernel=None, **options):
        return self.wait_done(self.start_execute(code, **options), timeout, on_input, on_kernel)

    def request(self, op, timeout=DEADLINE, **fields):
        request_id = self.new_id()
        self.send(dict(op=op, id=request_id, **fields))
        while True:
            event = self.next_event(timeout=timeout)
            if event["ev"] == "reply" and event["id"] == request_id:
                return event["content"]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send({"op": "shutdown"})
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.cmd, self._ev_file, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass

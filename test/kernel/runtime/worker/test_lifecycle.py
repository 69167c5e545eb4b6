"""Start-up, shutdown, and dying with the kernel."""
import json
import os
import subprocess
import sys
import time

from worker_harness import START_WORKER, WORKER_PYTHON, fds_at_3_and_4


def test_ready_event(fresh_worker, plain_python):
    worker = fresh_worker(python=plain_python)
    ready = worker.ready
    assert ready["ev"] == "ready" and ready["pid"] == worker.proc.pid
    assert ready["python"] == "%d.%d.%d" % tuple(
        int(x) for x in subprocess.check_output(
            [plain_python, "-c", "import sys; print(*sys.version_info[:3])"]).split())
    assert ready["executable"]
    # Measured ~15-20 ms with a plain venv (Python 3.11, ~10 ms of which is the interpreter).
    assert worker.ready_after < 0.5, worker.ready_after


def test_start_up_imports_nothing_heavy(fresh_worker):
    worker = fresh_worker()
    res = worker.execute("import sys\nsorted(m for m in ('matplotlib', 'inspect', 'pprint', "
                         "'asyncio', 'IPython', 'numpy', 'subprocess', 'getpass') "
                         "if m in sys.modules)")
    assert res.results[0]["data"]["text/plain"] == "[]"


def test_shutdown_command_exits(fresh_worker, tmp_path):
    worker = fresh_worker()
    marker = tmp_path / "atexit.txt"
    worker.execute("import atexit\natexit.register(lambda: open(%r, 'w').write('ran'))"
                   % str(marker))
    worker.send({"op": "shutdown"})
    assert worker.proc.wait(5) == 0
    assert marker.read_text() == "ran"


def test_sigterm_exits_cleanly(fresh_worker, tmp_path):
    worker = fresh_worker()
    marker = tmp_path / "atexit.txt"
    worker.execute("import atexit\natexit.register(lambda: open(%r, 'w').write('ran'))"
                   % str(marker))
    worker.start_execute("import time\ntime.sleep(30)")
    time.sleep(0.2)
    worker.proc.terminate()
    assert worker.proc.wait(5) == 0
    assert marker.read_text() == "ran"


def test_eof_on_the_command_pipe_exits(fresh_worker):
    worker = fresh_worker()
    worker.cmd.close()
    assert worker.proc.wait(5) == 0


def _process_gone(pid):
    try:
        with open("/proc/%d/status" % pid) as status:
            return any(line.startswith("State:") and "Z" in line for line in status)
    except FileNotFoundError:
        return True


def test_worker_exits_when_its_parent_dies(tmp_path):
    """The kernel is killed (no EOF: someone else keeps the pipes open): the worker must go."""
    cmd_r, cmd_w = os.pipe()
    ev_r, ev_w = os.pipe()


    parent_code = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen(sys.argv[1:], pass_fds=(3, 4))\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(60)\n")
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code, WORKER_PYTHON, START_WORKER,
         "--cmd-fd", "3", "--event-fd", "4", "--sync-token", "ab"],
        stdout=subprocess.PIPE, close_fds=False, preexec_fn=fds_at_3_and_4(cmd_r, ev_w))
    os.close(cmd_r)
    os.close(ev_w)
    try:
        worker_pid = int(parent.stdout.readline())
        with os.fdopen(ev_r, "rb") as events:
            assert json.loads(events.readline())["ev"] == "ready"
            parent.kill()
            parent.wait()
            deadline = time.monotonic() + 5
            while not _process_gone(worker_pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _process_gone(worker_pid)
    finally:
        os.close(cmd_w)
        if parent.poll() is None:
            parent.kill()

"""Start-up, shutdown, and dying with the kernel."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from worker_harness import DEADLINE, START_WORKER, WORKER_PYTHON, fds_at_3_and_4


def test_ready_event(fresh_worker, plain_python):
    worker = fresh_worker(python=plain_python)
    ready = worker.ready
    assert ready["ev"] == "ready" and ready["pid"] == worker.proc.pid
    assert ready["python"] == "%d.%d.%d" % tuple(
        int(x) for x in subprocess.check_output(
            [plain_python, "-c", "import sys; print(*sys.version_info[:3])"]).split())
    assert ready["executable"]


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
    assert worker.proc.wait(DEADLINE) == 0
    assert marker.read_text() == "ran"


def test_sigterm_exits_cleanly(fresh_worker, tmp_path):
    worker = fresh_worker()
    marker = tmp_path / "atexit.txt"
    worker.execute("import atexit\natexit.register(lambda: open(%r, 'w').write('ran'))"
                   % str(marker))
    worker.start_execute("import time\ntime.sleep(600)")  # longer than DEADLINE: not waited for
    time.sleep(0.2)
    worker.proc.terminate()
    assert worker.proc.wait(DEADLINE) == 0
    assert marker.read_text() == "ran"


def test_eof_on_the_command_pipe_exits(fresh_worker):
    worker = fresh_worker()
    worker.cmd.close()
    assert worker.proc.wait(DEADLINE) == 0


def _process_gone(pid):
    try:
        with open("/proc/%d/status" % pid) as status:
            return any(line.startswith("State:") and "Z" in line for line in status)
    except FileNotFoundError:
        return True


# --- What user code started does not outlive the worker ------------------------------------

_START_CHILDREN = (
    "import subprocess, sys\n"
    "sleeper = subprocess.Popen(['sleep', '300'])\n"
    # One that ignores SIGTERM: it gets SIGKILL after the grace.
    "stubborn = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(300)'], "
    "stdout=subprocess.PIPE)\n"
    "stubborn.stdout.readline()\n"
    "[sleeper.pid, stubborn.pid]")


def _wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(_process_gone(pid) for pid in pids):
        time.sleep(0.02)
    return [pid for pid in pids if not _process_gone(pid)]


def _start_children(worker):
    res = worker.execute(_START_CHILDREN)
    assert res.status == "ok", res.done
    pids = json.loads(res.results[0]["data"]["text/plain"])
    assert not any(_process_gone(pid) for pid in pids)
    return pids


@pytest.mark.parametrize("how", ["eof", "shutdown", "sigterm"])
def test_processes_started_by_user_code_end_with_the_worker(fresh_worker, how):
    worker = fresh_worker()  # with setsid, as the kernel starts it
    pids = _start_children(worker)
    if how == "eof":
        worker.cmd.close()
    elif how == "shutdown":
        worker.send({"op": "shutdown"})
    else:
        worker.proc.terminate()
    assert worker.proc.wait(DEADLINE) == 0
    try:
        # The stubborn child ignores SIGTERM and would sleep 300 s: gone means it was killed.
        assert _wait_gone(pids, DEADLINE) == []
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def test_a_waiting_atexit_handler_does_not_keep_the_worker(fresh_worker):
    """multiprocessing's atexit handler joins non-daemon processes: they are ended first."""
    worker = fresh_worker()
    res = worker.execute("import multiprocessing, time\n"
                         "child = multiprocessing.get_context('fork').Process(target=time.sleep, "
                         "args=(300,))\nchild.start()\nchild.pid")
    pid = int(res.results[0]["data"]["text/plain"])
    worker.cmd.close()
    assert worker.proc.wait(DEADLINE) == 0
    assert _wait_gone([pid], DEADLINE) == []


def _read_event(events, kind):
    while True:
        line = events.readline()
        assert line, "the worker closed its event pipe"
        event = json.loads(line)
        if event["ev"] == kind:
            return event


def _worker_under_parent(parent_code, start_new_session=False):
    """Starts a stand-in kernel (`parent_code`, which starts the worker from its argv with the
    pipes at fds 3 and 4). Returns the parent, our end of the command pipe, our end of the
    event pipe."""
    cmd_r, cmd_w = os.pipe()
    ev_r, ev_w = os.pipe()
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code, WORKER_PYTHON, START_WORKER,
         "--cmd-fd", "3", "--event-fd", "4", "--sync-token", "ab"],
        stdout=subprocess.PIPE, close_fds=False, preexec_fn=fds_at_3_and_4(cmd_r, ev_w),
        start_new_session=start_new_session)
    os.close(cmd_r)
    os.close(ev_w)
    return parent, cmd_w, ev_r


def test_processes_started_by_user_code_end_when_the_parent_dies():
    """The kernel is killed (no EOF: someone else keeps the pipes open): the worker goes and
    takes what user code started with it."""
    parent, cmd_w, ev_r = _worker_under_parent(
        "import subprocess, sys, time\n"
        "p = subprocess.Popen(sys.argv[1:], pass_fds=(3, 4), start_new_session=True)\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(60)\n")
    pids = []
    try:
        worker_pid = int(parent.stdout.readline())
        with os.fdopen(ev_r, "rb") as events:
            assert _read_event(events, "ready")["pid"] == worker_pid
            command = {"op": "execute", "id": 1, "code": _START_CHILDREN, "mode": "python",
                       "silent": False, "store_history": True, "allow_stdin": False,
                       "execution_count": 1, "user_expressions": {}}
            os.write(cmd_w, json.dumps(command).encode() + b"\n")
            pids = json.loads(_read_event(events, "result")["data"]["text/plain"])
            parent.kill()
            parent.wait()
            # The worker checks its parent every 0.5 s, then allows 0.3 s of grace; the children
            # would sleep 300 s, so gone means ended.
            assert _wait_gone([worker_pid] + pids, DEADLINE) == []
    finally:
        os.close(cmd_w)
        if parent.poll() is None:
            parent.kill()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def test_a_worker_that_does_not_lead_its_group_leaves_the_group_alone():
    """Started without setsid (from a terminal, say), the group is not the worker's."""
    # A group of our own (the parent leads it) holding the worker and a sibling `sleep`.
    parent, cmd_w, ev_r = _worker_under_parent(
        "import os, subprocess, sys, time\n"
        "sibling = subprocess.Popen(['sleep', '300'])\n"
        "p = subprocess.Popen(sys.argv[1:], pass_fds=(3, 4))\n"
        "os.close(3)\n"
        "os.close(4)\n"
        "print(sibling.pid, p.pid, flush=True)\n"
        "p.wait()\n"
        "time.sleep(60)\n",
        start_new_session=True)
    try:
        sibling_pid, worker_pid = map(int, parent.stdout.readline().split())
        with os.fdopen(ev_r, "rb") as events:
            assert _read_event(events, "ready")["pid"] == worker_pid
            os.close(cmd_w)
            cmd_w = None
            assert events.read() == b""  # the worker exited
        assert _wait_gone([worker_pid], DEADLINE) == []
        time.sleep(0.5)
        assert not _process_gone(sibling_pid) and parent.poll() is None
    finally:
        if cmd_w is not None:
            os.close(cmd_w)
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait()

"""Process lifetime: periodic flushing, exit when the kernel dies, clean exit on SIGTERM.

One daemon thread does both periodic jobs, which keeps start-up cheap (no `threading`).
"""
import _signal
import _thread
import os
import time

from . import streams

FLUSH_INTERVAL = 0.05   # s: liveness of `print('x'); time.sleep(5)`
PARENT_CHECK_EVERY = 10  # flush ticks: the parent pid is checked every 0.5 s


def exit_now(code=0):
    """Run atexit handlers and flush, then leave without waiting for user threads."""
    try:
        import atexit
        atexit._run_exitfuncs()
    except BaseException:
        pass
    streams.flush_all()
    os._exit(code)


def _housekeeping(parent_pid):
    ticks = 0
    while True:
        time.sleep(FLUSH_INTERVAL)
        streams.flush_ours()
        ticks += 1
        if ticks % PARENT_CHECK_EVERY == 0 and os.getppid() != parent_pid:
            # The kernel died without telling us (SIGKILL, crash): nobody will read us.
            os._exit(1)


def _on_sigterm(signum, frame):
    exit_now(0)


def _start_housekeeping():
    _thread.start_new_thread(_housekeeping, (os.getppid(),))


def start():
    _signal.signal(_signal.SIGTERM, _on_sigterm)
    _start_housekeeping()
    # A forked child (multiprocessing) gets its own flusher, and ends when the worker does.
    os.register_at_fork(after_in_child=_start_housekeeping)

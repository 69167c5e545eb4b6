"""Process lifetime: periodic flushing, exit when the kernel dies, clean exit on SIGTERM, and
the end of what user code started.

One daemon thread does both periodic jobs, which keeps start-up cheap (no `threading`).

The kernel starts the worker with setsid, so the worker leads a process group of its own and
every process user code starts (subprocess.Popen, os.system, multiprocessing) is in it unless
it moved itself elsewhere. Whenever the worker exits (shutdown, EOF on the command pipe,
SIGTERM, the parent died, the event pipe broke) it sends SIGTERM to that group, then SIGKILL to
whatever is left after GROUP_GRACE (before the atexit handlers run, and again after them), so
nothing outlives it (ipykernel does the same). When the worker does not lead its group
(started from a terminal, a test runner) the group is not ours and nothing is signalled.
"""

from __future__ import annotations

import _signal
import _thread
import os
import time

from . import state, streams

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import NoReturn

FLUSH_INTERVAL = 0.05  # s: liveness of `print('x'); time.sleep(5)`
PARENT_CHECK_EVERY = 10  # flush ticks: the parent pid is checked every 0.5 s
GROUP_GRACE = 0.3  # s between SIGTERM and SIGKILL to the processes user code started

_exiting = False  # set once the worker has begun to exit: our own SIGTERM is then ignored


def exit_now(code: int = 0) -> NoReturn:
    """End our process group, run atexit handlers and flush, then leave without waiting for
    user threads.

    The group goes first, as ipykernel ends a kernel's children before the interpreter's
    atexit: a handler that waits for a child (multiprocessing joins non-daemon processes)
    would otherwise hang the exit for good. What the handlers start is ended afterwards."""
    global _exiting
    _exiting = True
    streams.flush_all()
    end_process_group(last=False)
    try:
        import atexit

        atexit._run_exitfuncs()
    except BaseException:
        pass
    streams.flush_all()
    end_process_group()
    os._exit(code)


def _group_members(pgrp: int) -> list[int] | None:
    """Live processes of group pgrp other than us (zombies left out), or None without /proc."""
    me = os.getpid()
    try:
        entries = os.listdir("/proc")
        with open("/proc/%d/stat" % me, "rb"):
            pass
    except OSError:
        return None
    members = []
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as stat:
                data = stat.read()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid pgrp ...": comm may contain anything, even ") ".
        fields = data[data.rfind(b")") + 2 :].split()
        try:
            if int(fields[2]) == pgrp and fields[0] not in (b"Z", b"X"):
                members.append(int(entry))
        except (IndexError, ValueError):
            continue
    return members


def _shield_from_sigterm() -> bool:
    """Make the SIGTERM we send to our own group harmless to us; False if we cannot."""
    try:
        _signal.signal(_signal.SIGTERM, _signal.SIG_IGN)
        return True
    except (ValueError, OSError):  # not the main thread: our handler ignores it once exiting
        handler = _signal.getsignal(_signal.SIGTERM)
        return handler is _on_sigterm or handler == _signal.SIG_IGN


def _spawn_reaper(pgrp: int) -> None:
    """Without /proc (macOS) we cannot see who is left: a small `sh` outside the group sends
    SIGKILL to it after the grace, when we are gone."""
    try:
        for channel in (state.commands, state.events):
            if channel is not None:
                os.set_inheritable(channel.fd, False)
        null = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDWR, 0),
            (os.POSIX_SPAWN_DUP2, 0, 1),
            (os.POSIX_SPAWN_DUP2, 0, 2),
        ]
        script = "sleep %s; kill -s KILL -- -%d 2>/dev/null" % (GROUP_GRACE, pgrp)
        os.posix_spawn(
            "/bin/sh",
            ["sh", "-c", script],
            {"PATH": "/bin:/usr/bin"},
            file_actions=null,
            setpgroup=0,
        )
    except Exception:
        pass


def end_process_group(last: bool = True) -> None:
    """SIGTERM to the processes user code started (our process group), SIGKILL to those still
    there after GROUP_GRACE. Only when we lead the group. Never raises.

    last: we exit right after (without /proc, the SIGKILL is then left to a reaper process,
    which must not come while we still run)."""
    global _exiting
    _exiting = True
    try:
        pgrp = os.getpgrp()
        if pgrp != os.getpid():
            return  # not our group (forked children of the worker get here too)
        members = _group_members(pgrp)
        if members == []:
            return  # the common case: nobody to end, no time lost
        if _shield_from_sigterm() or members is None:
            os.killpg(pgrp, _signal.SIGTERM)  # the whole group at once: no fork escapes
        else:
            for pid in members:  # a handler of the user's would get our own SIGTERM
                _kill(pid, _signal.SIGTERM)
        if members is None:
            if last:
                _spawn_reaper(pgrp)
            return
        deadline = time.monotonic() + GROUP_GRACE
        while members and time.monotonic() < deadline:
            time.sleep(0.01)
            members = _group_members(pgrp)
        for _ in range(5):  # SIGKILL the rest (and what they forked meanwhile)
            if not members:
                break
            for pid in members:
                _kill(pid, _signal.SIGKILL)
            time.sleep(0.005)
            members = _group_members(pgrp)
    except Exception:
        pass


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except OSError:
        pass


def _housekeeping(parent_pid: int) -> None:
    ticks = 0
    while True:
        time.sleep(FLUSH_INTERVAL)
        streams.flush_ours()
        ticks += 1
        if ticks % PARENT_CHECK_EVERY == 0 and os.getppid() != parent_pid:
            # The kernel died without telling us (SIGKILL, crash): nobody will read us.
            end_process_group()
            os._exit(1)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    if _exiting:
        return  # the SIGTERM we sent to our own group, or a second one while we exit
    exit_now(0)


def _start_housekeeping() -> None:
    _thread.start_new_thread(_housekeeping, (os.getppid(),))


def _after_fork_in_child() -> None:
    # A forked child (multiprocessing) gets its own flusher, and ends when the worker does.
    _start_housekeeping()
    # SIGTERM (the worker ending its group, Process.terminate()) ends it as it would any
    # process, without running the worker's atexit handlers.
    try:
        if _signal.getsignal(_signal.SIGTERM) is _on_sigterm:
            _signal.signal(_signal.SIGTERM, _signal.SIG_DFL)
    except (ValueError, OSError):
        pass


def start() -> None:
    _signal.signal(_signal.SIGTERM, _on_sigterm)
    _start_housekeeping()
    os.register_at_fork(after_in_child=_after_fork_in_child)

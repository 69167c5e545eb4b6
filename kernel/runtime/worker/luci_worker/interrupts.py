"""SIGINT handling: the kernel interrupts a cell by sending SIGINT to the worker.

Rules (why: an interrupt must stop user code at once, but never kill the worker or cut an
event line in half):
- While user code runs (`user_code()` is active on the main thread), SIGINT raises
  KeyboardInterrupt right where the user code is, so `time.sleep(60)` and `while True: pass`
  stop immediately.
- Inside `protected` sections (writing an event, answering a query while input() waits) the
  interrupt is remembered and raised when the outermost section ends, so the event written
  there is always complete.
- Anywhere else (idle, reading commands, the worker's own bookkeeping) SIGINT is ignored.
"""
import _signal  # not `signal`: that one imports enum, which costs start-up time
import _thread

_main_thread = _thread.get_ident()
_user = False      # user code is running on the main thread
_depth = 0         # nesting of protected sections on the main thread
_pending = False   # an interrupt arrived inside a protected section


def _on_sigint(signum, frame):
    global _pending
    if not _user:
        return
    if _depth:
        _pending = True
        return
    raise KeyboardInterrupt


def install():
    _signal.signal(_signal.SIGINT, _on_sigint)


def ensure_installed():
    """Put our handler back if user code replaced it (an idle SIGINT must not kill us)."""
    try:
        if _signal.getsignal(_signal.SIGINT) is not _on_sigint:
            install()
    except (ValueError, OSError):  # pragma: no cover - not on the main thread
        pass


def enter_user():
    global _user, _pending
    _pending = False  # an interrupt sent while idle must not hit the next cell
    _user = True


def leave_user():
    global _user, _pending
    _user = False
    _pending = False


def in_user_code():
    return _user


class _Protected:
    """Context manager: defer SIGINT until the section ends (main thread only)."""

    __slots__ = ()

    def __enter__(self):
        global _depth
        if _thread.get_ident() == _main_thread:
            _depth += 1
        return self

    def __exit__(self, exc_type, exc, tb):
        global _depth, _pending
        if _thread.get_ident() != _main_thread:
            return False
        _depth -= 1
        if _depth == 0 and _pending and _user:
            _pending = False
            if exc_type is None:
                raise KeyboardInterrupt
        return False


protected = _Protected()

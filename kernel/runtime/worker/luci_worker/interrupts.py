"""SIGINT handling: the kernel interrupts a cell by sending SIGINT to the worker.

Rules (why: an interrupt must stop user code at once, but never kill the worker or cut an
event line in half):
- While user code runs (`user_code()` is active on the main thread), SIGINT raises
  KeyboardInterrupt right where the user code is, so `time.sleep(60)` and `while True: pass`
  stop immediately.
- While the worker answers complete / inspect / is_complete (`query` is active; user code may
  run there too, e.g. a slow `__dir__`), SIGINT raises KeyboardInterrupt as well: the kernel
  interrupts a query that takes too long, and the worker abandons it with an empty answer
  (main.answer_query). `query_interrupted()` says whether that happened, even if something
  swallowed the KeyboardInterrupt.
- Inside `protected` sections (writing an event, answering a query while input() waits) the
  interrupt is remembered and raised when the outermost section ends, so the event written
  there is always complete. A query's own computation stays interruptible even there.
- Anywhere else (idle, reading commands, the worker's own bookkeeping) SIGINT is ignored.
"""

from __future__ import annotations

import _signal  # not `signal`: that one imports enum, which costs start-up time
import _thread

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType, TracebackType
    from typing import Any, Literal

    # What signal.getsignal answers: a handler, SIG_DFL / SIG_IGN (ints), or None.
    Handler = Any

_main_thread = _thread.get_ident()
_user = False  # user code is running on the main thread
_depth = 0  # nesting of protected sections on the main thread
_pending = False  # an interrupt arrived inside a protected section
_query = False  # a query (complete / inspect / is_complete) is being answered
_query_interrupted = False  # ... and SIGINT arrived meanwhile


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    global _pending, _query_interrupted
    if not (_user or _query):
        return
    if _query:
        _query_interrupted = True
    if _depth:
        _pending = True
        return
    raise KeyboardInterrupt


def install() -> None:
    _signal.signal(_signal.SIGINT, _on_sigint)


def ensure_installed() -> None:
    """Put our handler back if user code replaced it (an idle SIGINT must not kill us)."""
    try:
        if _signal.getsignal(_signal.SIGINT) is not _on_sigint:
            install()
    except (ValueError, OSError):  # pragma: no cover - not on the main thread
        pass


def enter_user() -> None:
    global _user, _pending
    _pending = False  # an interrupt sent while idle must not hit the next cell
    _user = True


def leave_user() -> None:
    global _user, _pending
    _user = False
    _pending = False


def in_user_code() -> bool:
    return _user


class _Protected:
    """Context manager: defer SIGINT until the section ends (main thread only)."""

    __slots__ = ()

    def __enter__(self) -> _Protected:
        global _depth
        if _thread.get_ident() == _main_thread:
            _depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        global _depth, _pending
        if _thread.get_ident() != _main_thread:
            return False
        _depth -= 1
        if _depth == 0 and _pending and (_user or _query):
            _pending = False
            if exc_type is None:
                raise KeyboardInterrupt
        return False


protected = _Protected()


class _Query:
    """Context manager around answering a query (main thread only): SIGINT interrupts it, even
    inside a protected section (stdin.py answers queries in one while input() waits), and
    even if the running cell installed a SIGINT handler of its own (put back afterwards)."""

    __slots__ = ("_saved",)

    def __init__(self) -> None:
        # The enclosing state: queries can nest (input() in a __dir__ answers queries while it
        # waits).
        self._saved: list[tuple[bool, int, bool, Handler]] = []

    def __enter__(self) -> _Query:
        global _query, _query_interrupted, _depth, _pending
        try:
            handler = _signal.getsignal(_signal.SIGINT)
            if handler is not _on_sigint:
                install()
        except (ValueError, OSError, TypeError):  # pragma: no cover - not the main thread
            handler = _on_sigint
        self._saved.append((_query, _depth, _pending, handler))
        _query_interrupted = False
        _depth = 0
        _pending = False  # one for the cell waits until the query is over
        _query = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        global _query, _depth, _pending
        _query, _depth, _pending, handler = self._saved.pop()
        try:
            if handler is not None and _signal.getsignal(_signal.SIGINT) is not handler:
                _signal.signal(_signal.SIGINT, handler)
        except (ValueError, OSError, TypeError):  # pragma: no cover
            pass
        return False


query = _Query()


def query_interrupted() -> bool:
    """Did SIGINT arrive during the last query?"""
    return _query_interrupted

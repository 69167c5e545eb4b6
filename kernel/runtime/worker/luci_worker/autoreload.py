"""`%load_ext autoreload` + `%autoreload 2`: reload edited modules before each cell.

A simplified version of IPython's extension (notebooks written by models use this boilerplate
a lot): modules whose source file changed since the last cell are reloaded, and functions and
classes the user already holds (`from mod import f`) get the new code in place.
Only the user's own modules are considered, not the standard library or site-packages.
"""

from __future__ import annotations

import os
import sys
import sysconfig

from . import hooks
from .errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType
    from typing import Any

mode = 0  # 0: off; otherwise reload changed modules before every cell
_mtimes: dict[str, float] = {}  # module name -> mtime of its file when last seen
_skip_prefixes: tuple[str, ...] | None = None


def enable(new_mode: int) -> None:
    global mode
    mode = new_mode
    after_cell()  # remember the current state of what is already imported


def magic(arg: str) -> None:
    if arg in ("", "now"):
        reload_changed()
        return None
    if arg in ("0", "off"):
        enable(0)
    elif arg in ("1", "2", "3", "explicit", "all", "complete"):
        enable(2)
    else:
        raise UsageError("%%autoreload %s: use 0, 1, 2, 3, now or off" % arg)
    return None


def _watched_files() -> Iterator[tuple[str, ModuleType, str]]:
    global _skip_prefixes
    if _skip_prefixes is None:
        paths = sysconfig.get_paths()
        _skip_prefixes = tuple(
            {
                os.path.realpath(paths[k]) + os.sep
                for k in ("stdlib", "platstdlib", "purelib", "platlib")
                if paths.get(k)
            }
        )
        _skip_prefixes += (os.path.dirname(os.path.abspath(__file__)) + os.sep,)
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py"):
            continue
        real = os.path.realpath(path)
        if real.startswith(_skip_prefixes) or "site-packages" in real:
            continue
        yield name, module, path


def after_cell() -> None:
    if not mode:
        return
    for name, _module, path in _watched_files():
        if name not in _mtimes:
            try:
                _mtimes[name] = os.stat(path).st_mtime
            except OSError:
                pass


def before_cell() -> None:
    if mode:
        reload_changed()


def _update_in_place(old_value: Any, new_value: Any) -> None:
    """Give objects the user already holds the new code (functions and class methods)."""
    if type(old_value).__name__ == "function" and type(new_value).__name__ == "function":
        try:
            old_value.__code__ = new_value.__code__
            old_value.__defaults__ = new_value.__defaults__
            old_value.__kwdefaults__ = new_value.__kwdefaults__
            old_value.__doc__ = new_value.__doc__
        except (ValueError, TypeError):
            pass  # different closure shape: keep the old function
    elif isinstance(old_value, type) and isinstance(new_value, type):
        for key, attr in list(new_value.__dict__.items()):
            if key in ("__dict__", "__weakref__"):
                continue
            try:
                setattr(old_value, key, attr)
            except (AttributeError, TypeError):
                pass


def reload_changed() -> None:
    import importlib

    for name, module, path in list(_watched_files()):
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            continue
        if _mtimes.get(name, mtime) == mtime:
            _mtimes[name] = mtime
            continue
        _mtimes[name] = mtime
        old = dict(module.__dict__)
        try:
            importlib.reload(module)
        except Exception as exc:
            sys.stderr.write(
                "[autoreload of %s failed: %s: %s]\n" % (name, type(exc).__name__, exc)
            )
            continue
        for key, old_value in old.items():
            new_value = module.__dict__.get(key)
            if (
                new_value is not None
                and new_value is not old_value
                and getattr(old_value, "__module__", None) == name
            ):
                _update_in_place(old_value, new_value)


# Loaded by %load_ext autoreload or %autoreload: from then on every cell hears of it.
hooks.on_cell("before_cell", before_cell)
hooks.on_cell("after_cell", after_cell)

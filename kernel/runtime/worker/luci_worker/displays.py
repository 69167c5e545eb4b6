"""display(), update_display(), clear_output(), publish_display_data() and DisplayHandle.

Same signatures and behaviour as IPython's, but publishing through our events. These are put
into builtins (`display`), into the IPython shim, and over a real IPython's functions by the
import hook (import_hooks.py), so every way of displaying ends up here.
"""

from __future__ import annotations

import os

from . import hooks, state
from .formatting import format_object

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._typing import Bundle, BundleAndMetadata, Metadata, MimeFilter

# %%capture pushes a list here: displays are appended to it instead of being sent.
capture_stack: list[list[BundleAndMetadata]] = []


def _new_display_id() -> str:
    return os.urandom(16).hex()


def _merge(target: Metadata, extra: Metadata) -> None:
    """Merge metadata one level deep, the caller's values winning (as IPython)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            target[key] = dict(target[key], **value)
        else:
            target[key] = value


def publish_display_data(
    data: Bundle,
    metadata: Metadata | None = None,
    source: object = None,
    *,
    transient: dict[str, Any] | None = None,
    update: bool = False,
    **kwargs: Any,
) -> None:
    """Send one display (or update_display) event with an already-built MIME bundle."""
    if capture_stack:
        capture_stack[-1].append((data, metadata or {}))
        return
    if state.silent or state.events is None:
        return
    event = {
        "ev": "display",
        "id": state.exec_id,
        "data": data,
        "metadata": metadata or {},
        "update": bool(update),
    }
    if transient:
        event["transient"] = transient
    state.events.send(event, sync=True)


def _ipython_display(obj: object) -> bool:
    """Call obj._ipython_display_() if it has one (it then displays itself). True if done."""
    if isinstance(obj, type):
        return False
    try:
        meth = getattr(obj, "_ipython_display_", None)
        canary = getattr(obj, "_ipython_canary_method_should_not_exist_", None)
    except Exception:
        return False
    if callable(meth) and canary is None:
        meth()
        return True
    return False


def display(
    *objs: Any,
    include: MimeFilter = None,
    exclude: MimeFilter = None,
    metadata: Metadata | None = None,
    transient: dict[str, Any] | None = None,
    display_id: str | bool | None = None,
    raw: bool = False,
    clear: bool = False,
    update: bool = False,
    **kwargs: Any,
) -> DisplayHandle | None:
    """Display objects as rich output (IPython's display()).

    raw=True: objs are MIME bundles already. display_id=True makes a fresh id; with a
    display_id a DisplayHandle is returned; update=True replaces that display's output.
    """
    transient = {} if transient is None else dict(transient)
    if display_id:
        if display_id is True:
            display_id = _new_display_id()
        transient["display_id"] = display_id
    if update and not display_id:
        raise TypeError("display_id required for update_display")
    if kwargs.get("source") is not None:
        kwargs.pop("source")
    if not objs and display_id:
        return DisplayHandle(display_id)
    for obj in objs:
        if clear:
            clear_output(wait=True)
        if raw:
            publish_display_data(data=obj, metadata=metadata, transient=transient, update=update)
            continue
        if not update and _ipython_display(obj):
            continue
        data, md = format_object(obj, include=include, exclude=exclude)
        if not data:
            continue
        if metadata:
            _merge(md, metadata)
        hooks.displayed(obj)
        publish_display_data(data=data, metadata=md, transient=transient, update=update)
    if display_id:
        return DisplayHandle(display_id)
    return None


def update_display(obj: object, *, display_id: str, **kwargs: Any) -> None:
    """Replace the output of the display with this display_id."""
    kwargs["update"] = True
    display(obj, display_id=display_id, **kwargs)


def clear_output(wait: bool = False) -> None:
    """Clear the cell's output now, or (wait=True) when the next output arrives."""
    if state.silent or state.events is None:
        return
    state.events.send({"ev": "clear_output", "id": state.exec_id, "wait": bool(wait)}, sync=True)


class DisplayHandle:
    """A handle on one display, to update it later (as IPython's DisplayHandle)."""

    def __init__(self, display_id: str | None = None) -> None:
        if display_id is None:
            display_id = _new_display_id()
        self.display_id = display_id

    def __repr__(self) -> str:
        return "<%s display_id=%s>" % (self.__class__.__name__, self.display_id)

    def display(self, obj: object, **kwargs: Any) -> None:
        display(obj, display_id=self.display_id, **kwargs)

    def update(self, obj: object, **kwargs: Any) -> None:
        update_display(obj, display_id=self.display_id, **kwargs)


def display_result(value: object) -> None:
    """Publish a cell's value as execute_result (the caller checks for None and silent)."""
    if _ipython_display(value):
        return
    data, md = format_object(value)
    hooks.displayed(value)
    state.get_events().send(
        {"ev": "result", "id": state.exec_id, "data": data, "metadata": md}, sync=True
    )

"""Types shared by the worker's annotations. For the type checker only: modules import this
under `if TYPE_CHECKING:` (a local `TYPE_CHECKING = False`), so it never runs in the worker
and `typing` is never imported there (it would cost start-up time).
"""

from __future__ import annotations

from collections.abc import Collection
from types import CodeType, ModuleType
from typing import Any, Callable, Optional, TypedDict

# JSON objects as they cross the pipes (PROTOCOL.md): their values are whatever JSON holds.
Command = dict[str, Any]  # one command from the kernel
Event = dict[str, Any]  # one event for the kernel
Content = dict[str, Any]  # the content of a `reply` event, or the fields of `done`

# The user namespace: the dict of the __main__ module (values: anything the notebook made).
Namespace = dict[str, Any]

# A MIME bundle and its metadata, as in nbformat: MIME type -> data.
Bundle = dict[str, Any]
Metadata = dict[str, Any]
BundleAndMetadata = tuple[Bundle, Metadata]
# The `include` / `exclude` arguments of display(): MIME types, or None for no filter.
MimeFilter = Optional[Collection[str]]

# One step of a compiled cell: (code object, whether its value is shown).
Step = tuple[CodeType, bool]

# A post-import hook (import_hooks.py): called with the module once it has executed.
ImportHook = Callable[[ModuleType], None]

# A line magic: (line, the caller's locals or None) -> the value of the `%...` expression; a
# cell magic: (line, body) -> the cell's result.
LineMagic = Callable[[str, Optional[Namespace]], Any]
CellMagic = Callable[[str, str], Any]

# The type formatters of formatting.py: obj -> (data, metadata) or None.
TypeFormatter = Callable[[Any], Optional[BundleAndMetadata]]

# An error as the protocol carries it: (ename, evalue, traceback lines).
FormattedError = tuple[str, str, list[str]]


class Issue(TypedDict):
    """One finding of the validation gate (PROTOCOL.md, "Validation")."""

    rule: str
    severity: str
    line: int | None
    message: str
    hint: str


class MissingModule(TypedDict):
    """One module the import scan found missing (PROTOCOL.md, "Environments")."""

    name: str
    line: int


class SyntaxErrorInfo(TypedDict):
    msg: str
    lineno: int | None
    offset: int | None
    text: str | None


class _NamespaceEntryBase(TypedDict):
    name: str
    type: str


class NamespaceEntry(_NamespaceEntryBase, total=False):
    """One variable of the namespace summary (PROTOCOL.md, "Namespace summary"; the
    `NamespaceEntry` of kernel/pipeline/model/prompt.ts)."""

    shape: list[int]
    columns: list[str]
    length: int
    preview: str

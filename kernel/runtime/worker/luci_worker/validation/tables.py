"""The tables the gate shares with the kernel (shared_tables.json beside this file): the default
threshold and the patterns of secrets. The kernel reads the same file for its redaction of what
a model is sent (kernel/pipeline/task-context.ts) and its settings (kernel/common/settings.ts), so
each table is written once."""

from __future__ import annotations

import json
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

with open(os.path.join(os.path.dirname(__file__), "shared_tables.json"), encoding="utf-8") as _file:
    SHARED_TABLES: dict[str, Any] = json.load(_file)

DEFAULT_THRESHOLD: float = float(SHARED_TABLES["default_threshold"])

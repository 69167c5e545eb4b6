"""The benchmark's notebooks: loading, checking their shape, and task parameters.

A notebook is one JSON file in bench/tasks/notebooks/ (the format is in bench/tasks/README.md):

    {"name": "loan", "title": "...", "cells": [
        {"kind": "setup", "text": ["import csv", "..."]},
        {"kind": "task", "text": "Monthly payment ... {rate=0.05} ...",
         "reference": ["payment = ..."], "wrong": ["payment = ..."],
         "checks": [{"type": "var", "expr": "approx(payment, 1342.05, 0.01)"}]}]}

Code (`text` of a setup cell, `reference`, `wrong`) is a string or a list of lines.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NOTEBOOKS_DIR = Path(__file__).resolve().parent / "notebooks"

# `{name=value}` as Luci reads it (kernel/pipeline/records/parameters.ts), in the subset the
# benchmark's tasks use: a name, `=`, a Python literal with no braces in it.
PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)=(?!=)([^{}\n]*)\}")

CHECK_TYPES = {"output", "number", "var", "file", "figure", "app"}


class NotebookError(ValueError):
    """A notebook file that does not follow the format."""


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Any
    raw: str


def parameters(text: str) -> list[Parameter]:
    """The task's `{name=value}` parameters, in order (a name given twice keeps its first value)."""
    found: dict[str, Parameter] = {}
    for m in PARAMETER.finditer(text):
        raw = m.group(2).strip()
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError) as e:
            raise NotebookError(f"parameter {m.group(0)!r} is not a Python literal: {e}") from e
        found.setdefault(m.group(1), Parameter(m.group(1), value, raw))
    return list(found.values())


def task_key(text: str) -> str:
    """The task with its parameter values abstracted (Luci's taskKey): equal for {rate=0.05} and {rate=0.07}."""
    return PARAMETER.sub(lambda m: "{%s=…}" % m.group(1), text.strip())


def plain_text(text: str) -> str:
    """The task as a user without Luci types it: each `{name=value}` becomes the value (strings unquoted)."""

    def value(m: re.Match[str]) -> str:
        v = ast.literal_eval(m.group(2).strip())
        return v if isinstance(v, str) else m.group(2).strip()

    return PARAMETER.sub(value, text)


def assignments(text: str) -> str:
    """`name = value` lines for the task's parameters: what Luci runs before the task's code."""
    return "".join(f"{p.name} = {p.raw}\n" for p in parameters(text))


def _code(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "\n".join(value)
    raise NotebookError(f"{where}: code must be a string or a list of lines")


@dataclass
class Cell:
    kind: str  # "task" | "setup"
    text: str  # the task in words, or the setup cell's Python
    index: int  # position in the notebook (setup cells included)
    number: int = 0  # 1-based among the notebook's task cells (0 for setup cells)
    reference: str = ""
    wrong: str | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    # the earlier task cell this one repeats with other parameter values (Luci reruns its record)
    parameter_change_of: int | None = None

    @property
    def is_task(self) -> bool:
        return self.kind == "task"

    @property
    def plain(self) -> str:
        return plain_text(self.text)

    @property
    def reference_program(self) -> str:
        """The reference as it runs: the parameters assigned first, as Luci does."""
        return assignments(self.text) + self.reference

    @property
    def wrong_program(self) -> str | None:
        return None if self.wrong is None else assignments(self.text) + self.wrong


@dataclass
class Notebook:
    name: str
    title: str
    cells: list[Cell]
    path: Path

    @property
    def tasks(self) -> list[Cell]:
        return [c for c in self.cells if c.is_task]

    def cell_id(self, cell: Cell) -> str:
        return f"{self.name}-{cell.number}"


def _check(check: Any, where: str) -> dict[str, Any]:
    if not isinstance(check, dict) or check.get("type") not in CHECK_TYPES:
        raise NotebookError(f"{where}: a check is an object whose type is one of {sorted(CHECK_TYPES)}: {check!r}")
    t = check["type"]
    need = {"output": ["regex"], "number": ["value"], "var": ["expr"], "file": ["path"], "figure": [], "app": ["regex"]}[t]
    missing = [k for k in need if k not in check]
    if missing:
        raise NotebookError(f"{where}: a {t} check needs {', '.join(missing)}")
    if t == "file" and not ({"expr", "regex", "png"} & check.keys()):
        raise NotebookError(f"{where}: a file check needs expr, regex or png")
    for key in ("expr",):
        if key in check:
            try:
                ast.parse(check[key], mode="eval")
            except SyntaxError as e:
                raise NotebookError(f"{where}: {key} is not a Python expression: {e}") from e
    if "regex" in check:
        re.compile(check["regex"])
    return check


def load(path: Path) -> Notebook:
    data = json.loads(path.read_text())
    name = data.get("name") or path.stem
    raw_cells = data.get("cells")
    if not isinstance(raw_cells, list) or not raw_cells:
        raise NotebookError(f"{path.name}: no cells")
    cells: list[Cell] = []
    seen: dict[str, Cell] = {}
    number = 0
    for i, raw in enumerate(raw_cells):
        where = f"{path.name} cell {i}"
        kind = raw.get("kind")
        if kind == "setup":
            cells.append(Cell("setup", _code(raw.get("text"), where), i))
            continue
        if kind != "task":
            raise NotebookError(f"{where}: kind must be task or setup, not {kind!r}")
        text = raw.get("text")
        if not isinstance(text, str) or not text.strip():
            raise NotebookError(f"{where}: a task needs its text")
        parameters(text)  # raises on a bad literal
        try:
            ast.parse(text)
            raise NotebookError(f"{where}: the task's text parses as Python, so Luci would run it as code")
        except SyntaxError:
            pass
        number += 1
        cell = Cell("task", text, i, number=number)
        earlier = seen.get(task_key(text))
        if earlier is not None:
            cell.parameter_change_of = earlier.number
        if "reference" in raw:
            cell.reference = _code(raw["reference"], where + " reference")
        elif earlier is not None:
            cell.reference = earlier.reference  # the same program with other values
        else:
            raise NotebookError(f"{where}: a task needs a reference solution")
        if "wrong" in raw:
            cell.wrong = _code(raw["wrong"], where + " wrong")
        checks = raw.get("checks")
        if not isinstance(checks, list) or not checks:
            raise NotebookError(f"{where}: a task needs at least one check")
        cell.checks = [_check(c, where) for c in checks]
        seen.setdefault(task_key(text), cell)
        cells.append(cell)
    if not any(c.is_task for c in cells):
        raise NotebookError(f"{path.name}: no task cells")
    return Notebook(name, data.get("title", name), cells, path)


def load_all(directory: Path = NOTEBOOKS_DIR, only: list[str] | None = None) -> list[Notebook]:
    notebooks = [load(p) for p in sorted(directory.glob("*.json"))]
    if only:
        unknown = set(only) - {n.name for n in notebooks}
        if unknown:
            raise NotebookError(f"no such notebook: {', '.join(sorted(unknown))}")
        notebooks = [n for n in notebooks if n.name in only]
    return notebooks

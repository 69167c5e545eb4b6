"""Judging a cell by what it did: its printed text, its variables, its files, its figures.

A check is a dict (see bench/tasks/README.md):

    {"type": "output", "regex": "Sunday"}                 a regex search of the printed text (case-insensitive)
    {"type": "number", "value": 1342.05, "tol": 0.01}    some number in the printed text within tol
    {"type": "var", "expr": "approx(payment, 1342.05)"}  a Python expression over the notebook's variables
    {"type": "file", "path": "out.csv", "expr": "len(df) == 4"}   a file the cell wrote (also "regex", "png")
    {"type": "figure", "min": 1}                         at least `min` PNG images shown by the cell
    {"type": "app", "regex": "North"}                    a web app the cell started answers, its page matching

"var" checks are evaluated here, not in the kernel: the names the expression uses are fetched
from the kernel's namespace as pickles (through `user_expressions` of a silent request, so the
check leaves no trace in the notebook's history or namespace, which Luci's model sees), then the
expression runs with the helpers below. Both runners use the same Python, so any value pickles
back as it was.
"""

from __future__ import annotations

import ast
import builtins
import datetime
import math
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class CellOutputs:
    """What a cell showed, with the runner's own displays (Luci's plan, code, record) left out."""

    text: str = ""  # stdout, then the text/plain of results and displays, in order
    images: int = 0  # image/png outputs
    # Where the cell's web app may answer: the loopback URL of each app Luci's app display names
    # (application/vnd.luci.app+json), then the loopback URLs the cell printed (a server started
    # in a thread prints its address).
    urls: list[str] = field(default_factory=list)
    status: str = "ok"  # ok | error | timeout | no_code | failed


@dataclass
class CheckResult:
    check: dict[str, Any]
    ok: bool
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "ok": self.ok, **({"detail": self.detail} if self.detail else {})}


@dataclass
class Verdict:
    ok: bool
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.ok]


# ------------------------------------------------------------------------------------------------
# helpers available in check expressions


def approx(a: Any, b: float, tol: float = 1e-6) -> bool:
    """a is a number (or a one-element container of one) within tol of b."""
    a = scalar(a)
    return isinstance(a, (int, float)) and not isinstance(a, bool) and abs(float(a) - b) <= tol


def scalar(x: Any) -> Any:
    """A Python number from a numpy/pandas scalar or a one-element Series/array/list."""
    if isinstance(x, (pd.Series, pd.Index, np.ndarray, list, tuple)) and len(x) == 1:
        x = list(x)[0]
    if isinstance(x, pd.DataFrame) and x.size == 1:
        x = x.iloc[0, 0]
    if isinstance(x, np.generic):
        x = x.item()
    return x


def as_list(x: Any) -> list[Any]:
    """A list from a list, tuple, set (sorted), Series (its values), Index, array or DataFrame column."""
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise TypeError(f"a DataFrame with {x.shape[1]} columns is not a list")
        x = x.iloc[:, 0]
    if isinstance(x, (set, frozenset)):
        return sorted(x)
    if isinstance(x, (pd.Series, pd.Index, np.ndarray)):
        return [scalar(v) for v in x.tolist()]
    if isinstance(x, (list, tuple)):
        return [scalar(v) for v in x]
    raise TypeError(f"{type(x).__name__} is not a list")


def as_dict(x: Any, key: str | None = None, value: str | None = None) -> dict[Any, Any]:
    """A {key: value} dict from a dict, a Series (index -> value), a list of pairs, or a DataFrame:
    with `key`/`value` column names, or of two columns (first -> second), or of one column (index ->
    that column). A column named `key` may also be the index. Keys that are strings are stripped."""
    pairs: Iterable[tuple[Any, Any]]
    if isinstance(x, pd.DataFrame):
        frame = x.reset_index() if key is not None and key not in x.columns and x.index.name == key else x
        if key is not None and value is not None:
            pairs = zip(frame[key], frame[value])
        elif value is not None:
            pairs = zip(frame.index, frame[value])
        elif frame.shape[1] == 2:
            pairs = zip(frame.iloc[:, 0], frame.iloc[:, 1])
        elif frame.shape[1] == 1:
            pairs = zip(frame.index, frame.iloc[:, 0])
        else:
            raise TypeError(f"which columns? the DataFrame has {list(frame.columns)}")
    elif isinstance(x, pd.Series):
        pairs = zip(x.index, x.values)
    elif isinstance(x, Mapping):
        pairs = x.items()
    elif isinstance(x, (list, tuple)):
        pairs = ((p[0], p[1]) for p in x)
    else:
        raise TypeError(f"{type(x).__name__} is not a mapping")
    return {_key(k): scalar(v) for k, v in pairs}


def _key(k: Any) -> Any:
    k = scalar(k)
    return k.strip() if isinstance(k, str) else k


def same_numbers(actual: Mapping[Any, Any] | Iterable[Any], expected: Mapping[Any, Any] | Iterable[Any], tol: float = 1e-6) -> bool:
    """Two dicts with the same keys and values within tol, or two lists of numbers, in order.
    Keys compare as text, so 2024, numpy's int64(2024) and "2024" are one key."""
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return False
        got = {str(scalar(k)).strip(): v for k, v in actual.items()}
        want = {str(k): v for k, v in expected.items()}
        if len(got) != len(actual) or set(got) != set(want):
            return False
        return all(approx(got[k], float(v), tol) for k, v in want.items())
    a, e = list(actual), list(expected)
    return len(a) == len(e) and all(approx(x, float(y), tol) for x, y in zip(a, e))


def columns(frame: Any) -> list[str]:
    """A DataFrame's column names, stripped and lower-cased (for tolerant column checks)."""
    return [str(c).strip().lower() for c in frame.columns]


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column whose stripped, lower-cased name is `name` (or the index, if it is so named)."""
    for c in frame.columns:
        if str(c).strip().lower() == name.lower():
            return frame[c]
    if frame.index.name is not None and str(frame.index.name).strip().lower() == name.lower():
        return frame.index.to_series()
    raise KeyError(f"no column {name!r} in {list(frame.columns)}")


HELPERS: dict[str, Any] = {
    "approx": approx,
    "scalar": scalar,
    "as_list": as_list,
    "as_dict": as_dict,
    "same_numbers": same_numbers,
    "columns": columns,
    "column": column,
    "pd": pd,
    "np": np,
    "math": math,
    "datetime": datetime,
    "re": re,
}


def free_names(expr: str) -> list[str]:
    """The notebook variables an expression reads: names it loads that it does not bind itself
    (lambda arguments, comprehension targets) and that are neither helpers nor built-ins."""
    tree = ast.parse(expr, mode="eval")
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            n = node.id
            if n in bound or n in HELPERS or hasattr(builtins, n) or n in names:
                continue
            names.append(n)
    return names


# (name -> value) for the names fetched; a missing or unfetchable name maps to a FetchError
Fetch = Callable[[list[str]], Mapping[str, Any]]


class FetchError:
    """A name the kernel could not give: not defined, or not picklable."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"<{self.message}>"


def short(value: Any, limit: int = 160) -> str:
    try:
        text = repr(value)
    except Exception as e:  # a repr that raises says why
        text = f"<repr failed: {e}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _eval(expr: str, scope: dict[str, Any]) -> tuple[bool, str]:
    try:
        value = eval(compile(expr, "<check>", "eval"), {"__builtins__": builtins, **HELPERS}, scope)
    except Exception as e:
        return False, f"{type(e).__name__}: {e}"
    try:
        return bool(value), ("" if value else f"is {short(value)}")
    except Exception as e:  # bool() of a Series raises: the check is then wrong, not the cell
        return False, f"{type(e).__name__}: {e}"


NUMBER = re.compile(r"(?<![\w.])[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?")


def numbers_in(text: str) -> list[float]:
    """The numbers in printed text: `1,342.05`, `-40`, `99.5`, `1e-3` (thousands commas removed)."""
    found = []
    for m in NUMBER.finditer(text):
        try:
            found.append(float(m.group(0).replace(",", "").replace("−", "-")))
        except ValueError:
            pass
    return found


def check_var(check: dict[str, Any], fetch: Fetch) -> CheckResult:
    expr = check["expr"]
    names = free_names(expr)
    values = dict(fetch(names)) if names else {}
    missing = [f"{n}: {values[n].message}" for n in names if isinstance(values.get(n), FetchError)]
    if missing:
        return CheckResult(check, False, "; ".join(missing))
    ok, detail = _eval(expr, values)
    if not ok:
        shown = ", ".join(f"{n} = {short(values[n])}" for n in names)
        detail = f"{detail} ({shown})" if shown else detail
    return CheckResult(check, ok, detail)


def check_file(check: dict[str, Any], workdir: Path) -> CheckResult:
    path = workdir / check["path"]
    if not path.is_file():
        return CheckResult(check, False, f"no file {check['path']}")
    data = path.read_bytes()
    if check.get("png"):
        ok = data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
        return CheckResult(check, ok, "" if ok else f"not a PNG image ({len(data)} bytes)")
    text = data.decode("utf-8", errors="replace")
    if "regex" in check and not re.search(check["regex"], text, re.I | re.M):
        return CheckResult(check, False, f"no match for {check['regex']!r} in {short(text)}")
    if "expr" in check:
        scope: dict[str, Any] = {"text": text, "lines": text.splitlines()}
        if path.suffix.lower() == ".csv":
            try:
                scope["df"] = pd.read_csv(path)
            except Exception as e:
                return CheckResult(check, False, f"not a CSV pandas reads: {e}")
        ok, detail = _eval(check["expr"], scope)
        if not ok:
            return CheckResult(check, False, f"{detail} (file: {short(text)})")
    return CheckResult(check, True)


APP_TIMEOUT_S = 10.0


class AppUnreachable(Exception):
    """Nothing answered at an app's URL in time."""
LOOPBACK_URL = re.compile(r"https?://(?:127\.0\.0\.1|localhost|0\.0\.0\.0)(?::\d+)?(?:/[^\s'\"<>)]*)?")


def urls_in(text: str) -> list[str]:
    """The loopback URLs in printed text, 0.0.0.0 read as 127.0.0.1 (where such a server answers)."""
    return [u.replace("0.0.0.0", "127.0.0.1").rstrip(".,;") for u in LOOPBACK_URL.findall(text)]


def fetch_page(url: str, timeout: float) -> str:
    """The body of GET url as text; an app that is still starting gets until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=max(0.5, deadline - time.monotonic())) as r:
                return str(r.read(2_000_000).decode("utf-8", "replace"))
        except (OSError, ValueError) as e:
            if time.monotonic() >= deadline:
                raise AppUnreachable(f"{url}: {e}") from e
            time.sleep(0.25)


def check_app(check: dict[str, Any], outputs: CellOutputs) -> CheckResult:
    """Some web app the cell started answers, and its page (or `path` under it) matches `regex`;
    an app still starting gets `timeout` seconds (10) in all."""
    if not outputs.urls:
        return CheckResult(check, False, "no web app: the cell showed no app and printed no loopback URL")
    problems: list[str] = []
    for url in dict.fromkeys(outputs.urls):
        target = urllib.parse.urljoin(url, check.get("path", "")) if check.get("path") else url
        try:
            body = fetch_page(target, float(check.get("timeout", APP_TIMEOUT_S)) / len(outputs.urls))
        except AppUnreachable as e:
            problems.append(str(e))
            continue
        if re.search(check["regex"], body, re.I | re.M):
            return CheckResult(check, True)
        problems.append(f"{target} answered {short(body)}")
    return CheckResult(check, False, "; ".join(problems))


def check_output(check: dict[str, Any], outputs: CellOutputs) -> CheckResult:
    if check["type"] == "figure":
        want = int(check.get("min", 1))
        return CheckResult(check, outputs.images >= want, "" if outputs.images >= want else f"{outputs.images} images shown")
    if check["type"] == "output":
        ok = re.search(check["regex"], outputs.text, re.I | re.M) is not None
        return CheckResult(check, ok, "" if ok else f"no match in {short(outputs.text)}")
    # number
    tol = float(check.get("tol", 1e-6))
    found = numbers_in(outputs.text)
    ok = any(abs(n - float(check["value"])) <= tol for n in found)
    return CheckResult(check, ok, "" if ok else f"no number within {tol} of {check['value']} in {short(outputs.text)}")


def judge(checks: list[dict[str, Any]], outputs: CellOutputs, fetch: Fetch, workdir: Path, require_ok: bool = True) -> Verdict:
    """Every check, evaluated; the cell is right when all pass (and, with require_ok, it did not fail:
    a cell that printed a traceback, timed out or had no code is wrong whatever it left behind)."""
    results: list[CheckResult] = []
    for check in checks:
        t = check["type"]
        if t == "var":
            results.append(check_var(check, fetch))
        elif t == "file":
            results.append(check_file(check, workdir))
        elif t == "app":
            results.append(check_app(check, outputs))
        else:
            results.append(check_output(check, outputs))
    ok = all(r.ok for r in results) and (outputs.status == "ok" or not require_ok)
    return Verdict(ok, results)

"""%time, %%time, %timeit and %%timeit, with IPython's output format:

CPU times: user 1.2 ms, sys: 0 ns, total: 1.2 ms
Wall time: 1.5 ms
12.3 µs ± 1.2 µs per loop (mean ± std. dev. of 7 runs, 100,000 loops each)
"""

from __future__ import annotations

import math
import os
import re
import time
import timeit

from . import state
from .errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._typing import Namespace


def format_time(seconds: float, precision: int = 3) -> str:
    """'12.3 ms', '1.05 s', '1min 12s', '0 ns': three significant digits in a fitting unit."""
    if seconds >= 60:
        minutes, rest = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        parts = (("%dh" % hours) if hours else "") + ("%dmin" % minutes) + (" %ds" % rest)
        return parts.strip()
    if seconds <= 0:
        return "0 ns"
    for unit, scale in (("s", 1.0), ("ms", 1e3), ("µs", 1e6), ("ns", 1e9)):
        if seconds * scale >= 1 or unit == "ns":
            return "%.*g %s" % (precision, seconds * scale, unit)
    return "0 ns"  # pragma: no cover


def run_and_time(source: str, filename: str, local_ns: Namespace | None = None) -> Any:
    """Run source like a cell (last expression's value returned) and print its times."""
    executor = state.get_executor()
    executor.register_source(filename, source)
    steps = executor.compile_cell(source, filename)
    value = None
    wall0, cpu0 = time.perf_counter(), os.times()
    for code, show in steps:
        value = executor.run_code(code, local_ns)
        if not show:
            value = None
    wall1, cpu1 = time.perf_counter(), os.times()
    user, system = cpu1.user - cpu0.user, cpu1.system - cpu0.system
    print(
        "CPU times: user %s, sys: %s, total: %s\nWall time: %s"
        % (
            format_time(user),
            format_time(system),
            format_time(user + system),
            format_time(wall1 - wall0),
        )
    )
    return value


class TimeitResult:
    """What `%timeit -o` returns (IPython's attribute names)."""

    def __init__(self, loops: int, repeat: int, all_runs: list[float]) -> None:
        self.loops = loops
        self.repeat = repeat
        self.all_runs = all_runs
        self.timings = [t / loops for t in all_runs]
        self.best = min(self.timings)
        self.worst = max(self.timings)
        self.average = sum(self.timings) / len(self.timings)
        self.stdev = math.sqrt(
            sum((t - self.average) ** 2 for t in self.timings) / len(self.timings)
        )

    def __str__(self) -> str:
        return "%s ± %s per loop (mean ± std. dev. of %d run%s, %s loop%s each)" % (
            format_time(self.average),
            format_time(self.stdev),
            self.repeat,
            "" if self.repeat == 1 else "s",
            f"{self.loops:,}",
            "" if self.loops == 1 else "s",
        )

    __repr__ = __str__


_OPTION_RE = re.compile(r"\s*-(n|r)\s*(\d+)|\s*-([qoc])(?=\s|$)|\s*-(p)\s*(\d+)")


def _parse_timeit_options(line: str) -> tuple[dict[str, Any], str]:
    options: dict[str, Any] = {"n": 0, "r": 7, "q": False, "o": False}
    while True:
        match = _OPTION_RE.match(line)
        if not match:
            break
        if match.group(1):
            options[match.group(1)] = int(match.group(2))
        elif match.group(3):
            options[match.group(3)] = True
        line = line[match.end() :]
    return options, line.strip()


def timeit_magic(
    line: str, body: str | None = None, local_ns: Namespace | None = None
) -> TimeitResult | None:
    """%timeit [-n N] [-r R] [-q] [-o] stmt, or %%timeit [options] [setup] + cell body."""
    options, rest = _parse_timeit_options(line)
    if body is None:
        stmt, setup = rest, "pass"
    else:
        stmt, setup = body, rest or "pass"
    if not stmt.strip():
        raise UsageError("%timeit needs a statement to time, e.g. %timeit sum(range(100))")
    globals_ns = dict(state.get_namespace())
    if local_ns:
        globals_ns.update(local_ns)
    timer = timeit.Timer(stmt, setup, timer=time.perf_counter, globals=globals_ns)
    loops = options["n"]
    if loops <= 0:
        loops, _ = timer.autorange()
    repeat = max(1, options["r"])
    runs = timer.repeat(repeat=repeat, number=loops)
    result = TimeitResult(loops, repeat, runs)
    if not options["q"]:
        print(result)
    return result if options["o"] else None

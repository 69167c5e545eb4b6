"""%%capture [--no-stdout] [--no-stderr] [--no-display] [name]: run the cell, keep its output.

Output printed by Python code and displays go into a CapturedIO object (stored under `name`);
`name.show()` replays them. Output of subprocesses goes to fd 1/2 directly and is not captured.
"""

from __future__ import annotations

import io
import sys

from . import displays, state
from .errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._typing import BundleAndMetadata


class CapturedIO:
    def __init__(
        self,
        stdout: io.StringIO | None,
        stderr: io.StringIO | None,
        outputs: list[BundleAndMetadata],
    ) -> None:
        self._stdout, self._stderr, self.outputs = stdout, stderr, outputs

    @property
    def stdout(self) -> str:
        return self._stdout.getvalue() if self._stdout is not None else ""

    @property
    def stderr(self) -> str:
        return self._stderr.getvalue() if self._stderr is not None else ""

    def show(self) -> None:
        if self.stdout:
            sys.stdout.write(self.stdout)
        if self.stderr:
            sys.stderr.write(self.stderr)
        for data, metadata in self.outputs:
            displays.publish_display_data(data, metadata)

    __call__ = show

    def __repr__(self) -> str:
        return "<CapturedIO stdout=%d chars, stderr=%d chars, outputs=%d>" % (
            len(self.stdout),
            len(self.stderr),
            len(self.outputs),
        )


def run(line: str, body: str) -> None:
    from .transform import transform_cell

    words = line.split()
    flags = {w for w in words if w.startswith("--")}
    names = [w for w in words if not w.startswith("--")]
    unknown = flags - {"--no-stdout", "--no-stderr", "--no-display"}
    if unknown or len(names) > 1:
        raise UsageError("usage: %%capture [--no-stdout] [--no-stderr] [--no-display] [name]")
    out = None if "--no-stdout" in flags else io.StringIO()
    err = None if "--no-stderr" in flags else io.StringIO()
    outputs: list[BundleAndMetadata] = []
    saved = sys.stdout, sys.stderr
    if out is not None:
        sys.stdout = out
    if err is not None:
        sys.stderr = err
    if "--no-display" not in flags:
        displays.capture_stack.append(outputs)
    try:
        executor = state.get_executor()
        value = executor.run_source(
            transform_cell(body), executor.new_filename(state.execution_count)
        )
        if value is not None and "--no-display" not in flags:
            from .formatting import format_object

            outputs.append(format_object(value))
    finally:
        sys.stdout, sys.stderr = saved
        if "--no-display" not in flags:
            displays.capture_stack.remove(outputs)
    captured = CapturedIO(out, err, outputs)
    if names:
        state.get_namespace()[names[0]] = captured
    return None

"""Bench: what the import scan (PROTOCOL.md "Environments") costs. Not a test (pytest does not
collect it). Run from the repository root:

    .venv/bin/python test/kernel/runtime/worker/bench_import_scan.py

1. In process: parse + scan of a typical 30-line cell (two absent modules, so find_spec runs
   for them every time, as negatives are never cached), and the scan alone on a parsed tree
   (the worker reuses the parse it needs for running the cell).
2. Through a real worker: an execute round trip with "scan": true minus one without.
"""
import _ast
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import worker_harness  # noqa: E402

sys.path.insert(0, worker_harness.WORKER_DIR)
from luci_worker import imports  # noqa: E402

sys.path.remove(worker_harness.WORKER_DIR)

CELL = """import os, sys, json
import numpy_luci_absent as np
import pandas_luci_absent as pd
from collections import defaultdict
from pathlib import Path

data = defaultdict(list)
for name in os.listdir('.'):
    path = Path(name)
    if path.suffix == '.csv':
        data[path.stem].append(pd.read_csv(path))

def summary(frames):
    rows = []
    for key, value in frames.items():
        rows.append({'name': key, 'n': sum(len(v) for v in value)})
    return pd.DataFrame(rows)

table = summary(data)
values = np.array([r for r in table['n']])
print(values.mean(), values.std())
result = {
    'mean': float(values.mean()),
    'max': int(values.max()) if len(values) else None,
}
json.dumps(result)
with open('out.json', 'w') as handle:
    handle.write(json.dumps(result))
print('done', file=sys.stderr)
table.head()"""

def timed(function, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main():
    flags = _ast.PyCF_ONLY_AST
    tree = compile(CELL, "<cell>", "exec", flags)
    parse_ms = timed(lambda: compile(CELL, "<cell>", "exec", flags), 500)
    scan_ms = timed(lambda: imports.missing(tree, CELL), 500)
    both_ms = timed(lambda: imports.missing(compile(CELL, "<cell>", "exec", flags), CELL), 500)
    print("in process, 30-line cell, 2 absent modules (median of 500):")
    print("  parse %.3f ms (needed for running anyway), scan %.3f ms, both %.3f ms"
          % (parse_ms, scan_ms, both_ms))

    worker = worker_harness.Worker()
    try:
        cell = "import json, collections\nfrom pathlib import Path\nx = 1"
        samples = {False: [], True: []}
        for run in range(40 + 600):  # interleaved, so drift hits both alike; 40 to warm up
            scan = bool(run % 2)
            start = time.perf_counter()
            worker.execute(cell, scan=scan)
            if run >= 40:
                samples[scan].append(time.perf_counter() - start)
        off, on = (statistics.median(samples[k]) * 1000 for k in (False, True))
        print("worker round trip (median of 300 each): scan off %.3f ms, on %.3f ms, "
              "difference %.3f ms" % (off, on, on - off))
    finally:
        worker.close()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""memory.py - resident memory of a kernel after a few ordinary cells.

Starts the kernelspec KERNEL with jupyter_client, waits until it is ready, runs a few small
cells (the same for every kernel), waits a moment, and then sums VmRSS (and PSS, which counts
shared pages once) over the kernel's whole process tree from /proc: for Luci that is the Node
kernel and its Python worker, for ipykernel its one process. Prints JSON.

    .venv/bin/python bench/memory.py --kernel luci [--repeat 3]

Linux only. The median of --repeat fresh kernels is reported, and the PSS per kernel with
--together kernels open at once (shared pages, such as Node's or Python's code, counted once).
"""

import argparse
import json
import os
import statistics
import sys
import time

from jupyter_client.manager import start_new_kernel

CELLS = [
    "x = 1",
    "a = 41",
    "a + 1",
    "import json, math\nprint(json.dumps({'pi': math.pi}))",
    "data = list(range(10000))\nsum(data)",
    "def double(n):\n    return n * 2\n[double(i) for i in range(10)]",
]


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: split after the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(pid):
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


def run_cells(kc):
    for code in CELLS:
        reply = kc.execute_interactive(code, timeout=30, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("cell %r failed: %s" % (code, reply["content"]))


def processes(kms):
    procs = []
    for km in kms:
        for p in tree(km.provisioner.process.pid):
            try:
                procs.append({"pid": p, "comm": comm(p), "rss_mib": status_kib(p, "VmRSS") / 1024.0,
                              "pss_mib": (pss_kib(p) or 0) / 1024.0})
            except OSError:
                pass
    return procs


def measure(kernel, settle, together=1):
    """`together` kernels open at once (as in a JupyterLab with several notebooks): the PSS sum
    divided by their number is what one more kernel costs, shared code pages counted once."""
    started = [start_new_kernel(kernel_name=kernel, startup_timeout=60) for _ in range(together)]
    try:
        for _km, kc in started:
            run_cells(kc)
        time.sleep(settle)
        procs = processes([km for km, _kc in started])
        return {
            "kernels": together,
            "rss_mib": sum(p["rss_mib"] for p in procs) / together,
            "pss_mib": sum(p["pss_mib"] for p in procs) / together,
            "processes": procs,
        }
    finally:
        for km, kc in started:
            kc.stop_channels()
            km.shutdown_kernel(now=False)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kernel", required=True)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--settle", type=float, default=0.5, help="seconds to wait after the cells")
    p.add_argument("--together", type=int, default=4, help="also measure this many kernels open at once")
    o = p.parse_args()
    runs = [measure(o.kernel, o.settle) for _ in range(o.repeat)]
    group = measure(o.kernel, o.settle, together=o.together)
    res = {
        "kernel": o.kernel,
        "cells": CELLS,
        "rss_mib_median": statistics.median(r["rss_mib"] for r in runs),
        "pss_mib_median": statistics.median(r["pss_mib"] for r in runs),
        "together": {"kernels": o.together, "pss_mib_per_kernel": group["pss_mib"], "rss_mib_per_kernel": group["rss_mib"]},
        "runs": runs,
    }
    json.dump(res, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

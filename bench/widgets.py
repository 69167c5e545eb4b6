#!/usr/bin/env python3
"""widgets.py - the widget round trip: a client's comm_msg to Python and Python's answer back.

Starts the kernelspec KERNEL with jupyter_client, runs one cell that registers a comm target in
Python (through the `comm` package, as ipywidgets does) whose comms echo each message, opens a
comm to it as JupyterLab opens a widget's, then sends --n comm_msg messages one at a time and
times each from the send until the echo arrives on iopub (what moving a slider costs before its
callback's effect can show). Each message's idle is awaited, untimed, before the next. Prints
JSON.

    .venv/bin/python bench/widgets.py --kernel luci [--n 200]

For Luci the setup cell's `import comm` installs the package into the notebook's environment
if it lacks it (the import cascade); that is not timed.
"""

import argparse
import json
import statistics
import sys
import time
import uuid

from jupyter_client.manager import start_new_kernel

TARGET = "luci.bench.echo"
SETUP = (
    "import comm\n"
    "def _bench_echo(c, msg):\n"
    "    c.on_msg(lambda m: c.send(m['content']['data']))\n"
    "comm.get_comm_manager().register_target(%r, _bench_echo)\n" % TARGET
)


def wait_iopub(kc, match, timeout):
    """The first iopub message for which match(msg) is true (others are dropped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no matching iopub message within %s s" % timeout)
        msg = kc.get_iopub_msg(timeout=left)
        if match(msg):
            return msg


def is_idle_of(msg_id):
    return lambda m: (m["msg_type"] == "status" and m["content"]["execution_state"] == "idle"
                      and m["parent_header"].get("msg_id") == msg_id)


def send(kc, msg_type, content):
    msg = kc.session.msg(msg_type, content)
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def measure(kernel, n, timeout):
    km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=120)
    try:
        reply = kc.execute_interactive(SETUP, timeout=600, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("the setup cell failed: %s" % reply["content"])
        comm_id = uuid.uuid4().hex
        opened = send(kc, "comm_open", {"comm_id": comm_id, "target_name": TARGET, "data": {}})
        wait_iopub(kc, is_idle_of(opened), timeout)
        times = []
        for i in range(n):
            data = {"method": "update", "state": {"value": i}}
            start = time.perf_counter()
            msg_id = send(kc, "comm_msg", {"comm_id": comm_id, "data": data})
            wait_iopub(kc, lambda m: (m["msg_type"] == "comm_msg" and m["content"].get("comm_id") == comm_id
                                      and m["content"].get("data") == data), timeout)
            times.append(time.perf_counter() - start)
            wait_iopub(kc, is_idle_of(msg_id), timeout)
        return times
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kernel", required=True)
    p.add_argument("--n", type=int, default=200, help="comm messages sent (one at a time)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one answer")
    o = p.parse_args()
    res = {"kernel": o.kernel, "n": o.n}
    try:
        times = sorted(measure(o.kernel, o.n, o.timeout))
        res["round_trip_s"] = {
            "median": statistics.median(times),
            "p95": times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))],
            "min": times[0],
            "max": times[-1],
        }
    except Exception as e:  # reported in the JSON: report.py shows the figure as failed
        res["error"] = "%s: %s" % (type(e).__name__, e)
    json.dump(res, sys.stdout, indent=2)
    print()
    return 1 if "error" in res else 0


if __name__ == "__main__":
    sys.exit(main())

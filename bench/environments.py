#!/usr/bin/env python3
"""environments.py - what notebook environments cost: reuse, creation, an install, the import scan.

    .venv/bin/python bench/environments.py [--reuse-n 20] [--create-n 5] [--package-n 5]
                                           [--scan-n 200] [--uv PATH] [--python PATH] [--keep]

Prints JSON (bench/report.py turns it into the "Environments" table of docs/performance.md).
Needs `npm run build` (it runs dist/) and uv. Everything it makes (environments, notebooks, a
package index, uv's cache) is in a temporary folder, removed at the end unless --keep.

1. Reuse: NotebookEnvironment.ensure() on a healthy environment (lock, registry read, touch),
   median of --reuse-n after 3 warm-up calls.
2. Empty: ensure() on a new notebook, which creates its environment with uv (uv venv, freeze,
   registry), median of --create-n; one creation before them is not counted.
3. One package from a warm cache: a new notebook's ensure() + installImports() of one small
   wheel from a package index on loopback (the index page is served with no-store, so it is
   fetched each time; the wheel comes from uv's cache, warmed by the same install into another
   environment first, not counted), median of --package-n.
4. Import scan: through the real worker (test/kernel/runtime/worker/worker_harness.py), an
   `execute` of a 30-line cell with 8 imports, all present, with "scan": true against the same
   cell with "scan": false, interleaved, after 20 warm-up runs; the difference of the medians of
   --scan-n each.
"""

import argparse
import hashlib
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAKE_WHEEL = os.path.join(ROOT, "test", "support", "make_wheel.py")
HARNESS_DIR = os.path.join(ROOT, "test", "kernel", "runtime", "worker")
PACKAGE = ("luci-bench-pkg", "1.0.0", "luci_bench_pkg")

# The TypeScript side: runs the built kernel modules on the environments folder it is given.
NODE_BENCH = r"""
import { join } from "node:path";
import { pathToFileURL } from "node:url";
const cfg = JSON.parse(process.argv[1]);
const load = (name) => import(pathToFileURL(join(cfg.root, "dist", "kernel", "environments", name)).href);
const { NotebookEnvironment } = await load("notebook-environment.js");
const { notebookIdentity } = await load("notebook-identity.js");
const { installImports } = await load("package-installer.js");
const { Progress } = await load("progress.js");

const settings = { dir: cfg.envs, basePython: cfg.python, uv: cfg.uv, indexUrl: cfg.index };
const environment = (name) => new NotebookEnvironment(settings, notebookIdentity(join(cfg.notebooks, name + ".ipynb")));
const progress = () => new Progress(undefined);
const now = () => performance.now();
const out = { errors: {} };

async function section(name, work) {
  try {
    await work();
  } catch (error) {
    out.errors[name] = String(error && error.stack || error) + (error && error.output ? "\n" + error.output : "");
  }
}

async function installOne(env) {
  const result = await installImports(env, [cfg.importName], progress());
  if (result.failed.length || result.installed.length !== 1) throw new Error("install failed: " + JSON.stringify(result));
}

await section("reuse", async () => {
  const env = environment("reuse");
  await env.ensure(progress());
  for (let i = 0; i < 3; i++) await env.ensure(progress());
  if (!env.isHealthy()) throw new Error("the environment is not healthy after ensure()");
  out.reuse_ms = [];
  for (let i = 0; i < cfg.reuseN; i++) {
    const t = now();
    await env.ensure(progress());
    out.reuse_ms.push(now() - t);
  }
});

await section("create_empty", async () => {
  await environment("empty-warmup").ensure(progress());
  out.create_empty_ms = [];
  for (let i = 0; i < cfg.createN; i++) {
    const env = environment("empty" + i);
    const t = now();
    await env.ensure(progress());
    out.create_empty_ms.push(now() - t);
    if (!env.isHealthy()) throw new Error("a new environment is not healthy after ensure()");
  }
});

await section("create_package", async () => {
  const warm = environment("package-warmup");
  let t = now();
  await warm.ensure(progress());
  await installOne(warm);
  out.package_first_ms = now() - t;
  out.create_package_ms = [];
  out.create_package_ensure_ms = [];
  out.create_package_install_ms = [];
  out.package_envs = [];
  for (let i = 0; i < cfg.packageN; i++) {
    const env = environment("package" + i);
    t = now();
    await env.ensure(progress());
    const made = now();
    await installOne(env);
    const end = now();
    out.create_package_ms.push(end - t);
    out.create_package_ensure_ms.push(made - t);
    out.create_package_install_ms.push(end - made);
    out.package_envs.push(env.python);
  }
});

process.stdout.write(JSON.stringify(out) + "\n");
"""

# 30 lines, 8 imports (6 installed in the venv, 2 from the standard library), all present.
SCAN_CELL = """import numpy as np
import yaml
from dateutil import parser as date_parser
import packaging.version
from pygments import lexers
import idna
import json
from collections import Counter

def summarise(values):
    counts = Counter(values)
    total = sum(counts.values())
    return {key: count / total for key, count in counts.items()}

rows = [
    {"name": "alpha", "value": 1},
    {"name": "beta", "value": 2},
    {"name": "alpha", "value": 3},
]
names = [row["name"] for row in rows]
shares = summarise(names)
values = np.array([row["value"] for row in rows])
mean = float(values.mean())
when = date_parser.isoparse("2024-01-02")
newer = packaging.version.Version("2.0") > packaging.version.Version("1.9")
text = json.dumps({"shares": shares, "mean": mean, "newer": newer})
lexer = lexers.get_lexer_by_name("python")
host = idna.encode("example.org")
config = yaml.safe_load("a: 1")
result = (len(text), when.year, lexer.name, host, config["a"])"""


def stats(samples):
    if not samples:
        return None
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median": statistics.median(samples), "min": ordered[0], "p95": p95, "max": ordered[-1],
            "n": len(samples), "samples": [round(s, 4) for s in samples]}


class Index:
    """A PEP 503 simple index on loopback serving the wheels in a folder."""

    def __init__(self, folder):
        self.folder = folder
        wheels = {}
        for name in sorted(os.listdir(folder)):
            if name.endswith(".whl"):
                project = name.split("-")[0].replace("_", "-").lower()
                with open(os.path.join(folder, name), "rb") as f:
                    wheels.setdefault(project, []).append((name, hashlib.sha256(f.read()).hexdigest()))
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                parts = [p for p in path.split("/") if p]
                if len(parts) == 2 and parts[0] == "simple" and parts[1] in wheels:
                    links = "".join('<a href="/files/%s#sha256=%s">%s</a><br>\n' % (w, h, w) for w, h in wheels[parts[1]])
                    return self.send(200, "text/html", ("<!DOCTYPE html><html><body>\n%s</body></html>\n" % links).encode())
                if len(parts) == 2 and parts[0] == "files" and os.path.isfile(os.path.join(index.folder, parts[1])):
                    with open(os.path.join(index.folder, parts[1]), "rb") as f:
                        return self.send(200, "application/octet-stream", f.read())
                self.send(404, "text/plain", b"not found\n")

            def do_HEAD(self):  # uv asks before a download whether ranges are served
                self.do_GET()

            def send(self, status, kind, body):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/simple/" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def find_uv(given):
    for candidate in (given, os.environ.get("LUCI_UV"), os.path.join(ROOT, ".venv", "bin", "uv"), shutil.which("uv")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def bench_node(args, base, uv, index_url, out):
    envs, notebooks = os.path.join(base, "envs"), os.path.join(base, "notebooks")
    os.makedirs(notebooks, exist_ok=True)
    cfg = {"root": ROOT, "envs": envs, "notebooks": notebooks, "python": args.python, "uv": uv, "index": index_url,
           "importName": PACKAGE[2], "reuseN": args.reuse_n, "createN": args.create_n, "packageN": args.package_n}
    env = dict(os.environ, UV_CACHE_DIR=os.path.join(base, "uv-cache"))
    done = subprocess.run(["node", "--input-type=module", "-e", NODE_BENCH, "--", json.dumps(cfg)],
                          capture_output=True, text=True, env=env, cwd=notebooks, timeout=900)
    if done.returncode != 0:
        raise RuntimeError("node exited with %s: %s" % (done.returncode, done.stderr.strip()[-2000:]))
    result = json.loads(done.stdout.strip().splitlines()[-1])
    out["errors"].update(result.get("errors", {}))
    out["reuse_ms"] = stats(result.get("reuse_ms"))
    out["create_empty_ms"] = stats(result.get("create_empty_ms"))
    out["create_package_ms"] = stats(result.get("create_package_ms"))
    out["create_package_ensure_ms"] = stats(result.get("create_package_ensure_ms"))
    out["create_package_install_ms"] = stats(result.get("create_package_install_ms"))
    out["package_first_ms"] = result.get("package_first_ms")
    # the package really is importable in the environments it was installed into
    for python in result.get("package_envs", [])[:1]:
        check = subprocess.run([python, "-c", "import %s; print(%s.VALUE)" % (PACKAGE[2], PACKAGE[2])],
                               capture_output=True, text=True)
        if check.returncode != 0 or PACKAGE[1] not in check.stdout:
            out["errors"]["create_package"] = "the installed package does not import: %s" % (check.stderr or check.stdout)


def bench_scan(args, cwd, out):
    sys.path.insert(0, HARNESS_DIR)
    import worker_harness  # noqa: E402  (the test suite's driver of the real worker)

    worker = worker_harness.Worker(python=args.worker_python, cwd=cwd)
    try:
        first = worker.execute(SCAN_CELL, scan=True, timeout=120)
        if first.status != "ok":
            raise RuntimeError("the scan cell did not run: %s" % json.dumps(first.done)[:1000])
        samples = {False: [], True: []}
        warmup = 40
        for run in range(warmup + 2 * args.scan_n):  # interleaved, so drift hits both alike
            scan = bool(run % 2)
            start = time.perf_counter()
            result = worker.execute(SCAN_CELL, scan=scan, timeout=60)
            elapsed = (time.perf_counter() - start) * 1000
            if result.status != "ok":
                raise RuntimeError("execute with scan=%s: %s" % (scan, json.dumps(result.done)[:1000]))
            if run >= warmup:
                samples[scan].append(elapsed)
        on, off = stats(samples[True]), stats(samples[False])
        out["scan"] = {"on_ms": on, "off_ms": off, "diff_ms": on["median"] - off["median"],
                       "lines": len(SCAN_CELL.splitlines()),
                       "imports": sum(1 for l in SCAN_CELL.splitlines() if l.startswith(("import ", "from "))),
                       "worker_python": args.worker_python}
    finally:
        worker.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reuse-n", type=int, default=20)
    p.add_argument("--create-n", type=int, default=5)
    p.add_argument("--package-n", type=int, default=5)
    p.add_argument("--scan-n", type=int, default=200)
    p.add_argument("--uv", help="uv to use (default: LUCI_UV, .venv/bin/uv, uv on PATH)")
    p.add_argument("--python", default=os.environ.get("LUCI_PYTHON") or sys.executable,
                   help="the base interpreter environments are made from (default: LUCI_PYTHON, else this one)")
    p.add_argument("--worker-python", default=sys.executable, help="the worker's interpreter for the scan")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = p.parse_args()

    out = {"errors": {}, "options": {k: getattr(args, k) for k in ("reuse_n", "create_n", "package_n", "scan_n")}}
    uv = find_uv(args.uv)
    out["uv"] = uv
    out["base_python"] = args.python
    base = tempfile.mkdtemp(prefix="luci-bench-env-")
    out["folder"] = base
    index = None
    try:
        if not os.path.exists(os.path.join(ROOT, "dist", "kernel", "environments", "notebook-environment.js")):
            raise RuntimeError("dist/ is missing: run npm run build first")
        if not uv:
            raise RuntimeError("no uv found (LUCI_UV, .venv/bin/uv, PATH)")
        out["uv_version"] = subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.strip()
        wheels = os.path.join(base, "index")
        os.makedirs(wheels)
        subprocess.run([sys.executable, MAKE_WHEEL, wheels, PACKAGE[0], PACKAGE[1]], check=True, capture_output=True)
        index = Index(wheels)
        bench_node(args, base, uv, index.url, out)
    except Exception as e:
        out["errors"]["environments"] = "%s: %s" % (type(e).__name__, e)
    finally:
        if index:
            index.close()
    try:
        bench_scan(args, os.path.join(base, "notebooks") if os.path.isdir(os.path.join(base, "notebooks")) else base, out)
    except Exception as e:
        out["errors"]["scan"] = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()[-1500:])
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    json.dump(out, sys.stdout, indent=2)
    print()
    return 1 if out["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

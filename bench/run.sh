#!/usr/bin/env bash
# bench/run.sh - Luci and ipykernel side by side, in one run, on this machine; writes
# docs/performance.md.
#
#   bench/run.sh [--quick] [--out FILE]
#
# Both kernels are installed as kernelspecs into the repo's .venv (Luci with
# `luci install --prefix .venv --python .venv/bin/python`, ipykernel with
# `python -m ipykernel install --prefix .venv`), so both run with the same Python. Then, for each
# kernel, one after the other:
#   ../shared/bench/kernel_bench.py --json     cold start, `x = 1` round trip, 10,000 lines, interrupt
#   ../shared/bench/nbconvert_bench.sh --json  nbconvert --execute of a 20-cell notebook
#   bench/memory.py                            RSS of the kernel's process tree after a few cells
#   bench/widgets.py                           the widget round trip: a client's comm_msg to a
#                                              comm target in Python and its answer back
# then, for Luci alone:
#   bench/environments.py                      notebook environments: reuse, creation (empty, with
#                                              one package from a warm uv cache), the import scan
#   bench/pipeline.bench.ts (vitest)           task cells against the fake model server: the
#                                              pipeline's own time, reruns from the record, model
#                                              calls per task, token-to-display latency (same
#                                              sizes with --quick: it takes about 10 s)
#   bench/container.bench.ts (vitest)          the container executor against the venv executor:
#                                              cold start, `x = 1`, one package (needs Docker:
#                                              .ci/docker-engine.sh is run first)
#   bench/server/server.bench.ts (vitest)      luci serve: 20 kernels started at once, and the
#                                              WebSocket path against a direct ZeroMQ client
#   bench/apps.bench.ts (vitest)               web apps: a web-app task cell's execute_request to
#                                              the first answer of the URL it shows
# and bench/report.py turns the JSON (kept in bench/results/latest/) into the tables.
#
# Needs the venv that `.ci/run` makes; if it is missing, this runs `LUCI_CI_ONLY=setup .ci/run`.
# Not part of CI: timings don't belong in tests. The shared harness is called, not copied;
# its folder is ../shared/bench beside the repo (override with LUCI_SHARED=/path/to/shared).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. "$ROOT/.ci/env.sh"
SHARED=${LUCI_SHARED:-$ROOT/../shared}
HARNESS=$SHARED/bench
OUT=docs/performance.md
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  START_N=5; EXEC_N=100; NB_REPEAT=2; MEM_REPEAT=1; WIDGET_N=50
  ENV_ARGS=(--reuse-n 10 --create-n 3 --package-n 3 --scan-n 100)
else
  # the same sizes as ../shared/bench/baseline-ipykernel.md
  START_N=20; EXEC_N=500; NB_REPEAT=5; MEM_REPEAT=3; WIDGET_N=300
  ENV_ARGS=(--reuse-n 20 --create-n 5 --package-n 5 --scan-n 200)
fi

[ -f "$HARNESS/kernel_bench.py" ] && [ -f "$HARNESS/nbconvert_bench.sh" ] \
  || { echo "no shared harness in $HARNESS (set LUCI_SHARED)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "nbconvert_bench.sh needs GNU time: apt-get install time (or run .ci/run)" >&2; exit 2; }

PY=$VENV/bin/python
if [ ! -x "$PY" ] || ! "$PY" -c 'import jupyter_client, ipykernel, nbconvert' 2>/dev/null || [ ! -d node_modules ]; then
  echo "== setting up (LUCI_CI_ONLY=setup .ci/run)"
  LUCI_CI_ONLY=setup bash "$ROOT/.ci/run"
fi
# kernel_bench.py runs with its own pinned jupyter_client/pyzmq (see bench/harness-requirements.txt)
HPY=$VENV/var/bench-harness/bin/python
if [ ! -x "$HPY" ]; then
  echo "== harness venv ($VENV/var/bench-harness)"
  /usr/bin/python3 -m venv "$VENV/var/bench-harness"
fi
"$HPY" -m pip install -q -r "$ROOT/bench/harness-requirements.txt" </dev/null

echo "== build"
npm run --silent build

echo "== kernelspecs (into $VENV)"
node dist/kernel/cli/luci.js install --prefix "$VENV" --python "$PY"
"$PY" -m ipykernel install --prefix "$VENV" --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
"$HPY" "$HARNESS/kernel_bench.py" --list

RES=$ROOT/bench/results/latest
# bench/first-run.sh's figures are kept: that script is run on its own (it takes minutes).
kept=$(mktemp)
cp "$RES/first-run.json" "$kept" 2>/dev/null || rm -f "$kept"
rm -rf "$RES"
mkdir -p "$RES"
[ ! -f "$kept" ] || mv "$kept" "$RES/first-run.json"
mkdir -p "$RES"
declare -A SPEC=([ipykernel]=python3 [luci]=luci)
status=0

# measure NAME OUT COMMAND...: runs one measurement, its JSON to $RES/OUT.json, its log to .stderr
measure() {
  local name=$1 out=$2 rc=0
  shift 2
  "$@" >"$RES/$out.json" 2>"$RES/$out.stderr" </dev/null || rc=$?
  [ "$rc" = 0 ] || { echo "   $name exit $rc (see $RES/$out.stderr)"; tail -5 "$RES/$out.stderr" || true; status=1; }
}

for k in ipykernel luci; do
  echo "== kernel_bench.py: $k (--n $START_N --exec-n $EXEC_N)"
  measure kernel_bench.py "kernel-$k" "$HPY" "$HARNESS/kernel_bench.py" --kernel "${SPEC[$k]}" \
    --n "$START_N" --exec-n "$EXEC_N" --json
done

for k in ipykernel luci; do
  echo "== nbconvert_bench.sh: $k (-r $NB_REPEAT)"
  measure nbconvert_bench.sh "nbconvert-$k" env JUPYTER="$VENV/bin/jupyter" PYTHON="$PY" \
    bash "$HARNESS/nbconvert_bench.sh" -k "${SPEC[$k]}" -r "$NB_REPEAT" --json
done

for k in ipykernel luci; do
  echo "== memory.py: $k (--repeat $MEM_REPEAT)"
  measure memory.py "memory-$k" "$PY" "$ROOT/bench/memory.py" --kernel "${SPEC[$k]}" --repeat "$MEM_REPEAT"
done

for k in ipykernel luci; do
  echo "== widgets.py: $k (--n $WIDGET_N)"
  measure widgets.py "widgets-$k" "$PY" "$ROOT/bench/widgets.py" --kernel "${SPEC[$k]}" --n "$WIDGET_N"
done

# environments are made from $PY, as the kernelspec installed above says (LUCI_PYTHON), with the
# venv's uv (LUCI_UV if set)
echo "== environments.py: luci (${ENV_ARGS[*]})"
measure environments.py environments "$PY" "$ROOT/bench/environments.py" --python "$PY" "${ENV_ARGS[@]}"

# task cells: the built kernel (LUCI_EXECUTOR=local, worker $PY) against the fake model server of
# test/support/, run by vitest so the bench imports the TS test support; JSON to $RES/pipeline.json
PIPE_ARGS=(LUCI_BENCH_TASKS=20 LUCI_BENCH_RERUNS=50 LUCI_BENCH_STREAMS=3)
echo "== pipeline.bench.ts: luci (${PIPE_ARGS[*]})"
rc=0
env "${PIPE_ARGS[@]}" LUCI_EXECUTOR=local LUCI_PYTHON="$PY" LUCI_BENCH_OUT="$RES/pipeline.json" \
  "$ROOT/node_modules/.bin/vitest" run --config bench/vitest.bench.config.ts bench/pipeline.bench.ts \
  >"$RES/pipeline.stderr" 2>&1 </dev/null || rc=$?
[ "$rc" = 0 ] || { echo "   pipeline.bench.ts exit $rc (see $RES/pipeline.stderr)"; tail -15 "$RES/pipeline.stderr" || true; status=1; }

# the container executor: a real Docker engine (.ci/docker-engine.sh starts one and builds the
# local image), the same worker in a container against the venv executor
CTR_ARGS=(LUCI_BENCH_STARTS=20 LUCI_BENCH_EXECS=200 LUCI_BENCH_INSTALLS=5 LUCI_BENCH_BUILDS=3)
[ "$QUICK" = 1 ] && CTR_ARGS=(LUCI_BENCH_STARTS=5 LUCI_BENCH_EXECS=50 LUCI_BENCH_INSTALLS=2 LUCI_BENCH_BUILDS=1)
echo "== container.bench.ts: luci (${CTR_ARGS[*]})"
bash "$ROOT/.ci/docker-engine.sh" start >"$RES/docker-engine.log" 2>&1 || { echo "   no Docker engine (see $RES/docker-engine.log)"; status=1; }
rc=0
env "${CTR_ARGS[@]}" LUCI_BENCH_OUT="$RES/container.json" \
  "$ROOT/node_modules/.bin/vitest" run --config bench/vitest.bench.config.ts bench/container.bench.ts \
  >"$RES/container.stderr" 2>&1 </dev/null || rc=$?
[ "$rc" = 0 ] || { echo "   container.bench.ts exit $rc (see $RES/container.stderr)"; tail -15 "$RES/container.stderr" || true; status=1; }

# the server: 20 kernels at once through the REST API, and WebSocket against direct ZeroMQ
SRV_ARGS=(LUCI_BENCH_KERNELS=20 LUCI_BENCH_BURST=1000 LUCI_BENCH_ROUNDS=5)
[ "$QUICK" = 1 ] && SRV_ARGS=(LUCI_BENCH_KERNELS=5 LUCI_BENCH_BURST=300 LUCI_BENCH_ROUNDS=2)
echo "== server.bench.ts: luci (${SRV_ARGS[*]})"
rc=0
env "${SRV_ARGS[@]}" LUCI_PYTHON="$PY" LUCI_BENCH_OUT="$RES/server.json" \
  "$ROOT/node_modules/.bin/vitest" run --config bench/vitest.bench.config.ts bench/server/server.bench.ts \
  >"$RES/server.stderr" 2>&1 </dev/null || rc=$?
[ "$rc" = 0 ] || { echo "   server.bench.ts exit $rc (see $RES/server.stderr)"; tail -15 "$RES/server.stderr" || true; status=1; }

# web apps from the notebook: a web-app task cell to the first answer of its URL
echo "== apps.bench.ts: luci"
rc=0
env LUCI_PYTHON="$PY" LUCI_BENCH_OUT="$RES/apps.json" \
  "$ROOT/node_modules/.bin/vitest" run --config bench/vitest.bench.config.ts bench/apps.bench.ts \
  >"$RES/apps.stderr" 2>&1 </dev/null || rc=$?
[ "$rc" = 0 ] || { echo "   apps.bench.ts exit $rc (see $RES/apps.stderr)"; tail -15 "$RES/apps.stderr" || true; status=1; }

echo "== versions"
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
MACHINE="Debian $(cat /etc/debian_version 2>/dev/null || echo '?'), Linux $(uname -r), $(nproc) vCPU ($cpu), $mem RAM"
GIT=$(git rev-parse --short HEAD 2>/dev/null || echo "no commit")
[ -z "$(git status --porcelain 2>/dev/null | head -1)" ] || GIT="$GIT + uncommitted changes"
ZMQ_NPM=$(node -p 'require("./node_modules/zeromq/package.json").version' 2>/dev/null || echo '?')
HARNESS_VERSIONS=$("$HPY" -c 'import jupyter_client, zmq; print("jupyter_client %s, pyzmq %s" % (jupyter_client.__version__, zmq.__version__))')
OPTIONS="kernel_bench --n $START_N --exec-n $EXEC_N; nbconvert_bench -r $NB_REPEAT; memory --repeat $MEM_REPEAT; widgets --n $WIDGET_N; environments ${ENV_ARGS[*]}; pipeline ${PIPE_ARGS[*]}; container ${CTR_ARGS[*]}; server ${SRV_ARGS[*]}"
[ "$QUICK" = 1 ] && OPTIONS="$OPTIONS (--quick)"
HARNESS_VERSIONS="$HARNESS_VERSIONS" ROOT="$ROOT" MACHINE="$MACHINE" GIT="$GIT" ZMQ_NPM="$ZMQ_NPM" OPTIONS="$OPTIONS" \
LUCI_VERSION="$(node dist/kernel/cli/luci.js version)" NODE_VERSION="$(node --version)" \
COMMAND="bench/run.sh$([ "$QUICK" = 1 ] && echo ' --quick' || true)" \
"$PY" - "$RES/meta.json" <<'EOF'
import datetime, json, os, platform, sys
from importlib.metadata import version
def v(name):
    try:
        return version(name)
    except Exception:
        return "?"
e = os.environ
meta = {
    "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
    "command": e["COMMAND"], "machine": e["MACHINE"], "options": e["OPTIONS"], "root": e["ROOT"],
    "versions": {
        "luci": e["LUCI_VERSION"], "git": e["GIT"], "node": e["NODE_VERSION"], "zeromq": e["ZMQ_NPM"],
        "python": platform.python_version(), "worker_python": "%s (%s)" % (platform.python_version(), sys.executable),
        "ipykernel": v("ipykernel"), "ipython": v("ipython"), "jupyter_client": v("jupyter_client"),
        "pyzmq": v("pyzmq"), "nbconvert": v("nbconvert"), "nbclient": v("nbclient"),
        "kernel_bench": e["HARNESS_VERSIONS"],
    },
}
json.dump(meta, open(sys.argv[1], "w"), indent=2)
EOF

echo "== report"
"$PY" "$ROOT/bench/report.py" "$RES" --out "$OUT"
exit "$status"

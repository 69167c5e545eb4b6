#!/usr/bin/env bash
# bench/first-run.sh - a newcomer's first minutes, timed: the README's run command
# (`npm ci && node dist/kernel/cli/luci.js install --user && npm start`) in a fresh clone, as a
# new user (an empty HOME), to a page that answers; then, through @jupyterlab/services as the
# page uses it (bench/first-run-client.mjs), a new notebook's first Python cell (its environment
# is made then), its first task with Luci's own model (the model server is started then) and a
# second task. Measures the commit checked out (HEAD), not uncommitted changes. Writes
# bench/results/latest/first-run.json and regenerates docs/performance.md.
#
#   bench/first-run.sh [--runs N]
#
# What is not fresh, and why: npm's download cache (npm_config_cache points at this user's, so
# `npm ci` measures installing, not the network) and Luci's model files (the new user's model
# folder is linked to this user's: the 1.1 GB download depends on the network alone, and the
# cell shows its progress). uv is installed from PyPI by `luci install --user`, as for a newcomer.
# Not part of CI: timings don't belong in tests.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RUNS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

REAL_HOME=$HOME
MODELS=${XDG_DATA_HOME:-$REAL_HOME/.local/share}/luci/models
[ -f "$MODELS/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" ] \
  || { echo "Luci's own model is not in $MODELS: run node dist/kernel/cli/luci.js model pull first" >&2; exit 2; }
OUT_DIR=$ROOT/bench/results/latest
mkdir -p "$OUT_DIR"
now_ms() { date +%s%3N; }

one_run() {
  local work port server_pid url token t0 t1 t2 t3 model_pid
  work=$(mktemp -d /tmp/luci-first-run-XXXXXX)
  git clone -q "$ROOT" "$work/luci"
  mkdir -p "$work/home/.local/share/luci"
  ln -s "$MODELS" "$work/home/.local/share/luci/models"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  (
    cd "$work/luci"
    # A new user: an empty HOME, nothing of Luci's or Jupyter's configured.
    export HOME=$work/home npm_config_cache=$REAL_HOME/.npm
    unset XDG_DATA_HOME XDG_CONFIG_HOME JUPYTER_PATH JUPYTER_DATA_DIR VIRTUAL_ENV CONDA_PREFIX
    for name in $(env | sed -n 's/^\(LUCI_[A-Z_]*\)=.*/\1/p'); do unset "$name"; done
    t0=$(now_ms)
    npm ci --no-audit --no-fund >"$work/npm-ci.log" 2>&1 </dev/null
    t1=$(now_ms)
    node dist/kernel/cli/luci.js install --user >"$work/install.log" 2>&1 </dev/null
    t2=$(now_ms)
    # Its own process group: npm does not pass a signal on to the server it runs.
    setsid npm start -- --port "$port" >"$work/server.log" 2>&1 </dev/null &
    server_pid=$!
    url=""
    for _ in $(seq 1 600); do
      url=$(grep -o "http://127.0.0.1:$port/?token=[A-Za-z0-9_-]*" "$work/server.log" | head -1 || true)
      if [ -n "$url" ] && curl -fsS -o /dev/null "$url"; then break; fi
      url=""
      sleep 0.1
    done
    t3=$(now_ms)
    if [ -z "$url" ]; then
      echo "the page did not answer; server log:" >&2
      cat "$work/server.log" >&2
      kill -- "-$server_pid"
      exit 1
    fi
    token=${url##*token=}
    if ! node "$ROOT/bench/first-run-client.mjs" "http://127.0.0.1:$port" "$token" "$work/client.json" >"$work/client.log" 2>&1; then
      echo "the client failed:" >&2
      cat "$work/client.log" >&2
      tail -20 "$work/server.log" >&2
      kill -- "-$server_pid"
      exit 1
    fi
    kill -INT -- "-$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    # The new user's model server, started by the first task, by the pid in its runtime file.
    model_pid=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pid"])' \
      "$work/home/.local/share/luci/runtime/model-server.json" 2>/dev/null || true)
    [ -z "$model_pid" ] || kill "$model_pid" 2>/dev/null || true
    # The link to the luci command (for root, in /usr/local/bin) points into this clone: removed.
    node dist/kernel/cli/luci.js uninstall --user >/dev/null 2>&1 </dev/null || true
    python3 - "$t0" "$t1" "$t2" "$t3" "$work/client.json" <<'EOF'
import json, sys
t0, t1, t2, t3 = (int(x) for x in sys.argv[1:5])
run = {"npm_ci_ms": t1 - t0, "install_ms": t2 - t1, "page_ms": t3 - t2, "command_to_page_ms": t3 - t0}
run.update(json.load(open(sys.argv[5])))
print(json.dumps(run))
EOF
  ) >>"$OUT_DIR/first-run.jsonl" || { echo "the run failed; its files are kept in $work" >&2; return 1; }
  rm -rf "$work"
}

rm -f "$OUT_DIR/first-run.jsonl"
for i in $(seq 1 "$RUNS"); do
  echo "first run $i of $RUNS …" >&2
  one_run
done
python3 - "$OUT_DIR/first-run.jsonl" >"$OUT_DIR/first-run.json" <<'EOF'
import datetime, json, subprocess, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
print(json.dumps({"date_utc": date, "git": git, "node": node, "runs": runs}, indent=1))
EOF
rm -f "$OUT_DIR/first-run.jsonl"
echo "wrote $OUT_DIR/first-run.json" >&2
. "$ROOT/.ci/env.sh"
"$VENV/bin/python" bench/report.py "$OUT_DIR" --out docs/performance.md

#!/usr/bin/env bash
# bench/tasks/run.sh - notebook tasks through Luci and the naive way, with the same model;
# writes bench/results/tasks/*.json and the notebook-task section of docs/performance.md.
#
#   bench/tasks/run.sh [--model-url URL --model NAME] [--only luci|naive] [--quick N]
#                      [--notebooks a,b] [--timeout S] [--reference] [--keep] [--no-build]
#
#   --model-url URL   an OpenAI-compatible base URL with its /v1 (default: LUCI_LLM_BASE_URL; else
#                     Luci's own model server of this user, found by its runtime file, with Luci
#                     left unconfigured so that it chooses its own model)
#   --model NAME      the model (default: LUCI_LLM_MODEL, else the first the endpoint lists)
#   --only R          luci or naive alone
#   --quick N         the first N notebooks only
#   --notebooks a,b   these notebooks only (names as in bench/tasks/notebooks/*.json)
#   --timeout S       seconds per cell (default 180); a cell past it is interrupted and wrong
#   --reference       no model: the reference solutions through both kernels, proving the judges
#   --keep            keep each notebook's temporary working directory
#   --no-build        use dist/ as it is (default: npm run build first, to measure the tree)
#
# Both runners use the repo's .venv Python (pandas, matplotlib): Luci through the `luci`
# kernelspec with LUCI_EXECUTOR=local and LUCI_PYTHON=.venv/bin/python, the naive way through
# the `python3` kernelspec (ipykernel), both installed into .venv here. Each notebook runs in a
# fresh temporary working directory, one kernel per notebook and runner, one cell at a time.
# Needs the venv that .ci/run makes; if it is missing, this runs
# `LUCI_CI_ONLY=setup LUCI_CI_SKIP_APT=1 bash .ci/run` first.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
. "$ROOT/.ci/env.sh"

BUILD=1
ARGS=()
for a in "$@"; do
  case "$a" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    --no-build) BUILD=0 ;;
    *) ARGS+=("$a") ;;
  esac
done

PY=$VENV/bin/python
if [ ! -x "$PY" ] || ! "$PY" -c 'import jupyter_client, ipykernel, pandas, matplotlib' 2>/dev/null || [ ! -d node_modules ]; then
  echo "== setting up (LUCI_CI_ONLY=setup LUCI_CI_SKIP_APT=1 .ci/run)" >&2
  LUCI_CI_ONLY=setup LUCI_CI_SKIP_APT=1 bash "$ROOT/.ci/run" >&2
fi
if [ "$BUILD" = 1 ] || [ ! -f dist/kernel/cli/luci.js ]; then
  echo "== build" >&2
  npm run --silent build >&2
fi
echo "== kernelspecs (into $VENV)" >&2
node dist/kernel/cli/luci.js install --prefix "$VENV" --python "$PY" >/dev/null
"$PY" -m ipykernel install --prefix "$VENV" --name python3 --display-name "Python 3 (ipykernel)" >/dev/null 2>&1

rc=0
"$PY" "$ROOT/bench/tasks/bench.py" --python "$PY" ${ARGS[@]+"${ARGS[@]}"} || rc=$?
# 2: nothing was run (no endpoint, bad arguments)
if [ "$rc" != 2 ]; then
  "$PY" "$ROOT/bench/tasks/report.py" "$ROOT/bench/results/tasks" --out "$ROOT/docs/performance.md" || rc=$?
fi
exit "$rc"

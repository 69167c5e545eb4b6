#!/usr/bin/env bash
# .ci/lint-python.sh [VENV] - lint, format-check and type-check the Python worker
# (kernel/runtime/worker) with the tools in the venv VENV: ruff check, ruff format --check, mypy.
# Their settings are in kernel/runtime/worker/pyproject.toml, so each runs from that folder.
#
# VENV defaults to $VENV, else .venv at the repository's root: the venv that .ci/run makes,
# with ruff and mypy pinned in .ci/requirements.txt. `npm run lint` runs this after eslint,
# prettier and knip. Exits non-zero on the first tool that fails, or when a tool is missing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV_DIR=${1:-${VENV:-$ROOT/.venv}}
WORKER="$ROOT/kernel/runtime/worker"

for tool in ruff mypy; do
  if [ ! -x "$VENV_DIR/bin/$tool" ]; then
    echo "lint-python: no $tool in $VENV_DIR/bin. Install the pinned tools with" >&2
    echo "  $VENV_DIR/bin/python -m pip install -r $ROOT/.ci/requirements.txt" >&2
    echo "(bash .ci/run does this), or pass the venv that has them: bash .ci/lint-python.sh VENV" >&2
    exit 2
  fi
done

cd "$WORKER"
echo "ruff check (kernel/runtime/worker)"
"$VENV_DIR/bin/ruff" check --no-cache .
echo "ruff format --check (kernel/runtime/worker)"
"$VENV_DIR/bin/ruff" format --check --no-cache .
echo "mypy (kernel/runtime/worker)"
"$VENV_DIR/bin/mypy"

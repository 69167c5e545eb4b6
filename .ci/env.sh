# .ci/env.sh - sourced by .ci/run and bench/run.sh (bash): where the venv and Jupyter's
# files live, so that nothing outside the repository is read or written by Jupyter.
#
#   . .ci/env.sh
#
# Sets ROOT (if unset), VENV, and the Jupyter/IPython directories:
#   JUPYTER_PATH      $VENV/share/jupyter first, so the kernelspecs installed there win over
#                     any "luci" or "python3" in ~/.local/share/jupyter or /usr/share/jupyter
#   JUPYTER_DATA_DIR  $VENV/share/jupyter-data (the "user" data dir: runtime files, --user)
#   JUPYTER_CONFIG_DIR, JUPYTER_RUNTIME_DIR, IPYTHONDIR, MPLCONFIGDIR: under $VENV/var
# JUPYTER_PLATFORM_DIRS=1 silences jupyter_core's deprecation warning about them.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
VENV=${VENV:-$ROOT/.venv}
export VENV
export JUPYTER_PATH="$VENV/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export JUPYTER_DATA_DIR="$VENV/share/jupyter-data"
export JUPYTER_CONFIG_DIR="$VENV/var/jupyter-config"
export JUPYTER_RUNTIME_DIR="$VENV/var/jupyter-runtime"
export IPYTHONDIR="$VENV/var/ipython"
export MPLCONFIGDIR="$VENV/var/matplotlib"
export JUPYTER_PLATFORM_DIRS=1
# debugpy (under ipykernel) warns about frozen modules on Python 3.11 at every start.
export PYDEVD_DISABLE_FILE_VALIDATION=1
mkdir -p "$JUPYTER_DATA_DIR" "$JUPYTER_CONFIG_DIR" "$JUPYTER_RUNTIME_DIR" "$IPYTHONDIR" "$MPLCONFIGDIR" 2>/dev/null || true

"""IPython.core.pylabtools stand-in: what matplotlib reads from it.

pyplot, finding a shell (get_ipython() answers the worker's), installs its display hook and,
for IPython older than 8.24 (this shim says 8.0), looks up `backend2gui` to start a GUI event
loop. No GUI loop runs in Luci's worker (figures are shown inline): no backend names one.
"""

from __future__ import annotations

backend2gui: dict[str, str] = {}

"""The benchmark's model mode end to end, with fake_model.py standing in for the model: two
notebooks through the real Luci kernel and ipykernel. Checks what the runner reads from Luci's
outputs (model calls, reruns from the record with no call, a self-repair, the time to the first
token) and that the naive way runs the first python block in a persistent namespace.

Needs the kernelspecs bench/tasks/run.sh installs into .venv (run it once, e.g. with --reference),
and JUPYTER_PATH from .ci/env.sh:  . .ci/env.sh && .venv/bin/python -m pytest bench/tasks -q
"""

from __future__ import annotations

import json
from pathlib import Path

import bench
import fake_model


def test_model_mode_against_a_fake_model(tmp_path: Path) -> None:
    server, url = fake_model.start(fail_first={"employees-1"})
    try:
        rc = bench.main(["--model-url", url, "--notebooks", "units,employees", "--timeout", "60", "--out", str(tmp_path)])
    finally:
        server.shutdown()
    assert rc == 0
    [path] = tmp_path.glob("model-*.json")
    result = json.loads(path.read_text())
    cells = {(c["runner"], c["id"]): c for c in result["cells"]}
    assert len(cells) == 14

    # Luci: every cell right; the parameter changes are reruns with no model call
    for cid in ("units-1", "units-2", "units-3", "units-4", "employees-1", "employees-2", "employees-3"):
        assert cells["luci", cid]["ok"], cells["luci", cid]
    assert [cells["luci", f"units-{n}"]["calls"] for n in (1, 2, 3, 4)] == [1, 0, 1, 0]
    assert cells["luci", "units-2"]["rerun"] and cells["luci", "units-2"]["ttft"] is None
    assert cells["luci", "units-3"]["ttft"] is not None and cells["luci", "units-3"]["ttft"] < 5
    # the first answer raised; one repair call made it right
    assert cells["luci", "employees-1"]["repairs"] == 1 and cells["luci", "employees-1"]["calls"] == 2

    # the naive way: the same failing first answer stays wrong, and the cells after it that need
    # its variables fail too; the parameter cells are new calls
    assert not cells["naive", "employees-1"]["ok"] and cells["naive", "employees-1"]["status"] == "error"
    assert all(cells["naive", f"units-{n}"]["ok"] and cells["naive", f"units-{n}"]["calls"] == 1 for n in (1, 2, 3, 4))
    assert cells["naive", "units-1"]["ttft"] is not None

    s = result["summary"]
    assert s["luci"]["right"] == 7 and s["luci"]["reruns"] == 2 and s["luci"]["cells_repaired"] == 1
    assert s["naive"]["right"] < 7
    assert [t["met"] is not None for t in s["targets"]] == [True, True, True, True]

"""Unit tests of the benchmark's judges, notebook format, answer extraction and report: each kind
of check passes on the right value and fails on a deliberately wrong one.

    .venv/bin/python -m pytest bench/tasks -q
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import report
from judge import (CellOutputs, FetchError, as_dict, as_list, approx, free_names, judge, numbers_in,
                   same_numbers, urls_in)
from naive_model import first_python_block
from notebooks import CHECK_TYPES, NotebookError, load, load_all, plain_text, task_key


def fetcher(namespace: Mapping[str, Any]):
    def fetch(names: list[str]) -> dict[str, Any]:
        return {n: namespace[n] if n in namespace else FetchError("not defined") for n in names}
    return fetch


def verdict(checks: list[dict[str, Any]], namespace: Mapping[str, Any] | None = None, text: str = "", images: int = 0,
            workdir: Path = Path("/nonexistent"), status: str = "ok") -> bool:
    return judge(checks, CellOutputs(text=text, images=images, status=status), fetcher(namespace or {}), workdir).ok


# ------------------------------------------------------------------------------------------------
# each check type: right value passes, wrong value fails


def test_var_check_right_and_wrong() -> None:
    check = [{"type": "var", "expr": "approx(payment, 1342.05, 0.01)"}]
    assert verdict(check, {"payment": 1342.054})
    assert verdict(check, {"payment": np.float64(1342.05)})
    assert not verdict(check, {"payment": 1355.24})  # annual compounding: a plausible mistake
    assert not verdict(check, {"payment": "1342.05"})  # a string is not the number
    assert not verdict(check, {})  # never assigned


def test_var_check_reports_values_and_errors() -> None:
    r = judge([{"type": "var", "expr": "len(schedule) == 360"}], CellOutputs(), fetcher({"schedule": list(range(30))}), Path("."))
    assert not r.ok and "schedule = [0, 1" in r.checks[0].detail
    r = judge([{"type": "var", "expr": "schedule.nope == 1"}], CellOutputs(), fetcher({"schedule": []}), Path("."))
    assert not r.ok and "AttributeError" in r.checks[0].detail
    r = judge([{"type": "var", "expr": "x > 1"}], CellOutputs(), fetcher({}), Path("."))
    assert r.checks[0].detail == "x: not defined"


def test_a_cell_that_failed_is_wrong_even_if_its_checks_pass() -> None:
    check = [{"type": "var", "expr": "x == 1"}]
    assert verdict(check, {"x": 1})
    assert not verdict(check, {"x": 1}, status="error")
    assert not verdict(check, {"x": 1}, status="timeout")


def test_number_check_tolerates_presentation_not_value() -> None:
    check = [{"type": "number", "value": 1342.05, "tol": 0.01}]
    for shown in ["1342.05", "Monthly payment: $1,342.05", "payment = 1342.0541", "1342.05\n"]:
        assert verdict(check, text=shown), shown
    for shown in ["1355.24", "1342", "13420.5", "", "1,342"]:
        assert not verdict(check, text=shown), shown
    assert verdict([{"type": "number", "value": -40, "tol": 0.05}], text="-40.0 °F")
    assert not verdict([{"type": "number", "value": -40, "tol": 0.05}], text="40.0")


def test_numbers_in() -> None:
    assert numbers_in("Total: 348,772.25 over 360 months, rate 0.07, 1e-3") == [348772.25, 360, 0.07, 0.001]


def test_output_check_is_a_case_insensitive_search() -> None:
    check = [{"type": "output", "regex": r"\bSunday\b"}]
    assert verdict(check, text="It was a sunday.")
    assert not verdict(check, text="Monday")
    assert not verdict(check, text="Sundays")


def test_figure_check_counts_images() -> None:
    assert verdict([{"type": "figure"}], images=1)
    assert not verdict([{"type": "figure"}], images=0)
    assert not verdict([{"type": "figure", "min": 2}], images=1)


def test_app_check_reads_the_page_of_an_app_that_answers() -> None:
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"North": 150}' if self.path == "/api/totals" else b"<table><tr><td>North</td><td>150</td></tr></table>"
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        def app(check: dict[str, Any], urls: list[str]) -> bool:
            return judge([{"type": "app", **check}], CellOutputs(urls=urls), fetcher({}), Path("/nonexistent")).ok

        assert app({"regex": r"North[\s\S]*\b150\b"}, [url])
        assert not app({"regex": r"North[\s\S]*\b75\b"}, [url])
        assert app({"path": "/api/totals", "regex": r'"North"\s*:\s*150'}, [url])
        assert not app({"regex": "North"}, [])  # no app shown, no URL printed
        server.shutdown()
        server.server_close()
        assert not app({"regex": "North", "timeout": 1}, [url])  # nothing answers there any more
    finally:
        server.server_close()


def test_urls_in_printed_text() -> None:
    text = "Serving on http://0.0.0.0:8050/ (Press CTRL+C)\nsee http://localhost:5000/api/x, or https://example.com/"
    assert urls_in(text) == ["http://127.0.0.1:8050/", "http://localhost:5000/api/x"]


def test_file_checks(tmp_path: Path) -> None:
    csv = [{"type": "file", "path": "r.csv", "expr": "same_numbers(as_dict(df, 'region', 'revenue'), {'South': 10.5, 'East': 3})"}]
    assert not verdict(csv, workdir=tmp_path)  # no file
    pd.DataFrame({"region": ["South", "East"], "revenue": [10.5, 3.0]}).to_csv(tmp_path / "r.csv", index=False)
    assert verdict(csv, workdir=tmp_path)
    pd.Series({"South": 10.5, "East": 3.0}, name="revenue").rename_axis("region").to_csv(tmp_path / "r.csv")
    assert verdict(csv, workdir=tmp_path)  # a Series written with its index: the same columns
    pd.DataFrame({"region": ["South", "East"], "revenue": [10.5, 4.0]}).to_csv(tmp_path / "r.csv", index=False)
    assert not verdict(csv, workdir=tmp_path)

    lines = [{"type": "file", "path": "names.txt", "expr": "[l.strip() for l in lines if l.strip()] == ['a', 'b']"}]
    (tmp_path / "names.txt").write_text("a\nb\n")
    assert verdict(lines, workdir=tmp_path)
    (tmp_path / "names.txt").write_text("b\na\n")
    assert not verdict(lines, workdir=tmp_path)

    regex = [{"type": "file", "path": "names.txt", "regex": r"^a$"}]
    assert verdict(regex, workdir=tmp_path)
    (tmp_path / "names.txt").write_text("ab\n")
    assert not verdict(regex, workdir=tmp_path)

    png = [{"type": "file", "path": "chart.png", "png": True}]
    (tmp_path / "chart.png").write_bytes(b"not an image")
    assert not verdict(png, workdir=tmp_path)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.plot([1, 2], [3, 4])
    plt.savefig(tmp_path / "chart.png")
    plt.close("all")
    assert verdict(png, workdir=tmp_path)


# ------------------------------------------------------------------------------------------------
# helpers


def test_as_dict_accepts_the_shapes_analysts_make() -> None:
    want = {"South": 1694.5, "East": 1506.25}
    series = pd.Series(want, name="revenue").rename_axis("region")
    shapes = [want, series, series.reset_index(), series.to_frame(), list(want.items()),
              pd.DataFrame({"region": [" South", "East "], "revenue": [1694.5, 1506.25]})]
    for shape in shapes:
        assert same_numbers(as_dict(shape, "region", "revenue"), want), shape
        assert same_numbers(as_dict(shape), want), shape
    assert not same_numbers(as_dict(series), {"South": 1694.5, "East": 1506.0})
    assert not same_numbers(as_dict(series), {"South": 1694.5})


def test_same_numbers_keys_compare_as_text() -> None:
    assert same_numbers(as_dict(pd.Series([1.0, 2.0], index=[2023, 2024])), {2023: 1, "2024": 2})
    assert same_numbers([1, 2.0000001], [1, 2], tol=1e-3)
    assert not same_numbers([1, 2], [2, 1])
    assert not same_numbers([1, 2, 3], [1, 2])


def test_as_list_and_approx() -> None:
    assert as_list(pd.Series(["a", "b"])) == ["a", "b"]
    assert as_list(np.array([1, 2])) == [1, 2]
    assert as_list({"b", "a"}) == ["a", "b"]
    assert approx(pd.Series([3.0]), 3)
    assert not approx(True, 1)
    assert not approx(None, 0)


def test_free_names_are_what_the_kernel_must_give() -> None:
    assert free_names("approx(payment, 1)") == ["payment"]
    assert free_names("[(str(w), int(c)) for w, c in as_dict(top_words).items()]") == ["top_words"]
    assert free_names("(lambda p: p.shape)(pivot) == (6, 3) and len(pd.DataFrame()) == 0") == ["pivot"]


# ------------------------------------------------------------------------------------------------
# the notebooks


def test_the_notebooks_follow_the_format_and_cover_the_brief() -> None:
    notebooks = load_all()
    tasks = [c for nb in notebooks for c in nb.tasks]
    assert len(tasks) >= 40
    assert all(2 <= len(nb.cells) <= 5 for nb in notebooks)
    used = {check["type"] for c in tasks for check in c.checks}
    assert used == CHECK_TYPES
    assert sum(1 for c in tasks if c.parameter_change_of) >= 5
    assert sum(1 for c in tasks if c.wrong is not None) >= 30
    # every task names what it leaves behind or prints
    for c in tasks:
        assert "`" in c.text or "print" in c.text or any(ch["type"] in ("file", "figure", "app") for ch in c.checks), c.text


def test_parameters_and_plain_text() -> None:
    text = "Days from {start_date='2024-03-15'} to {end_date='2025-01-01'} at {rate=0.05} for {values=[1, 2]}"
    assert plain_text(text) == "Days from 2024-03-15 to 2025-01-01 at 0.05 for [1, 2]"
    assert task_key(text) == task_key(text.replace("0.05", "0.07"))
    assert task_key(text) != task_key(text.replace("Days", "Weeks"))


def test_a_bad_notebook_is_refused(tmp_path: Path) -> None:
    def nb(cells: list[dict[str, Any]]) -> Path:
        p = tmp_path / "x.json"
        p.write_text(json.dumps({"name": "x", "cells": cells}))
        return p

    with pytest.raises(NotebookError, match="reference"):
        load(nb([{"kind": "task", "text": "Do it and call it `x`", "checks": [{"type": "var", "expr": "x"}]}]))
    with pytest.raises(NotebookError, match="check"):
        load(nb([{"kind": "task", "text": "Do it", "reference": "x = 1", "checks": [{"type": "bogus"}]}]))
    with pytest.raises(NotebookError, match="parses as Python"):
        load(nb([{"kind": "task", "text": "x = 1", "reference": "x = 1", "checks": [{"type": "var", "expr": "x"}]}]))
    with pytest.raises(NotebookError, match="expression"):
        load(nb([{"kind": "task", "text": "Do it", "reference": "x = 1", "checks": [{"type": "var", "expr": "x ="}]}]))


# ------------------------------------------------------------------------------------------------
# the naive way's code extraction


def test_first_python_block_as_a_naive_user_copies_it() -> None:
    answer = "Here:\n```json\n{\"a\": 1}\n```\nThen\n```python\nx = 1\n```\nand\n```python\ny = 2\n```"
    assert first_python_block(answer) == "x = 1\n"
    assert first_python_block("```\nz = 3\n```") == "z = 3\n"
    assert first_python_block("```py\nz = 3\n```") == "z = 3\n"
    assert first_python_block("no code here") is None
    assert first_python_block("```bash\nls\n```") is None


# ------------------------------------------------------------------------------------------------
# the report


def cell(runner: str, number: int, ok: bool, seconds: float, ttft: float | None, *, first: bool = False,
         change: int | None = None, calls: int = 1, repairs: int = 0) -> dict[str, Any]:
    return {"runner": runner, "notebook": "nb", "number": number, "id": f"nb-{number}", "ok": ok, "status": "ok" if ok else "error",
            "seconds": seconds, "ttft": ttft, "first_task": first, "parameter_change_of": change, "calls": calls,
            "repairs": repairs, "rerun": change is not None and runner == "luci", "checks": [], "ename": "", "evalue": "x"}


def sample_result() -> dict[str, Any]:
    cells = [cell("luci", 1, True, 10, 5, first=True), cell("luci", 2, True, 0.1, None, change=1, calls=0),
             cell("luci", 3, True, 12, 2.5, calls=2, repairs=1), cell("luci", 4, True, 9, 2.0),
             cell("naive", 1, True, 8, 0.5, first=True), cell("naive", 2, False, 8, 0.5, change=1),
             cell("naive", 3, False, 7, 0.4), cell("naive", 4, True, 9, 0.6)]
    result = {"kind": "luci-tasks-benchmark", "mode": "model", "date_utc": "2026-12-02 12:00", "command": "bench/tasks/run.sh",
              "machine": "m", "git": "abc", "wall_seconds": 60, "model": {"name": "m1", "url": "http://x/v1"},
              "settings": {"timeout_s": 180, "temperature": 0.1, "runners": ["luci", "naive"]},
              "notebooks": [{"name": "nb", "title": "A notebook", "tasks": 4}], "cells": cells, "counterproofs": []}
    result["summary"] = report.summarize(result)
    return result


def test_summary_and_targets() -> None:
    s = sample_result()["summary"]
    assert s["luci"]["right"] == 4 and s["naive"]["right"] == 2
    assert s["luci"]["time_new"]["median"] == 10 and s["naive"]["time_new"]["median"] == 8
    assert s["luci"]["ttft_later"]["n"] == 2 and s["luci"]["later_within_3s"] == 2
    assert s["luci"]["calls_per_parameter_change"] == 0 and s["luci"]["right_after_repair"] == 1
    met = {t["target"].split(" ")[0] + t["target"].split(" ")[-1]: t["met"] for t in s["targets"]}
    assert list(met.values()) == [True, True, True, True]
    slow = sample_result()
    for c in slow["cells"]:
        if c["runner"] == "luci" and c["number"] == 4:
            c["ttft"] = 7.0
            c["ok"] = False
    t = report.targets(report.summarize(slow))
    assert [x["met"] for x in t] == [False, True, True, False]


def test_report_writes_only_its_own_block(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    (results / "model-1.json").write_text(json.dumps(sample_result()))
    doc = tmp_path / "performance.md"
    other = "# Performance\n\n<!-- BEGIN GENERATED by bench/run.sh: do not edit by hand -->\nkernel table\n<!-- END GENERATED -->\n\n## Notes\nhand-written\n"
    doc.write_text(other)
    report.write(doc, report.build(results))
    first = doc.read_text()
    assert first.startswith(other.rstrip("\n"))
    assert report.BEGIN in first and report.END in first and "| cells right | 4 of 4 (100.0 %) | 2 of 4 (50.0 %) |" in first
    report.write(doc, report.build(results))  # again: replaced in place, nothing else touched
    assert doc.read_text() == first
    edited = first.replace("## Notes\nhand-written", "## Notes\nhand-written, edited")
    doc.write_text(edited)
    report.write(doc, report.build(results))
    assert "hand-written, edited" in doc.read_text()

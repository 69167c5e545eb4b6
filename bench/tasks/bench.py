#!/usr/bin/env python3
"""bench.py - notebook tasks through Luci and through the naive way, with the same model.

    bench.py [--model-url URL --model NAME] [--only luci|naive] [--quick N] [--reference] ...

Each notebook of bench/tasks/notebooks/ runs, in a fresh temporary working directory:
- through Luci: the `luci` kernelspec (LUCI_EXECUTOR=local, LUCI_PYTHON=--python), each task
  cell's text sent as it is (setup cells as `%%python` cells), the model at LUCI_LLM_BASE_URL;
- the naive way: the task text (with `{name=value}` replaced by the value) sent to the same
  endpoint with a one-sentence system prompt, the first ```python block of the answer run in a
  persistent `python3` (ipykernel) kernel, one per notebook.
Each task cell is then judged by its checks (bench/tasks/judge.py). With --reference, the cells'
hand-written reference solutions run instead of any model, through both kernels, to prove the
judges: every check must pass on the reference, every check must fail on the state before it,
and the deliberately wrong solutions (`wrong`) must be caught.

Results: JSON in --out (bench/results/tasks/), one file per run; bench/tasks/report.py turns them
into the section of docs/performance.md. Run it through bench/tasks/run.sh, which prepares the
venv, the build and the kernelspecs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import judge
import naive_model
from kernel_driver import Execution, Kernel
from notebooks import Cell, Notebook, load_all

ROOT = Path(__file__).resolve().parents[2]
RUNNERS = ("luci", "naive")


@dataclass
class Settings:
    mode: str  # "model" | "reference"
    timeout: float
    python: str
    luci_kernel: str
    naive_kernel: str
    model_url: str | None
    model: str | None
    api_key: str | None
    temperature: float
    max_tokens: int | None
    keep: bool
    logs: Path  # the kernels' own output, one file per notebook and runner
    luci_own_model: bool = False  # no LUCI_LLM_* for Luci: it uses its own model server


@dataclass
class CellResult:
    runner: str
    notebook: str
    number: int
    text: str
    plain: str
    parameter_change_of: int | None
    first_task: bool
    ok: bool
    status: str
    seconds: float
    checks: list[dict[str, Any]]
    ename: str = ""
    evalue: str = ""
    ttft: float | None = None
    calls: int | None = None
    repairs: int = 0
    rerun: bool = False
    model: str | None = None
    code: str | None = None
    answer: str | None = None
    model_seconds: float | None = None
    null_passing: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["id"] = f"{self.notebook}-{self.number}"
        return d


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# what Luci's outputs say about a task cell


def luci_facts(ex: Execution) -> dict[str, Any]:
    """Model calls, repairs, the time to the first streamed token, the code and the model, from the
    cell's displays: each code display carries application/vnd.luci.code+json {code, model, calls}
    (calls 0 for a rerun of the record; a self-repair is a display titled "Repair attempt N"); the
    answer streams into a display whose display_id starts with luci-generation-."""
    ttft: float | None = None
    generations: set[str] = set()
    codes: list[tuple[str, dict[str, Any]]] = []
    for e in ex.events:
        if e.msg_type not in ("display_data", "update_display_data"):
            continue
        display_id = str((e.content.get("transient") or {}).get("display_id", ""))
        if display_id.startswith("luci-generation-"):
            generations.add(display_id)
            if ttft is None:
                ttft = e.t
        data = e.content.get("data", {})
        if e.msg_type == "display_data" and "application/vnd.luci.code+json" in data:
            title = str(data.get("text/plain", "")).split("\n", 1)[0]
            codes.append((title, data["application/vnd.luci.code+json"]))
    calls = sum(int(c.get("calls", 0)) for _, c in codes) if codes else len(generations)
    return {
        "ttft": ttft,
        "calls": calls,
        "repairs": sum(1 for title, _ in codes if title.startswith("Repair attempt")),
        "rerun": any(title.startswith("Recorded code") for title, _ in codes),
        "code": codes[-1][1].get("code") if codes else None,
        "model": codes[-1][1].get("model") if codes else None,
    }


# ------------------------------------------------------------------------------------------------
# running one notebook through one runner


def kernel_env(runner: str, s: Settings) -> dict[str, str]:
    if runner == "naive":
        return {}
    env = {"LUCI_EXECUTOR": "local", "LUCI_PYTHON": s.python}
    if s.luci_own_model:
        return env
    if s.model_url:
        env["LUCI_LLM_BASE_URL"] = s.model_url
    if s.model:
        env["LUCI_LLM_MODEL"] = s.model
    if s.api_key:
        env["LUCI_LLM_API_KEY"] = s.api_key
    return env


def python_cell(runner: str, code: str) -> str:
    """A cell of Python: Luci gets `%%python` so that it never reads it as a task."""
    return f"%%python\n{code}" if runner == "luci" else code


def run_task(kernel: Kernel, runner: str, cell: Cell, s: Settings) -> tuple[Execution | None, dict[str, Any]]:
    """Runs a task cell; returns the execution (None when there was nothing to run) and what is
    known about it besides (ttft, calls, code, ...)."""
    if s.mode == "reference":
        return kernel.execute(python_cell(runner, cell.reference_program), s.timeout), {"code": cell.reference_program}
    if runner == "luci":
        ex = kernel.execute(cell.text, s.timeout)
        return ex, luci_facts(ex)
    if s.luci_own_model:
        # Luci's own server: found again before each call (it stops when idle, and a new one has
        # another port and token); Luci's kernel starts it when the notebook's first task needs it
        own = own_model_server()
        if own is None:
            return None, {"status": "failed", "seconds": 0.0, "calls": 0,
                          "evalue": "Luci's own model server is not running (its runtime file names none)"}
        s.model_url, s.api_key, s.model = own
    assert s.model_url and s.model
    answer = naive_model.ask(s.model_url, s.model, cell.plain, api_key=s.api_key, temperature=s.temperature,
                             max_tokens=s.max_tokens, timeout=s.timeout)
    facts: dict[str, Any] = {"ttft": answer.ttft, "calls": 1, "answer": answer.text, "model": s.model,
                             "model_seconds": answer.seconds}
    code = first_python_block(answer.text)
    facts["code"] = code
    if answer.error:
        facts.update(status="timeout" if answer.error == "timeout" else "failed", evalue=answer.error, seconds=answer.seconds)
        return None, facts
    if code is None:
        facts.update(status="no_code", evalue="the answer has no ```python block", seconds=answer.seconds)
        return None, facts
    ex = kernel.execute(code, max(1.0, s.timeout - answer.seconds))
    ex.seconds += answer.seconds  # the naive user's time: the answer, then the run
    return ex, facts


first_python_block = naive_model.first_python_block


def run_notebook(nb: Notebook, runner: str, s: Settings) -> list[CellResult]:
    kernel_name = s.luci_kernel if runner == "luci" else s.naive_kernel
    workdir = Path(tempfile.mkdtemp(prefix=f"luci-tasks-{nb.name}-{runner}-"))
    results: list[CellResult] = []
    kernel = Kernel(kernel_name, workdir, kernel_env(runner, s), log=s.logs / f"{nb.name}-{runner}.log")
    setup_failed = ""
    first_task = True
    try:
        kernel.start()
        for cell in nb.cells:
            if not cell.is_task:
                if setup_failed:
                    continue
                done = kernel.execute(python_cell(runner, cell.text), s.timeout)
                if done.status != "ok":
                    setup_failed = f"setup cell {cell.index} failed: {done.ename}: {done.evalue}"
                    log(f"  [{runner}] {nb.name}: {setup_failed}")
                continue
            base: dict[str, Any] = dict(runner=runner, notebook=nb.name, number=cell.number, text=cell.text, plain=cell.plain,
                                        parameter_change_of=cell.parameter_change_of, first_task=first_task)
            first_task = False
            if setup_failed:
                results.append(CellResult(**base, ok=False, status="failed", seconds=0.0, checks=[], evalue=setup_failed))
                continue
            null_passing: list[dict[str, Any]] = []
            if s.mode == "reference":
                # every check must fail on the state before the cell (as if it did nothing)
                before = judge.judge(cell.checks, judge.CellOutputs(), kernel.fetch, workdir, require_ok=False)
                null_passing = [r.check for r in before.checks if r.ok]
            ex, facts = run_task(kernel, runner, cell, s)
            if ex is None:
                outputs = judge.CellOutputs(status=facts["status"])
                status, seconds, ename, evalue = facts["status"], facts["seconds"], "", facts.get("evalue", "")
            else:
                outputs = ex.outputs()
                status, seconds, ename, evalue = ex.status, ex.seconds, ex.ename, ex.evalue
            verdict = judge.judge(cell.checks, outputs, kernel.fetch, workdir)
            r = CellResult(**base, ok=verdict.ok, status=status, seconds=seconds,
                           checks=[c.as_json() for c in verdict.checks], ename=ename, evalue=evalue[:500],
                           ttft=facts.get("ttft"), calls=facts.get("calls"), repairs=facts.get("repairs", 0),
                           rerun=facts.get("rerun", False), model=facts.get("model"), code=facts.get("code"),
                           answer=facts.get("answer"), model_seconds=facts.get("model_seconds"), null_passing=null_passing)
            results.append(r)
            log(describe(r))
    except Exception as e:  # a kernel that will not start: the notebook's remaining cells are wrong
        log(f"  [{runner}] {nb.name}: {type(e).__name__}: {e}")
        judged = {r.number for r in results}
        for cell in nb.tasks:
            if cell.number not in judged:
                results.append(CellResult(runner, nb.name, cell.number, cell.text, cell.plain, cell.parameter_change_of,
                                          cell.number == 1, False, "failed", 0.0, [], type(e).__name__, str(e)[:500]))
    finally:
        try:
            kernel.shutdown()
        except Exception as e:
            log(f"  [{runner}] {nb.name}: shutdown: {e}")
        if not s.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"  [{runner}] {nb.name}: working directory kept: {workdir}")
    return results


def describe(r: CellResult) -> str:
    bits = [f"  [{r.runner}] {r.notebook}-{r.number}", "right" if r.ok else "WRONG", r.status, f"{r.seconds:.1f} s"]
    if r.ttft is not None:
        bits.append(f"first token {r.ttft:.1f} s")
    if r.calls is not None:
        bits.append(f"calls {r.calls}")
    if r.repairs:
        bits.append(f"repairs {r.repairs}")
    if r.rerun:
        bits.append("rerun")
    failed = [c for c in r.checks if not c["ok"]]
    if failed:
        bits.append("failed: " + "; ".join(f"{c['check']['type']} {c.get('detail', '')}"[:160] for c in failed))
    if r.ename or (r.status != "ok" and r.evalue):
        bits.append(f"{r.ename}: {r.evalue}"[:160])
    if r.null_passing:
        bits.append(f"{len(r.null_passing)} checks pass BEFORE the cell ran")
    return " · ".join(bits)


# ------------------------------------------------------------------------------------------------
# reference mode: the wrong solutions must be caught


def counterproofs(notebooks: list[Notebook], s: Settings) -> list[dict[str, Any]]:
    """Each `wrong` solution, run after the setup and the references of the cells before it (in a
    fresh python3 kernel): at least one of the cell's checks must fail."""
    out: list[dict[str, Any]] = []
    for nb in notebooks:
        for target in nb.tasks:
            program = target.wrong_program
            if program is None:
                continue
            workdir = Path(tempfile.mkdtemp(prefix=f"luci-tasks-wrong-{nb.name}-"))
            entry: dict[str, Any] = {"notebook": nb.name, "number": target.number, "id": f"{nb.name}-{target.number}"}
            try:
                with Kernel(s.naive_kernel, workdir, log=s.logs / f"wrong-{nb.name}-{target.number}.log") as k:
                    for cell in nb.cells:
                        if cell is target:
                            break
                        ex = k.execute(cell.text if not cell.is_task else cell.reference_program, s.timeout)
                        if ex.status != "ok":
                            raise RuntimeError(f"cell {cell.index} failed: {ex.ename}: {ex.evalue}")
                    ex = k.execute(program, s.timeout)
                    verdict = judge.judge(target.checks, ex.outputs(), k.fetch, workdir, require_ok=False)
                    failed = [c.as_json() for c in verdict.checks if not c.ok]
                    entry.update(caught=bool(failed), status=ex.status, failed_checks=failed,
                                 passed_checks=len(verdict.checks) - len(failed))
            except Exception as e:
                entry.update(caught=False, status="failed", error=f"{type(e).__name__}: {e}")
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
            log(f"  [wrong] {entry['id']}: " + ("caught" if entry.get("caught") else "NOT CAUGHT") +
                (f" ({len(entry.get('failed_checks', []))} of {len(target.checks)} checks fail)" if "failed_checks" in entry else f" {entry.get('error', '')}"))
            out.append(entry)
    return out


# ------------------------------------------------------------------------------------------------


def luci_model(cells: list[CellResult]) -> str | None:
    """The model Luci's code displays name (its own model when it chose it)."""
    return next((c.model for c in cells if c.runner == "luci" and c.model), None)


def own_model_server() -> tuple[str, str, str] | None:
    """Luci's own model server of this user, from its runtime file (kernel/local-model/server/
    runtime-file.ts): (base URL, token, model name), or None when none runs."""
    if os.environ.get("XDG_RUNTIME_DIR"):
        folder = Path(os.environ["XDG_RUNTIME_DIR"]) / "luci"
    else:
        data = Path(os.environ.get("XDG_DATA_HOME") or Path(os.environ.get("HOME") or Path.home()) / ".local" / "share")
        folder = data / "luci" / "runtime"
    try:
        info = json.loads((folder / "model-server.json").read_text())
        os.kill(int(info["pid"]), 0)
        return f"http://127.0.0.1:{int(info['port'])}/v1", str(info["token"]), str(info["model"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} vCPU ({cpu})"


def git_rev() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return rev + (" + uncommitted changes" if dirty else "")
    except Exception:
        return "?"


def command_line(argv: list[str]) -> str:
    """The run's options as given to run.sh: without the --python run.sh adds, the API key hidden."""
    shown: list[str] = []
    skip = False
    for i, a in enumerate(argv):
        if skip:
            skip = False
            continue
        if a == "--python":
            skip = True
            continue
        if a.startswith("--python="):
            continue
        if a == "--api-key" and i + 1 < len(argv):
            shown += [a, "***"]
            skip = True
            continue
        shown.append("--api-key=***" if a.startswith("--api-key=") else a)
    return " ".join(["bench/tasks/run.sh", *shown])


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")[:60] or "model"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", action="store_true", help="run the reference solutions (no model): prove the judges")
    ap.add_argument("--only", choices=RUNNERS, help="one runner only")
    ap.add_argument("--quick", type=int, metavar="N", help="the first N notebooks only")
    ap.add_argument("--notebooks", help="comma-separated notebook names (default: all)")
    ap.add_argument("--model-url", default=os.environ.get("LUCI_LLM_BASE_URL"), help="OpenAI-compatible base URL, with its /v1 (default: LUCI_LLM_BASE_URL)")
    ap.add_argument("--model", default=os.environ.get("LUCI_LLM_MODEL"), help="model name (default: LUCI_LLM_MODEL, else the first the endpoint lists)")
    ap.add_argument("--api-key", default=os.environ.get("LUCI_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY"))
    ap.add_argument("--timeout", type=float, default=180, help="seconds per cell (default 180)")
    ap.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"), help="the Python both runners use (LUCI_PYTHON)")
    ap.add_argument("--luci-kernel", default="luci")
    ap.add_argument("--naive-kernel", default="python3")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "tasks"), help="folder for the results JSON")
    ap.add_argument("--keep", action="store_true", help="keep each notebook's working directory")
    args = ap.parse_args(argv)

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
    notebooks = load_all(only=args.notebooks.split(",") if args.notebooks else None)
    if args.quick:
        notebooks = notebooks[: args.quick]
    runners = [args.only] if args.only else list(RUNNERS)
    mode = "reference" if args.reference else "model"
    model = args.model
    luci_own_model = False
    if mode == "model":
        if not args.model_url:
            # Luci left unconfigured chooses its own model (pulled and served on first use); the
            # naive way talks to that server, found through its runtime file
            luci_own_model = True
            own = own_model_server()
            if own is None and runners == ["naive"]:
                log("no model endpoint: give --model-url URL (an OpenAI-compatible base URL such as http://127.0.0.1:8080/v1), "
                    "set LUCI_LLM_BASE_URL, or start Luci's own model (node dist/kernel/cli/luci.js model serve qwen2.5-coder-1.5b)")
                return 2
            if own is not None:
                args.model_url, args.api_key, model = own
            log("Luci's own model" + (f": {model} at {args.model_url}" if own else ": its server starts with the first task"))
        elif not model:
            model = naive_model.first_model(args.model_url, args.api_key)
            log(f"model: {model} (the first {args.model_url} lists)")
    s = Settings(mode=mode, timeout=args.timeout, python=args.python, luci_kernel=args.luci_kernel,
                 naive_kernel=args.naive_kernel, model_url=args.model_url if mode == "model" else None,
                 model=model if mode == "model" else None, api_key=args.api_key,
                 temperature=float(os.environ.get("LUCI_LLM_TEMPERATURE", 0.1)),
                 max_tokens=int(os.environ["LUCI_LLM_MAX_TOKENS"]) if os.environ.get("LUCI_LLM_MAX_TOKENS") else 8192,
                 keep=args.keep, logs=Path(args.out) / "logs" / f"{mode}-{stamp}", luci_own_model=luci_own_model)

    n_tasks = sum(len(nb.tasks) for nb in notebooks)
    log(f"{len(notebooks)} notebooks, {n_tasks} task cells; runners: {', '.join(runners)}; mode: {mode}"
        + (f"; model {s.model or 'Luci’s own'} at {s.model_url or 'its runtime file'}" if mode == "model" else ""))
    started = time.time()
    load_before = os.getloadavg()
    cells: list[CellResult] = []
    for nb in notebooks:
        log(f"== {nb.name}: {nb.title}")
        for runner in runners:
            cells += run_notebook(nb, runner, s)
    proofs = counterproofs(notebooks, s) if mode == "reference" else []

    import report  # the same summaries the markdown shows

    result: dict[str, Any] = {
        "kind": "luci-tasks-benchmark",
        "mode": mode,
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "command": command_line(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "git": git_rev(),
        "python": f"{platform.python_version()} ({args.python})",
        "wall_seconds": round(time.time() - started, 1),
        # other work on the machine slows the model down: the 1-minute load average, before and after
        "load_average": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
        "model": {"name": s.model or luci_model(cells), "url": s.model_url, "luci_own_model": s.luci_own_model} if mode == "model" else None,
        "settings": {"timeout_s": s.timeout, "temperature": s.temperature, "max_tokens": s.max_tokens,
                     "naive_system_prompt": naive_model.SYSTEM_PROMPT, "runners": runners,
                     # Luci's answer format (kernel/pipeline/model/prompt.ts): code (the default), plain or json
                     "luci_task_prompt": os.environ.get("LUCI_TASK_PROMPT") or "code"},
        "notebooks": [{"name": nb.name, "title": nb.title, "tasks": len(nb.tasks)} for nb in notebooks],
        "cells": [c.as_json() for c in cells],
        "counterproofs": proofs,
    }
    result["summary"] = report.summarize(result)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{mode}-{stamp}-{slug((result['model']['name'] or 'model') if result['model'] else 'references')}.json"
    path.write_text(json.dumps(result, indent=1, default=str) + "\n")
    log(f"results: {path} (the kernels' logs: {s.logs})")
    log(report.summary_text(result))
    if mode == "reference":
        ok = report.reference_ok(result)
        log("references: every check passes on every reference, fails before it, and catches every wrong solution" if ok
            else "references: NOT PROVEN (see above)")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

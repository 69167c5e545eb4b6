// The sweep runner in process, each scenario run by a real Python (a `python -c` per scenario,
// standing in for the notebook's worker): the cell's outputs in order, an interrupt that comes
// between two scenarios, and the sweeps refused before any scenario runs.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { OutputSink } from "../../../../kernel/common/output-sink.js";
import type { JsonObject, MimeBundle } from "../../../../kernel/protocol/messages.js";
import { newRecord, signRecord, type LuciRecord } from "../../../../kernel/pipeline/records/index.js";
import { runSweep, type SweepHost } from "../../../../kernel/pipeline/sweep/sweep-runner.js";
import { ROOT } from "../../../support/kernel-process.js";

const PYTHON = existsSync(join(ROOT, ".venv", "bin", "python")) ? join(ROOT, ".venv", "bin", "python") : "python3";
const TASK = "Monthly payment of a loan of {principal=200000} at {rate=0.05} over {years=30} years";
const CODE = "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\n{'payment': round(payment, 2)}";

class RecordingSink implements OutputSink {
  readonly shown: { kind: string; data: MimeBundle }[] = [];
  readonly errors: { ename: string; evalue: string }[] = [];
  stream(name: string, text: string) {
    this.shown.push({ kind: "stream", data: { "text/plain": text } });
  }
  display(data: MimeBundle) {
    this.shown.push({ kind: "display", data });
  }
  updateDisplay(data: MimeBundle, _metadata: JsonObject, _transient: JsonObject) {
    this.shown.push({ kind: "update", data });
  }
  clearOutput() {}
  result() {}
  error(ename: string, evalue: string) {
    this.errors.push({ ename, evalue });
  }
  input() {
    return Promise.reject(new Error("no input"));
  }
  texts(kind: string): string[] {
    return this.shown.filter((s) => s.kind === kind).map((s) => String(s.data["text/plain"]));
  }
}

/** Runs each cell with a fresh Python; `onRun` sees each scenario's cell before it runs. */
function pythonHost(onRun: (code: string) => void = () => {}): SweepHost & { cells: string[] } {
  const cells: string[] = [];
  return {
    cells,
    prepare: () => Promise.resolve({ status: "ok" }),
    run: (code, sink) =>
      new Promise((resolve) => {
        cells.push(code);
        onRun(code);
        execFile(PYTHON, ["-c", code], (err, stdout, stderr) => {
          sink.stream("stdout", stdout);
          resolve(err ? { status: "error", ename: "Error", evalue: stderr } : { status: "ok" });
        });
      }),
  };
}

let record: LuciRecord;
beforeAll(() => {
  process.env.LUCI_TRUST_DIR = mkdtempSync(join(tmpdir(), "luci-sweep-runner-trust-"));
  record = signRecord(
    newRecord({ task: TASK, parameters: { principal: 200000, rate: 0.05, years: 30 }, code: CODE, model: "test", validation: { passed: true, score: 1 } }),
  );
});

function sweep(args: string, host: SweepHost, signal = new AbortController().signal, code = CODE) {
  const sink = new RecordingSink();
  const target = { task: TASK, record: code === CODE ? record : signRecord({ ...record, code }), parameterCellNames: new Set<string>() };
  return { sink, outcome: runSweep({ args, target, sink, signal, maxScenarios: 200 }, host) };
}

describe("runSweep", () => {
  it("shows the head, the progress in place, the table and the chart, and binds sweep_results", async () => {
    const host = pythonHost();
    const { sink, outcome } = sweep("rate=0.04,0.05 years=15,30", host);
    expect(await outcome).toEqual({ status: "ok" });
    expect(sink.texts("display")[0]).toMatch(/^Sweep of “Monthly payment.*” over rate × years: 4 scenarios, with the recorded code \(no model call\)$/);
    expect(sink.texts("display")[1]).toBe("Scenario 1 of 4: rate = 0.04, years = 15…");
    expect(sink.texts("update").slice(0, 3)).toEqual([
      "Scenario 2 of 4: rate = 0.04, years = 30…",
      "Scenario 3 of 4: rate = 0.05, years = 15…",
      "Scenario 4 of 4: rate = 0.05, years = 30…",
    ]);
    expect(sink.texts("update").at(-1)).toMatch(/^Ran 4 of 4 scenarios in [\d.]+ s, no model call; the rows are in sweep_results$/);
    const table = sink.shown.find((s) => "application/vnd.luci.sweep+json" in s.data)!.data["application/vnd.luci.sweep+json"] as { rows: unknown[] };
    expect(table.rows).toEqual([
      { rate: 0.04, years: 15, payment: 1479.38 },
      { rate: 0.04, years: 30, payment: 954.83 },
      { rate: 0.05, years: 15, payment: 1581.59 },
      { rate: 0.05, years: 30, payment: 1073.64 },
    ]);
    expect(sink.shown.some((s) => "image/svg+xml" in s.data)).toBe(true);
    // The unswept principal keeps the task's value; the rows go to the namespace last.
    expect(host.cells[0]).toContain(JSON.stringify("principal = 200000\nrate = 0.04\nyears = 15\nr = rate / 12").slice(1, -1));
    expect(host.cells.at(-1)).toBe(
      'sweep_results = [{"rate": 0.04, "years": 15, "payment": 1479.38}, {"rate": 0.04, "years": 30, "payment": 954.83}, {"rate": 0.05, "years": 15, "payment": 1581.59}, {"rate": 0.05, "years": 30, "payment": 1073.64}]\n',
    );
    expect(sink.texts("stream")).toEqual([]);
  });

  it("stops at an interrupt that comes between two scenarios, keeping the rows that finished", async () => {
    const abort = new AbortController();
    const host = pythonHost(() => {
      if (host.cells.length === 2) abort.abort(); // while the second scenario runs: no third starts
    });
    const { sink, outcome } = sweep("years=10:30:5", host, abort.signal);
    expect(await outcome).toMatchObject({
      status: "error",
      ename: "KeyboardInterrupt",
      evalue: "the sweep was interrupted after 2 of 5 scenarios; the finished rows are shown above",
    });
    expect(host.cells.filter((c) => c.startsWith("exec("))).toHaveLength(2);
    expect(sink.texts("update").at(-1)).toMatch(/^Interrupted after 2 of 5 scenarios/);
    expect(sink.texts("display").find((t) => t.startsWith("Sweep over"))).toMatch(/2 of 5 scenarios \(interrupted\)/);
  });

  it("refuses a task whose code serves a web app, and a bad sweep, before any scenario runs", async () => {
    const host = pythonHost();
    const app = sweep(
      "years=1,2",
      host,
      undefined,
      "from http.server import HTTPServer, SimpleHTTPRequestHandler\nHTTPServer(('', 8000), SimpleHTTPRequestHandler).serve_forever()",
    );
    const refused = await app.outcome;
    expect(refused).toMatchObject({ status: "error", ename: "SweepError" });
    expect(refused.status === "error" && refused.evalue).toMatch(/serves a web app/);
    const bad = sweep("rate=0.1:0.2:0", host);
    expect(await bad.outcome).toMatchObject({ status: "error", ename: "SweepError", evalue: "rate=0.1:0.2:0: the step cannot be 0" });
    expect(host.cells).toEqual([]);
  });
});

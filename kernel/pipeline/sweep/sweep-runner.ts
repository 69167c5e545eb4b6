// `%luci sweep`: a task's recorded code run once per scenario (every combination of the values
// given), with no model call, then the comparison shown: a table and a chart. Each scenario is
// one execute on the notebook's Python (scenario-harness.ts: the rerun's parameter assignments,
// then the recorded code, in a copy of the namespace, its printing captured), so the notebook's
// runtime and its limits apply. The cell shows "Scenario i of n" as it goes; a scenario that
// raises gets a row with its error and the sweep goes on; an interrupt stops it and keeps the
// rows that finished. The rows are also bound to `sweep_results` (a list of dicts) for the next cell.
import { randomUUID } from "node:crypto";
import { CellFailure, type ErrorOutcome } from "../../common/cell-failure.js";
import type { OutputSink } from "../../common/output-sink.js";
import type { MimeBundle } from "../../protocol/messages.js";
import { showFailure } from "../../core/show-failure.js";
import { parameterAssignments, parseParameters, pythonLiteral, verifyRecord, type LuciRecord, type TaskParameter } from "../records/index.js";
import { withParameters } from "../task-runner.js";
import { markdownText } from "../task-displays.js";
import { analyseCode } from "../model/code-analysis.js";
import { readReport, scenarioCell } from "./scenario-harness.js";
import { scenarioResult } from "./scenario-results.js";
import { sweepChart } from "./sweep-chart.js";
import { parseSweep, scenarios, type Scenario } from "./sweep-spec.js";
import { sweepRow, sweepTable, tableHtml, tableMarkdown, tableRecords, tableText, type SweepRow, type SweepTable } from "./sweep-table.js";

/** The name the rows are bound to in the notebook's namespace. */
const RESULTS_NAME = "sweep_results";

const SWEEP_MIME = "application/vnd.luci.sweep+json";

/** A sweep that cannot start: the message says why and what to write instead. */
class SweepError extends CellFailure {
  constructor(message: string) {
    super("SweepError", message);
  }
}

/** What a sweep runs: a task's record and the task text whose values the unswept parameters keep. */
export interface SweepTarget {
  /** The task as it last ran (its `{name=value}` values are the defaults of the unswept parameters). */
  task: string;
  record: LuciRecord;
  /** Names a parameters cell set (papermill's): unswept, they keep their live value, as a rerun does. */
  parameterCellNames: ReadonlySet<string>;
}

/** The outcome of one execute on the notebook's Python, as the sweep needs it. */
type ScenarioRun = { status: "ok" } | { status: "error"; ename: string; evalue: string };

/** What the sweep asks of the notebook. */
export interface SweepHost {
  /** Makes ready what the code needs before the first scenario (installs what it imports); an error stops the sweep. */
  prepare(code: string): Promise<{ status: "ok" } | ErrorOutcome>;
  /** Runs Python as part of the sweep's cell; its outputs go to `sink` (the sweep's capture, not the cell). */
  run(code: string, sink: OutputSink, options: { silent: boolean }): Promise<ScenarioRun>;
}

export interface SweepRequest {
  args: string;
  target: SweepTarget;
  sink: OutputSink;
  signal: AbortSignal;
  maxScenarios: number;
}

export async function runSweep(request: SweepRequest, host: SweepHost): Promise<{ status: "ok" } | ErrorOutcome> {
  const { target, sink } = request;
  try {
    if (verifyRecord(target.record) === "untrusted")
      throw new SweepError(
        `the recorded code of this task was made by ${target.record.author}, not by you, and the notebook is not trusted: ` +
          "run `%luci trust` first (a sweep runs recorded code only as a rerun would)",
      );
    // A program that serves a web interface would serve forever in the first scenario.
    if (analyseCode(target.record.code).needs_web_interface)
      throw new SweepError("this task's code serves a web app, which runs until it is stopped: a sweep reruns code that computes and prints its results");
    const parsed = parseParameters(target.task);
    if (parsed.problems.length) throw new SweepError(parsed.problems.map((p) => `${p.text}: ${p.message}`).join("; "));
    const names = [...new Set(parsed.parameters.map((p) => p.name))];
    const spec = parseSweep(request.args, names, request.maxScenarios);
    if (!spec.ok) throw new SweepError(spec.message);
    const swept = spec.axes.map((a) => a.name);
    const all = scenarios(spec.axes);
    const prepared = await host.prepare(target.record.code);
    if (prepared.status === "error") return prepared;
    const progress = new SweepProgress(sink, target.task, swept, all.length);
    const rows: SweepRow[] = [];
    const started = Date.now();
    let interrupted = false;
    /** Python itself stopped (the worker crashed, or could not start): the next scenarios would run without the notebook. */
    let stopped: { ename: string; evalue: string } | undefined;
    for (const [i, scenario] of all.entries()) {
      if (request.signal.aborted) {
        interrupted = true;
        break;
      }
      progress.running(i, scenario);
      const capture = new CaptureSink();
      const code = withParameters({ assignments: assignments(parsed.parameters, scenario, target) }, target.record.code);
      const run = await host.run(scenarioCell(code), capture, { silent: false });
      if (run.status === "error" && (run.ename === "KeyboardInterrupt" || request.signal.aborted)) {
        interrupted = true;
        break;
      }
      const report = readReport(capture.stdout);
      if (run.status === "error" && PYTHON_STOPPED.has(run.ename)) {
        rows.push(sweepRow(scenario, { values: {}, error: `${run.ename}: ${run.evalue}` }));
        stopped = run;
        break;
      }
      if (run.status === "error") rows.push(sweepRow(scenario, { values: {}, error: `${run.ename}: ${run.evalue}` }));
      else if (!report) rows.push(sweepRow(scenario, { values: {}, error: "the scenario ended without its report (did the code close stdout?)" }));
      else rows.push(sweepRow(scenario, scenarioResult(report)));
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const failed = rows.filter((r) => r.error !== undefined).length;
    const summary =
      `${interrupted ? "Interrupted after" : stopped ? "Stopped after" : "Ran"} ${rows.length} of ${all.length} scenarios in ${seconds} s, no model call` +
      (failed ? `; ${failed} raised an error (see the error column)` : "") +
      (rows.length && !stopped ? `; the rows are in ${RESULTS_NAME}` : "");
    progress.finish(summary);
    if (rows.length) {
      const table = sweepTable(swept, rows);
      showTable(sink, table, caption(swept, rows.length, all.length, interrupted ? "interrupted" : stopped ? "Python stopped" : undefined));
      showChart(sink, table);
      // Not into a Python that just started in place of the one that stopped: the notebook's namespace is gone.
      if (!stopped) await host.run(`${RESULTS_NAME} = ${pythonLiteral(tableRecords(table))}\n`, new CaptureSink(), { silent: true });
    }
    if (stopped)
      return showFailure(
        sink,
        new CellFailure(
          stopped.ename,
          `${stopped.evalue}\nThe sweep stopped after ${rows.length} of ${all.length} scenarios; the finished rows are shown above.`,
        ),
      );
    if (interrupted)
      return showFailure(
        sink,
        new CellFailure("KeyboardInterrupt", `the sweep was interrupted after ${rows.length} of ${all.length} scenarios; the finished rows are shown above`),
      );
    return { status: "ok" };
  } catch (err) {
    return showFailure(sink, err);
  }
}

/**
 * The assignments of one scenario, in the task's order: a swept parameter gets the scenario's
 * value; an unswept one its value in the task, or nothing when a parameters cell set it (its live
 * value is used), unless the task's value was changed from the record's: the rerun's rule
 * (TaskPipeline.parametersOf).
 */
function assignments(parameters: TaskParameter[], scenario: Scenario, target: SweepTarget): string {
  const chosen = new Map(scenario.map((s) => [s.name, s.value.literal]));
  const recorded = target.record.parameters;
  const changed = (p: TaskParameter) => p.name in recorded && JSON.stringify(recorded[p.name]) !== JSON.stringify(p.value);
  const list: TaskParameter[] = [];
  for (const p of parameters) {
    const literal = chosen.get(p.name);
    if (literal !== undefined) list.push({ ...p, raw: literal });
    else if (!target.parameterCellNames.has(p.name) || changed(p)) list.push(p);
  }
  return list.length ? parameterAssignments(list) : "";
}

/** Short: it sits above the table, as wide as the table (the task is named in the line above). */
function caption(swept: string[], done: number, total: number, ended?: string): string {
  return `Sweep over ${swept.join(" × ")}: ${done} of ${total} scenarios${ended ? ` (${ended})` : ""}`;
}

/** The runtime's failures that mean Python itself stopped or never started (runtime/python-runtime.ts). */
const PYTHON_STOPPED = new Set(["WorkerCrashed", "PythonUnavailable", "KernelShutdown"]);

function showTable(sink: OutputSink, table: SweepTable, title: string): void {
  const data: MimeBundle = {
    "text/plain": `${title}\n${tableText(table)}`,
    "text/markdown": `**${markdownText(title)}**\n\n${tableMarkdown(table)}`,
    "text/html": tableHtml(table, title),
    [SWEEP_MIME]: { parameters: table.parameters, columns: table.columns, rows: tableRecords(table) },
  };
  sink.display(data, {}, { display_id: `luci-sweep-table-${randomUUID()}` });
}

function showChart(sink: OutputSink, table: SweepTable): void {
  const chart = sweepChart(table);
  if ("none" in chart) {
    sink.display({ "text/plain": chart.none }, {}, { display_id: `luci-sweep-chart-${randomUUID()}` });
    return;
  }
  sink.display({ "image/svg+xml": chart.svg, "text/plain": chart.description }, {}, { display_id: `luci-sweep-chart-${randomUUID()}` });
}

/** "Scenario 3 of 12: rate = 0.05, years = 15…", in place, then the summary. */
class SweepProgress {
  private readonly displayId = `luci-sweep-progress-${randomUUID()}`;
  private shown = false;

  constructor(
    private readonly sink: OutputSink,
    task: string,
    swept: string[],
    private readonly total: number,
  ) {
    const clipped = task.length > 100 ? `${task.slice(0, 99)}…` : task;
    this.sink.display(
      { "text/plain": `Sweep of “${clipped}” over ${swept.join(" × ")}: ${total} scenarios, with the recorded code (no model call)` },
      {},
      { display_id: `luci-sweep-head-${randomUUID()}` },
    );
  }

  running(index: number, scenario: Scenario): void {
    const values = scenario.map((s) => `${s.name} = ${s.value.literal}`).join(", ");
    this.show(`Scenario ${index + 1} of ${this.total}: ${values}…`);
  }

  finish(summary: string): void {
    this.show(summary);
  }

  private show(text: string): void {
    const data = { "text/plain": text };
    const transient = { display_id: this.displayId };
    if (this.shown) this.sink.updateDisplay(data, {}, transient);
    else this.sink.display(data, {}, transient);
    this.shown = true;
  }
}

/**
 * Where a scenario's outputs go: its stdout kept (the harness's report is read from it), its
 * displays, stderr and results dropped, so a sweep of 200 scenarios does not flood the cell.
 */
class CaptureSink implements OutputSink {
  stdout = "";
  stream(name: "stdout" | "stderr", text: string): void {
    // Kept to a bound: the report line is the last thing a scenario prints.
    if (name === "stdout") this.stdout = (this.stdout + text).slice(-4_000_000);
  }
  display(): void {}
  updateDisplay(): void {}
  clearOutput(): void {}
  result(): void {}
  error(): void {}
  input(): Promise<string> {
    return Promise.reject(new Error("a sweep scenario cannot ask for input"));
  }
}

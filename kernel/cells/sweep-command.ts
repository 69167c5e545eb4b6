// `%luci sweep` as the interpreter runs it: which task is swept, then the sweep itself
// (pipeline/sweep/sweep-runner.ts). Alone in a cell it sweeps the last task that ran in this
// kernel (made or rerun: the record it ran and the task as it was typed, so the unswept
// parameters keep the values of that run); when none has run yet (a notebook just opened), the
// nearest task cell above it in the saved notebook that holds a record. As the first line of a
// task cell it sweeps that task,
// whose record is found as a rerun finds it (this cell's, else the notebook's for the same task).
// Either way no model is called: a task with no recorded code yet is an error that says to run it
// once first.
import { UsageError } from "../common/cell-failure.js";
import { taskKey } from "../pipeline/records/index.js";
import { routeCell } from "./route.js";
import type { ErrorOutcome } from "../common/cell-failure.js";
import { setting } from "../common/settings.js";
import { showFailure } from "../core/show-failure.js";
import type { ExecuteContext, ExecuteRequest } from "../core/interpreter.js";
import type { SweepHost, SweepTarget } from "../pipeline/sweep/sweep-runner.js";
import type { TaskPipeline } from "../pipeline/task-runner.js";
import type { LuciRecord } from "../pipeline/records/index.js";

export interface SweepCommand {
  args: string;
  /** The task under the `%luci sweep` line, when it is the first line of a task cell. */
  task?: string;
  request: ExecuteRequest;
  context: ExecuteContext;
  signal: AbortSignal;
  pipeline: TaskPipeline;
  host: SweepHost;
  notebookPath?: string;
  folder: string;
  parameterCellNames: ReadonlySet<string>;
  /** Installs a record's pinned versions the environment lacks (as a rerun does). */
  installPins(specs: string[]): Promise<void>;
}

export async function sweepCommand(command: SweepCommand): Promise<{ status: "ok" } | ErrorOutcome> {
  const { runSweep } = await import("../pipeline/sweep/sweep-runner.js");
  let target: SweepTarget;
  try {
    target = findTarget(command);
    if (target.record.packages?.length) await command.installPins(target.record.packages);
  } catch (err) {
    return showFailure(command.context, err);
  }
  return runSweep(
    { args: command.args, target, sink: command.context, signal: command.signal, maxScenarios: setting(process.env, "LUCI_SWEEP_MAX_SCENARIOS") },
    command.host,
  );
}

function findTarget(command: SweepCommand): SweepTarget {
  const { pipeline, parameterCellNames } = command;
  if (command.task === undefined) {
    const last = pipeline.lastRun ?? taskAbove(command);
    if (!last)
      throw new UsageError(
        "no task has run in this kernel yet, and no cell above this one holds recorded code: run a task with {name=value} parameters " +
          "first, then `%luci sweep name=values` sweeps it (or put the %luci sweep line first in the task's cell)",
      );
    return { task: last.task, record: last.record, parameterCellNames };
  }
  if (!command.task.trim()) throw new UsageError("write the task under the %luci sweep line, or put %luci sweep alone in a cell to sweep the last task");
  const found = pipeline.findRecord({
    task: command.task,
    execute: command.request,
    notebookPath: command.notebookPath,
    folder: command.folder,
    parameterCellNames,
    sink: command.context,
    signal: command.signal,
  });
  if (!found?.reusable)
    throw new UsageError(
      "this task has no recorded code yet, and a sweep calls no model: run the cell once without the %luci sweep line " +
        "(its code is written and recorded), then add the line back",
    );
  return { task: command.task, record: found.record, parameterCellNames };
}

/**
 * The nearest cell above this one, in the saved notebook, that holds a record: its task as the
 * cell now reads (when it is still the record's task, values aside), else the record's own.
 */
function taskAbove(command: SweepCommand): { record: LuciRecord; task: string } | undefined {
  const { notebookPath } = command;
  const cellId = command.request.cellId;
  if (!notebookPath || !cellId) return undefined;
  const notebook = command.pipeline.records.reader.read(notebookPath);
  const at = notebook?.cells.findIndex((cell) => cell.id === cellId) ?? -1;
  if (!notebook || at <= 0) return undefined;
  for (const cell of notebook.cells.slice(0, at).reverse()) {
    const record = cell.records.at(-1);
    if (!record) continue;
    const route = routeCell(cell.source);
    const written = route.to === "task" ? route.task : route.to === "python-or-task" ? route.code.trim() : "";
    return { record, task: written && taskKey(written) === taskKey(record.task) ? written : record.task };
  }
  return undefined;
}

// Task cells. The task pipeline (analyse, plan, generate, validate) is not in this version
// yet: a task cell says so plainly, and says how to run the cell as Python instead.
import type { SyntaxErrorInfo } from "../runtime/worker-messages.js";

export interface TaskFailure {
  ename: string;
  evalue: string;
  traceback: string[];
}

export function taskPipelineMissing(task: string, asPython?: SyntaxErrorInfo): TaskFailure {
  const lines = [
    "This cell is a task in plain language, but this version of Luci has no task pipeline yet " +
      "(analyse, plan, generate code, validate), so it cannot run tasks.",
    "Python cells run as usual. To run this cell as Python, start it with %%python.",
  ];
  if (asPython) {
    const where = asPython.lineno ? ` (line ${asPython.lineno}${asPython.offset ? `, column ${asPython.offset}` : ""})` : "";
    lines.push(`Read as Python, it does not parse: ${asPython.msg}${where}.`);
  }
  const preview = task.length > 80 ? task.slice(0, 77) + "..." : task;
  return {
    ename: "TaskPipelineUnavailable",
    evalue: `cannot run the task ${JSON.stringify(preview)}: the task pipeline is not available yet`,
    traceback: [`\x1b[0;31mTaskPipelineUnavailable\x1b[0m: ${lines.join("\n")}`],
  };
}

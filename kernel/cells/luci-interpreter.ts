// Luci's Interpreter: routes each cell by what it is (cell-kind.ts): Python to the notebook's
// Python runtime, tasks to the task pipeline. Questions (complete, inspect, is_complete) go to
// the live Python namespace.
import type { ExecuteContext, ExecuteOutcome, ExecuteRequest, Interpreter, KernelInfo } from "../core/interpreter.js";
import type { JsonObject } from "../protocol/messages.js";
import type { PythonRuntime } from "../runtime/python-runtime.js";
import type { NotebookEnvironment } from "../environments/notebook-environment.js";
import { classifyCell } from "./cell-kind.js";
import { runPythonCell } from "./python-cells.js";
import { VERSION } from "../common/version.js";
import { taskPipelineMissing } from "./task-cells.js";

export class LuciInterpreter implements Interpreter {
  /**
   * @param environment the notebook's environment, once known (undefined when the kernel runs a
   * fixed Python: then nothing is installed).
   */
  constructor(
    private readonly python: PythonRuntime,
    private readonly environment: () => NotebookEnvironment | undefined = () => undefined,
  ) {}

  kernelInfo(): KernelInfo {
    const version = this.python.pythonVersion ?? "3";
    return {
      implementation: "luci",
      implementation_version: VERSION,
      language_info: {
        name: "python",
        version,
        mimetype: "text/x-python",
        file_extension: ".py",
        pygments_lexer: "ipython3",
        codemirror_mode: { name: "ipython", version: 3 },
        nbconvert_exporter: "python",
      },
      banner:
        `Luci ${VERSION}: a notebook kernel where a cell is Python or a task in plain language.\n` +
        `Python ${version}. Python cells run as in IPython; %%task marks a task, %%python forces Python.`,
      help_links: [
        { text: "Python Reference", url: `https://docs.python.org/${version.split(".").slice(0, 2).join(".")}/` },
      ],
    };
  }

  async execute(request: ExecuteRequest, context: ExecuteContext): Promise<ExecuteOutcome> {
    const cell = classifyCell(request.code);
    if (cell.kind === "task") return this.fail(taskPipelineMissing(cell.task), context);

    const outcome = await runPythonCell(
      this.python,
      this.environment,
      {
        code: cell.code,
        mode: cell.kind === "python" ? "python" : "auto",
        silent: request.silent,
        store_history: request.storeHistory,
        allow_stdin: request.allowStdin,
        execution_count: request.executionCount,
        user_expressions: request.userExpressions,
      },
      context,
    );
    switch (outcome.status) {
      case "not_python":
        return this.fail(taskPipelineMissing(request.code, outcome.syntaxError), context);
      case "error":
        return { status: "error", ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
      case "missing_modules": // runPythonCell installs and runs again; it never returns this
        return this.fail({ ename: "KernelError", evalue: "imports were not resolved", traceback: [] }, context);
      default:
        return { status: "ok", userExpressions: outcome.userExpressions, payload: outcome.payload };
    }
  }

  complete(code: string, cursorPos: number): Promise<JsonObject> {
    return this.python.ask("complete", { code, cursor_pos: cursorPos });
  }

  inspect(code: string, cursorPos: number, detailLevel: number): Promise<JsonObject> {
    return this.python.ask("inspect", { code, cursor_pos: cursorPos, detail_level: detailLevel });
  }

  async isComplete(code: string): Promise<JsonObject> {
    if (classifyCell(code).kind === "task") return { status: "complete" };
    return this.python.ask("is_complete", { code });
  }

  interrupt(): void {
    this.python.interrupt();
  }

  async shutdown(): Promise<void> {
    await this.python.shutdown();
  }

  private fail(failure: { ename: string; evalue: string; traceback: string[] }, context: ExecuteContext): ExecuteOutcome {
    context.error(failure.ename, failure.evalue, failure.traceback);
    return { status: "error", ...failure };
  }
}

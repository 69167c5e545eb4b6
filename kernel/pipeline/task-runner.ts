// A task cell, from plain words to running code: one model call (the answer streams into the
// cell), the answer read (one repair call at most when its JSON is broken), the plan and the
// code shown, then the code run in the notebook's Python like any cell.
// Not yet here (later work): recorded code and trust, parameters, the validation gate,
// self-repair, context from earlier cells.
import type { OutputSink } from "../common/output-sink.js";
import { ANALYSIS_AND_PLAN_JSON_SCHEMA, ANALYSIS_AND_PLAN_SCHEMA_NAME, parseAnswer, parseRepairedJson, repairPrompt, type TaskAnswer } from "./model/answer.js";
import { GenerationInterrupted } from "./model/errors.js";
import type { ModelClient } from "./model/model-client.js";
import type { TaskContext } from "./model/prompt.js";
import { safeHtmlRenderer } from "./safe-html.js";
import { showCode, showPlan, showValidation, StreamingDisplay, type ValidationReport } from "./task-displays.js";

/** Code below the validation threshold: shown, not run, with the reasons and the way to run it. */
export class ValidationFailed extends Error {
  override readonly name = "ValidationFailed";
  constructor(report: ValidationReport) {
    const reasons = (report.issues ?? []).filter((i) => i.severity !== "note").map((i) => i.message);
    super(
      `the generated code scored ${report.score?.toFixed(2)}, below the threshold ${report.threshold?.toFixed(2)}, so it was not run` +
        (reasons.length ? ` (${reasons.join("; ")})` : "") +
        ". Read it above; to run it anyway, run a cell with `%luci run-anyway`, or set LUCI_VALIDATION_THRESHOLD.",
    );
  }
}

export type TaskOutcome =
  | { status: "ok"; userExpressions?: Record<string, unknown>; payload?: Record<string, unknown>[] }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

export interface TaskRequest {
  task: string;
  sink: OutputSink;
  signal: AbortSignal;
  context: TaskContext;
  /** Runs Python in the notebook's namespace, as a Python cell. */
  run(code: string): Promise<TaskOutcome>;
  /** The validation gate's analysis of the code (the worker's validate op). */
  validate(code: string): Promise<ValidationReport>;
}

/** Code the gate stopped: `%luci run-anyway` runs it. */
export interface BlockedCode {
  code: string;
  report: ValidationReport;
}

export class TaskPipeline {
  private client?: Promise<ModelClient>;
  /** The last code the validation gate stopped, for `%luci run-anyway`. */
  blocked?: BlockedCode;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async runTask(request: TaskRequest): Promise<TaskOutcome> {
    try {
      const html = await safeHtmlRenderer();
      const answer = await this.generate(request);
      showPlan(request.sink, answer.plan, answer.answer.notes, html);
      showCode(request.sink, answer.answer.code, answer.origin, html);
      const report = await request.validate(answer.answer.code);
      showValidation(request.sink, report, html);
      if (report.passed === false) {
        this.blocked = { code: answer.answer.code, report };
        return fail(request.sink, new ValidationFailed(report));
      }
      return await request.run(answer.answer.code);
    } catch (err) {
      return fail(request.sink, err as Error);
    }
  }

  /** The model client, made on first use (the `openai` package loads only then). */
  private modelClient(): Promise<ModelClient> {
    this.client ??= (async () => {
      const [{ ModelClient }, { modelSettings }] = await Promise.all([import("./model/model-client.js"), import("./model/settings.js")]);
      return new ModelClient(modelSettings(this.env));
    })();
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }

  private async generate(request: TaskRequest) {
    const client = await this.modelClient();
    const { taskMessages } = await import("./model/prompt.js");
    const endpoint = await client.endpoint();
    const stream = new StreamingDisplay(request.sink, `Asking ${endpoint.model}…`);
    const result = await client.generate({
      messages: taskMessages(request.task, request.context),
      onToken: (token) => stream.add(token),
      onRetry: (reason, wait) => stream.note(`${reason}; retrying in ${wait} s`),
      signal: request.signal,
    });
    let calls = result.calls;
    const parsed = parseAnswer(result.text);
    let answer: TaskAnswer;
    if (parsed.ok) {
      answer = parsed.answer;
    } else {
      // One repair call: the code is fine, the JSON is not; ask for the JSON alone.
      stream.note(`the plan's JSON was unusable (${parsed.message}); asking once for it again`);
      const repair = await client.generate({
        messages: repairPrompt(parsed.jsonText, parsed.zodError ?? parsed.message),
        schema: { name: ANALYSIS_AND_PLAN_SCHEMA_NAME, schema: ANALYSIS_AND_PLAN_JSON_SCHEMA },
        signal: request.signal,
      });
      calls += repair.calls;
      answer = { ...parseRepairedJson(repair.text), code: parsed.code, notes: [...parsed.notes, "the plan was asked for a second time"] };
    }
    stream.finish(`Answer from ${result.model} in ${calls} ${calls === 1 ? "call" : "calls"}.`);
    return { answer, plan: answer, origin: { model: result.model, calls } };
  }
}

/** Plain words in the cell for what went wrong; the kernel stays up. */
function fail(sink: OutputSink, err: Error): TaskOutcome {
  const ename = err instanceof GenerationInterrupted ? "KeyboardInterrupt" : err.name && err.name !== "Error" ? err.name : err.constructor.name;
  const evalue = err instanceof GenerationInterrupted ? "the model's answer was interrupted" : err.message;
  const traceback = [`\x1b[0;31m${ename}\x1b[0m: ${evalue}`];
  sink.error(ename, evalue, traceback);
  return { status: "error", ename, evalue, traceback };
}

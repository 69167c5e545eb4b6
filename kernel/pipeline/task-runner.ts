// A task cell, from plain words to running code. Its recorded code, when there is one that may
// run (the same task, signed by this user or trusted), runs again with this run's parameters and
// no model call. Otherwise: one model call (the answer streams into the cell; a reasoning model
// shows "Thinking… N s"), the plan and the code shown, the validation gate, the run in the
// notebook's Python, self-repair of code that raises, and the code recorded in the cell's
// outputs so that it travels with the notebook. An answer that cannot be used is an error that
// says why, with the answer shown folded; it is never "repaired" by a second call.
import type { OutputSink } from "../common/output-sink.js";
import { notebooksIn } from "../environments/notebook-identity.js";
import { Progress } from "../environments/progress.js";
import { parseAnswer, UnusableAnswer } from "./model/answer-parser.js";
import { analyseCode } from "./model/code-analysis.js";
import type { TaskAnswer } from "./model/answer-schema.js";
import type { Endpoint } from "./model/discovery.js";
import type { GenerateRequest, GenerateResult } from "./model/model-client.js";
import { GenerationInterrupted } from "./model/errors.js";
import { ModelSession, type ModelBackend } from "./model/model-session.js";
import { OWN_MODEL_SOURCE } from "./model/own-model.js";
import { describeName, type NamespaceEntry, type TaskContext } from "./model/prompt.js";
import type { ChatMessage } from "./model/types.js";
import { plainLineEnds, withoutReasoning } from "./model/answer-text.js";
import {
  codeDiff,
  generationMode,
  newRecord,
  NoRecordOffline,
  parameterAssignments,
  literalAssignments,
  parameterValues,
  parseParameters,
  pythonLiteral,
  recordDisplay,
  RecordStore,
  signRecord,
  verifyRecord,
  withoutRestatedParameters,
  type JsonValue,
  type LuciRecord,
  type TaskParameter,
} from "./records/index.js";
import { safeHtmlRenderer, type HtmlRenderer } from "./safe-html.js";
import { redactMessages, redactSecrets } from "./secrets.js";
import { kernelSecretValues } from "../common/kernel-secrets.js";
import type { GateVerdict, ValidationReport } from "./gate.js";
import { showCode, showDiff, showParameters, showPlan, showRawAnswer, showValidation, StreamingDisplay, type ShownParameter } from "./task-displays.js";
import { showSweepSuggestion } from "./sweep/sweep-suggestion.js";
import { CellFailure } from "../common/cell-failure.js";
import { setting } from "../common/settings.js";
import { showFailure } from "../core/show-failure.js";
import type { ExecuteOutcome, ExecuteRequest } from "../core/interpreter.js";

/** Code the gate did not pass (below the threshold, or not judged at all): shown, not run, with the way to run it. */
export class ValidationFailed extends CellFailure {
  constructor(verdict: Exclude<GateVerdict, { verdict: "passed" }>) {
    super("ValidationFailed", ValidationFailed.explain(verdict));
  }

  private static explain(verdict: Exclude<GateVerdict, { verdict: "passed" }>): string {
    const howToRun = "Read it above; to run it anyway, run a cell with `%luci run-anyway`";
    if (verdict.verdict === "undecided") return `the generated code could not be validated (${verdict.reason}), so it was not run. ${howToRun}.`;
    const { report } = verdict;
    const reasons = report.issues.filter((i) => i.severity !== "note").map((i) => i.message);
    return (
      `the generated code scored ${report.score.toFixed(2)}, below the threshold ${report.threshold.toFixed(2)}, so it was not run` +
      (reasons.length ? ` (${reasons.join("; ")})` : "") +
      `. ${howToRun}, or set LUCI_VALIDATION_THRESHOLD.`
    );
  }
}

/** What a task cell ends with: the kernel's one outcome type. */
export type TaskOutcome = ExecuteOutcome;

/** One task cell: what it says and where its outputs go. Data only; what the pipeline asks of the notebook is its TaskHost. */
export interface TaskRequest {
  task: string;
  sink: OutputSink;
  signal: AbortSignal;
  /**
   * The execute_request the task came in: its generated code runs as a Python cell of it, and its
   * code and cell id find the cell's recorded code.
   */
  execute: ExecuteRequest;
  /** Where this cell's recorded code may be found: the notebook, or else the notebooks of its folder. */
  notebookPath?: string;
  folder: string;
  /** `%luci regenerate`: new code even where a record exists (the difference is shown). */
  regenerate?: boolean;
  /** Names an earlier cell of plain literal assignments set (papermill's parameters cell). */
  parameterCellNames: ReadonlySet<string>;
}

/**
 * What the pipeline asks of the notebook: given once, when the pipeline is made (the
 * interpreter is the host), instead of closures built for every task.
 */
export interface TaskHost {
  /** What the model is told besides the task; gathered only when the model is asked (not for a rerun). */
  gatherContext(request: TaskRequest): Promise<TaskContext>;
  /** Runs Python in the notebook's namespace, as a Python cell of the request. */
  run(code: string, request: TaskRequest): Promise<TaskOutcome>;
  /**
   * The validation gate's verdict on the code (never throws: no verdict is "undecided"). The
   * validator is Python: kernel/runtime/worker/luci_worker/validation/ (rules in the worker's
   * PROTOCOL.md, "Validation"); its reply is judged in ./gate.ts.
   */
  validate(code: string): Promise<GateVerdict>;
  /** The notebook environment's packages, "name==version" (none for a fixed Python). */
  packages(): string[];
  /** Installs these exact versions where the environment has others or none (a record's). */
  installPins(specs: string[], request: TaskRequest): Promise<void>;
  /**
   * Starts a program that serves a web interface as an app of the notebook (kernel/apps/): the
   * cell ends once the app answers HTTP, with its link; the app keeps running.
   */
  runApp(code: string, request: TaskRequest): Promise<TaskOutcome>;
}

/** Recorded code made by someone else, in a notebook this user has not trusted. */
export class NotTrusted extends CellFailure {
  constructor(record: LuciRecord, notebookPath: string | undefined) {
    super(
      "NotTrusted",
      `this code was recorded by ${record.author} (${record.model}, ${record.created.slice(0, 10)}), not by you, and the notebook is not trusted, ` +
        `so it was shown and not run. Read it above; if you trust it, run \`%luci trust\` (or \`luci trust ${notebookPath ?? "NOTEBOOK"}\`) and run the cell again.`,
    );
  }
}

/** Code the gate stopped: `%luci run-anyway` runs it. */
export interface BlockedCode {
  code: string;
  verdict: Exclude<GateVerdict, { verdict: "passed" }>;
}

/** The model stopped at its token limit: the code may be missing its end, so it is neither run nor recorded. */
export class AnswerCutOff extends CellFailure {
  constructor(
    model: string,
    /** The answer as far as it came, for the cell to show folded. */
    readonly rawText: string,
  ) {
    super(
      "AnswerCutOff",
      `${model}'s answer was cut off at its token limit, so its code may be incomplete; it was not run. ` +
        "Raise LUCI_LLM_MAX_TOKENS (or %luci model ... --max-tokens N), or split the task, then run the cell with `%luci regenerate` as its first line.",
    );
  }
}

export class ParameterError extends CellFailure {
  constructor(message: string) {
    super("ParameterError", message);
  }
}

/** A task's parameters: their values (for the model and the record) and their Python assignments. */
interface TaskParameters {
  values: Record<string, JsonValue>;
  /** `rate = 0.05` lines, literals as written (1.0 stays a float); names set by a parameters cell left out. */
  assignments: string;
  /** Each parameter as the cell shows it: the value it runs with and where that value comes from. */
  shown: ShownParameter[];
  /** The names whose live value is used (set by a parameters cell and not typed anew in the task). */
  fromNotebook: string[];
  /** The line is shown once per run of the cell (a self-repair runs the code again). */
  lineShown?: boolean;
}

/**
 * The parameter assignments, then the code. They go after a module docstring's end and after
 * `from __future__` imports, which must come first in Python.
 */
export function withParameters(parameters: Pick<TaskParameters, "assignments">, code: string): string {
  if (!parameters.assignments) return code;
  const lines = code.split("\n");
  let at = 0;
  lines.forEach((line, i) => {
    if (/^from\s+__future__\s+import\b/.test(line)) at = i + 1;
  });
  return [...lines.slice(0, at), parameters.assignments.trimEnd(), ...lines.slice(at)].join("\n");
}

export class TaskPipeline {
  /** Recorded code: this session's and what the notebook file holds. */
  readonly records = new RecordStore();
  /** The last code the validation gate stopped, for `%luci run-anyway`. */
  blocked?: BlockedCode;
  /** The record of the last task that ran (made or reused) and its task as typed: `%luci sweep` alone sweeps it. */
  lastRun?: { record: LuciRecord; task: string };
  /** Which model answers, and the backend that does (`%luci model` acts on it). */
  readonly models: ModelSession;

  constructor(
    /** The notebook: runs, validates, installs, and says what the model should know. */
    private readonly host: TaskHost,
    /** The notebook's path, when known: `%luci model` is remembered for it. */
    notebookPath: () => string | undefined = () => undefined,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.models = new ModelSession(env, notebookPath);
  }

  async runTask(request: TaskRequest): Promise<TaskOutcome> {
    try {
      const html = await safeHtmlRenderer();
      const found = this.findRecord(request);
      const parameters = this.parametersOf(request, found?.record);
      if (found?.reusable && !request.regenerate) return await this.runRecorded(found.record, parameters, request);
      if (generationMode(this.env) === "offline") throw new NoRecordOffline(`no recorded code for the task ${JSON.stringify(request.task.slice(0, 80))}`);

      // The parameters are "already set as variables; do not assign them".
      // The secrets are kept apart: the context is hashed into the record, they are not.
      const { secrets = [], ...gathered } = await this.host.gatherContext(request);
      const context: TaskContext = { ...gathered, parameters: parameters.values };
      const answer = await this.generate(request, context, secrets, html);
      const restated = withoutRestatedParameters(answer.answer.code, parameters.values);
      if (restated.removed.length) {
        answer.answer.code = restated.code;
        answer.answer.notes.push(`left out ${restated.removed.map((line) => `\`${line}\``).join(", ")}: the parameters are set before the code runs`);
      }
      showPlan(request.sink, answer.answer, answer.answer.notes);
      showCode(request.sink, answer.answer.code, answer.origin);
      if (request.regenerate && found) showDiff(request.sink, codeDiff(found.record.code, answer.answer.code));
      let code = answer.answer.code;
      // The report of the code that ran, for its record (set only on a pass: nothing else runs).
      let passed: ValidationReport | undefined;
      const gateAndRun = async (candidate: string) => {
        const verdict = await this.host.validate(candidate);
        passed = verdict.verdict === "passed" ? verdict.report : undefined;
        return this.gateAndRun(candidate, verdict, parameters, request);
      };
      let outcome = await gateAndRun(code);
      // Self-repair: the traceback and the code go back to the model, a few times at most.
      for (let attempt = 1; attempt <= maxRepairs(this.env) && repairable(outcome); attempt++) {
        if (outcome.status !== "error") break;
        const fixed = await this.repair(request, context, secrets, answer.text, code, outcome, attempt, html);
        showCode(request.sink, fixed.code, { model: fixed.model, calls: 1 }, `Repair attempt ${attempt}`);
        const next = withoutRestatedParameters(fixed.code, parameters.values).code;
        // The same code again would fail the same way: a small model sometimes answers so.
        if (next.trim() === code.trim()) break;
        code = next;
        outcome = await gateAndRun(code);
      }
      if (outcome.status === "ok" && passed) {
        const { endpoint } = answer;
        const record = signRecord(
          newRecord({
            task: request.task,
            parameters: parameters.values,
            code,
            model: answer.origin.model,
            // Luci's own model listens on a port of the moment: the record names the model instead.
            endpoint: endpoint.source === OWN_MODEL_SOURCE ? "luci:own-model" : endpoint.baseUrl,
            context,
            validation: passed,
            packages: this.host.packages(),
          }),
        );
        this.keep(record, request);
        // The analysis says the task simulates: the cell offers the sweep of its parameters.
        if (answer.answer.analysis.needs_simulation) showSweepSuggestion(request.sink, request.task);
      }
      return outcome;
    } catch (err) {
      return showFailure(request.sink, err);
    }
  }

  /** The validation gate, then the run: code below the threshold is shown and not run. */
  private async gateAndRun(code: string, verdict: GateVerdict, parameters: TaskParameters, request: TaskRequest): Promise<TaskOutcome> {
    showValidation(request.sink, verdict);
    // Fails closed: only an explicit pass runs; a failure and no verdict at all both block.
    if (verdict.verdict !== "passed") {
      this.blocked = { code: withParameters(parameters, code), verdict };
      return showFailure(request.sink, new ValidationFailed(verdict));
    }
    await this.showParameters(parameters, request);
    return this.runCode(withParameters(parameters, code), request);
  }

  /** Code that serves a web interface (its analysis says so) runs as an app; other code as a cell. */
  private runCode(code: string, request: TaskRequest): Promise<TaskOutcome> {
    return analyseCode(code).needs_web_interface ? this.host.runApp(code, request) : this.host.run(code, request);
  }

  /**
   * The cell's record: in its notebook when the kernel knows which one it is; else (papermill
   * writing its output beside the input, nbconvert in a folder of several notebooks) in the
   * notebooks of the folder. A record is signed, so wherever it is found it is checked the same way.
   */
  findRecord(request: TaskRequest) {
    const query = { cellId: request.execute.cellId, source: request.execute.code, task: request.task };
    if (request.notebookPath) return this.records.find({ ...query, notebookPath: request.notebookPath });
    const own = this.records.find(query);
    if (own) return own;
    // Several notebooks may hold a record for this task. Only one program is taken: when they
    // disagree (two notebooks, two programs), none is, rather than another notebook's.
    const found = notebooksIn(request.folder)
      .slice(0, 50)
      .map((path) => this.records.find({ ...query, notebookPath: path }))
      .filter((f): f is NonNullable<typeof f> => f?.reusable === true);
    return new Set(found.map((f) => f.record.code)).size === 1 ? found[0] : undefined;
  }

  /** A rerun: the recorded code runs again, with this run's parameter values, and no model call. */
  private async runRecorded(record: LuciRecord, parameters: TaskParameters, request: TaskRequest): Promise<TaskOutcome> {
    showCode(request.sink, record.code, { model: record.model, calls: 0 }, `Recorded code (${record.created.slice(0, 10)}, no model call)`);
    const verdict = verifyRecord(record);
    if (verdict === "untrusted") {
      // Shown again, not run: the cell's new outputs must still hold the record, or saving the
      // notebook after this refusal would lose the colleague's code.
      const { data, metadata } = recordDisplay(record, verdict);
      request.sink.display(data, metadata, {});
      throw new NotTrusted(record, request.notebookPath);
    }
    // The versions the code ran with, on a colleague's machine too.
    if (record.packages?.length) await this.host.installPins(record.packages, request);
    this.keep(record, request, verdict);
    await this.showParameters(parameters, request);
    return this.runCode(withParameters(parameters, record.code), request);
  }

  /** Shows the record in the cell's outputs (so it is saved with the notebook) and remembers it. */
  private keep(record: LuciRecord, request: TaskRequest, verdict: "mine" | "trusted" = "mine"): void {
    const { data, metadata } = recordDisplay(record, verdict);
    request.sink.display(data, metadata, {});
    this.records.remember(record, request.execute.cellId);
    this.lastRun = { record, task: request.task };
  }

  /**
   * The task's {name=value} parameters. A name that a cell of plain assignments set (papermill's
   * parameters) is not assigned again: its live value in the namespace is used, so a later cell
   * that changes it is honoured too. Unless the task's own value was changed from the one its
   * record was made with: a value the user just typed into the task wins over the cell's.
   */
  private parametersOf(request: TaskRequest, record?: LuciRecord): TaskParameters {
    const parsed = parseParameters(request.task);
    if (parsed.problems.length > 0) throw new ParameterError(parsed.problems.map((p) => `${p.text}: ${p.message}`).join("; "));
    const changedFromRecord = (p: TaskParameter) =>
      record !== undefined && p.name in record.parameters && JSON.stringify(record.parameters[p.name]) !== JSON.stringify(p.value);
    const assigned = parsed.parameters.filter((p) => !request.parameterCellNames.has(p.name) || changedFromRecord(p));
    const typed = new Set(assigned.map((p) => p.name));
    return {
      values: parameterValues(parsed),
      assignments: assigned.length ? parameterAssignments(assigned) : "",
      shown: parsed.parameters.map((p) => ({ name: p.name, value: p.raw, from: typed.has(p.name) ? "task" : "notebook" })),
      fromNotebook: parsed.parameters.filter((p) => !typed.has(p.name)).map((p) => p.name),
    };
  }

  /**
   * The line "Parameters: rate = 0.07 (from the parameters cell) · principal = 250000 (typed in
   * the task)", just before the code runs. A value taken from the notebook is its live value, read
   * with the namespace summary the model's context uses (the worker's own repr of builtin values,
   * no user code run, nothing shown); where it came from is told by the recent cells: the last
   * plain literal assignment of the name (a parameters cell, papermill's injected one) when the
   * live value is still that one, else a cell after it changed it.
   */
  private async showParameters(parameters: TaskParameters, request: TaskRequest): Promise<void> {
    if (parameters.lineShown || parameters.shown.length === 0) return;
    parameters.lineShown = true;
    let shown = parameters.shown;
    if (parameters.fromNotebook.length) {
      const context = await this.host.gatherContext(request).catch((): TaskContext => ({}));
      shown = shown.map((p) => (p.from === "task" ? p : notebookParameter(p.name, context)));
    }
    showParameters(request.sink, shown);
  }

  /** Asks the model to fix code that raised, showing its answer as it streams. */
  private async repair(
    request: TaskRequest,
    context: TaskContext,
    secrets: string[],
    firstAnswer: string,
    code: string,
    failure: Extract<TaskOutcome, { status: "error" }>,
    attempt: number,
    html: HtmlRenderer,
  ) {
    const client = await this.models.backend();
    const { taskMessages, promptStyle } = await import("./model/prompt.js");
    const endpoint = await client.endpoint({ progress: new Progress(request.sink), signal: request.signal });
    const stream = new StreamingDisplay(request.sink, `The code raised ${failure.ename}; asking ${modelLabel(endpoint)} for a fix (attempt ${attempt})…`);
    // A KeyError or a wrong shape is fixed by knowing the columns the failed code actually got
    // (a CSV read with the wrong separator has one column named "station;date;temp_c"); the
    // namespace is asked again, and its tables go into this last message only, so the
    // beginning of the conversation stays the same as the first call's (a server's prompt cache).
    const now = await this.host.gatherContext(request).catch((): TaskContext => ({ namespace: [] as NamespaceEntry[] }));
    const tables = now.namespace
      ?.filter((entry) => entry.columns?.length)
      .slice(0, 5)
      .map(describeName)
      .join("\n");
    const traceback = redactSecrets(
      failure.traceback
        .join("\n")
        .replace(/\x1b\[[0-9;]*m/g, "")
        .split("\n")
        .slice(-40)
        .join("\n"),
    );
    const result = await generating(stream, client, {
      messages: this.redacted(
        endpoint,
        [...secrets, ...(now.secrets ?? [])],
        [
          ...taskMessages(request.task, context, promptStyle(this.env)),
          { role: "assistant", content: firstAnswer },
          {
            role: "user",
            content:
              `This code raised an error when it ran:\n\n\`\`\`python\n${redactSecrets(code)}\n\`\`\`\n\n${traceback || `${failure.ename}: ${redactSecrets(failure.evalue)}`}\n\n` +
              (tables ? `The tables in the namespace now (their real columns):\n${tables}\n\n` : "") +
              "Write the corrected code as one ```python block. Keep the plan; change only what the error requires. " +
              "Variables the code set before it failed still exist.",
          },
        ],
      ),
      ...streamInto(stream),
      signal: request.signal,
    });
    stream.finish(`Fix from ${result.model} (attempt ${attempt}).`);
    const fixed = readAnswer(result, request.sink, html);
    return { code: fixed.code, model: result.model };
  }

  /**
   * The messages as they may leave for the endpoint: every secret known redacted from all of
   * them, whatever part of the prompt holds it (the task, a cell, a preview, the traceback).
   * Known: the notebook's (from the context), the endpoint's own key and the kernel's other secrets.
   */
  private redacted(endpoint: Endpoint, secrets: string[], messages: ChatMessage[]): ChatMessage[] {
    const known = [...secrets, ...kernelSecretValues(this.env)];
    if (endpoint.apiKey) known.push(endpoint.apiKey);
    return redactMessages(messages, known);
  }

  /** The one model call of a new task, its answer streamed into the cell, then read. */
  private async generate(request: TaskRequest, context: TaskContext, secrets: string[], html: HtmlRenderer) {
    const client = await this.models.backend();
    const { taskMessages, promptStyle } = await import("./model/prompt.js");
    // Luci's own model may first be pulled and its server started: that shows as progress lines.
    const endpoint = await client.endpoint({ progress: new Progress(request.sink), signal: request.signal });
    const stream = new StreamingDisplay(request.sink, `Asking ${modelLabel(endpoint)}…`);
    const result = await generating(stream, client, {
      messages: this.redacted(endpoint, secrets, taskMessages(request.task, context, promptStyle(this.env))),
      ...streamInto(stream),
      signal: request.signal,
    });
    stream.finish(`Answer from ${modelLabel(endpoint, result.model)} in ${result.calls} ${result.calls === 1 ? "call" : "calls"}.`);
    const answer = readAnswer(result, request.sink, html);
    // What the model said, for a self-repair call: its reasoning left out (it is not sent back), and
    // the code as a block when it came as a tool call.
    const said = withoutReasoning(plainLineEnds(result.text)).text.trim();
    const text = said && !result.toolCalls.length ? said : `${said}\n\n\`\`\`python\n${answer.code}\`\`\``.trim();
    return { answer, text, endpoint, origin: { model: modelLabel(endpoint, result.model), calls: result.calls } };
  }
}

/** A parameter whose value the notebook holds: its live value, and which cell gave it. */
function notebookParameter(name: string, context: TaskContext): ShownParameter {
  const entry = context.namespace?.find((e) => e.name === name);
  const value = entry ? (entry.preview ?? `<${entry.type}>`) : "(not set)";
  // The last plain literal assignment of the name among the cells that ran (the window the model sees).
  let literal: string | undefined;
  for (const cell of context.cells ?? []) {
    const assigned = cell.task === undefined ? literalAssignments(cell.code) : undefined;
    if (assigned && name in assigned) literal = pythonLiteral(assigned[name]!);
  }
  if (literal === undefined) return { name, value, from: "notebook" };
  return { name, value, from: literal === value ? "parameters-cell" : "changed-later" };
}

/** The model as the cell names it: "qwen2.5-coder-1.5b (Luci's own model)" for Luci's own. */
function modelLabel(endpoint: Endpoint, answered = endpoint.model): string {
  return endpoint.source === OWN_MODEL_SOURCE ? `${answered} (${OWN_MODEL_SOURCE})` : answered;
}

/** Where a generation's pieces go: the answer's text and tool-call arguments shown, reasoning as "Thinking…". */
function streamInto(stream: StreamingDisplay) {
  return {
    onToken: (token: string) => stream.add(token),
    onToolCall: (piece: string) => stream.addToolArguments(piece),
    onReasoning: (piece: string) => stream.thinking(piece),
    onRetry: (reason: string, wait: number) => stream.note(`${reason}; retrying in ${wait} s`),
  };
}

/**
 * The model call, its answer streaming into `stream`; an answer that stops before its end (an
 * interrupt, a connection that broke) leaves a note in the stream's place, with what had come.
 */
async function generating(stream: StreamingDisplay, client: ModelBackend, request: GenerateRequest): Promise<GenerateResult> {
  try {
    return await client.generate(request);
  } catch (err) {
    stream.stop(err instanceof GenerationInterrupted);
    throw err;
  }
}

/**
 * The answer read, or an error that says why it cannot be used; then the answer as it came is
 * shown folded, so that the user sees what the model wrote (a cut-off answer is not read at all).
 */
function readAnswer(result: GenerateResult, sink: OutputSink, html: HtmlRenderer): TaskAnswer {
  try {
    if (result.finishReason === "length") throw new AnswerCutOff(result.model, result.text);
    return parseAnswer({ text: result.text, toolCalls: result.toolCalls, finishReason: result.finishReason ?? null });
  } catch (err) {
    if (err instanceof UnusableAnswer || err instanceof AnswerCutOff) showRawAnswer(sink, err.rawText, html);
    throw err;
  }
}

/**
 * Python exceptions that a change of code cannot fix (an interrupt, input() with no one to
 * answer). Luci's own failures say so themselves: a CellFailure is not repairable unless made so.
 */
const NOT_REPAIRABLE_PYTHON = new Set(["KeyboardInterrupt", "StdinNotImplementedError"]);

function repairable(outcome: TaskOutcome): boolean {
  return outcome.status === "error" && outcome.repairable !== false && !NOT_REPAIRABLE_PYTHON.has(outcome.ename);
}

/** LUCI_SELF_REPAIR (common/settings.ts): how many times failing generated code goes back to the model. */
function maxRepairs(env: NodeJS.ProcessEnv): number {
  return setting(env, "LUCI_SELF_REPAIR");
}

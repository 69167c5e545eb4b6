// The task pipeline in-process: a scripted host (no Python, no kernel) and the fake model server.
// A change to the pipeline is checked here in a second; the stories through the kernel stay for
// the user's view. The gate fails closed at this level too: the host's run is never called for
// code the gate did not pass.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OutputSink } from "../../../kernel/common/output-sink.js";
import type { GateVerdict } from "../../../kernel/pipeline/gate.js";
import { TaskPipeline, type TaskHost, type TaskOutcome, type TaskRequest } from "../../../kernel/pipeline/task-runner.js";
import { codeAnswer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

/** The code without the plan's step comments the model writes (codeAnswer puts them in). */
const withoutComments = (code: string) =>
  code
    .split("\n")
    .filter((line) => !line.trim().startsWith("#"))
    .join("\n")
    .trim();

const PASSED: GateVerdict = { verdict: "passed", report: { status: "ok", score: 1, passed: true, threshold: 0.8, issues: [], summary: "No issues." } };

class ScriptedHost implements TaskHost {
  ran: string[] = [];
  verdict: GateVerdict = PASSED;
  outcome: TaskOutcome = { status: "ok" };
  gatherContext() {
    return Promise.resolve({});
  }
  run(code: string) {
    this.ran.push(code);
    return Promise.resolve(this.outcome);
  }
  validate() {
    return Promise.resolve(this.verdict);
  }
  packages() {
    return [];
  }
  installPins() {
    return Promise.resolve();
  }
  apps: string[] = [];
  runApp(code: string) {
    this.apps.push(code);
    return Promise.resolve(this.outcome);
  }
}

function recordingSink() {
  const errors: string[] = [];
  const mimes: string[] = [];
  const sink: OutputSink = {
    stream: () => undefined,
    display: (data) => mimes.push(...Object.keys(data).filter((k) => k.startsWith("application/vnd.luci"))),
    updateDisplay: () => undefined,
    clearOutput: () => undefined,
    result: () => undefined,
    error: (ename, evalue) => errors.push(`${ename}: ${evalue}`),
    input: () => Promise.reject(new Error("no input here")),
  };
  return { sink, errors, mimes };
}

let server: FakeModelServer;
let folder: string;
beforeAll(async () => {
  server = await startFakeModelServer();
  folder = mkdtempSync(join(tmpdir(), "luci-pipeline-"));
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => server.reset());

function pipeline(host: TaskHost): TaskPipeline {
  const env = {
    LUCI_LLM_BASE_URL: server.baseUrl,
    LUCI_LLM_MODEL: "fake-coder",
    LUCI_LLM_API_KEY: "",
    LUCI_LOCAL_MODEL: "off",
    LUCI_STATE_DIR: join(folder, "state"),
  };
  return new TaskPipeline(host, () => undefined, env);
}

function request(task: string, sink: OutputSink): TaskRequest {
  return {
    task,
    sink,
    signal: new AbortController().signal,
    execute: { code: task, silent: false, storeHistory: true, userExpressions: {}, allowStdin: false, stopOnError: true, executionCount: 1 },
    folder,
    parameterCellNames: new Set(),
  };
}

describe("TaskPipeline with a scripted host", () => {
  it("asks the model once, shows plan, code and validation, runs the code through the host and records it", async () => {
    const host = new ScriptedHost();
    server.enqueue(codeAnswer({ code: "print(6 * 7)" }));
    const { sink, errors, mimes } = recordingSink();
    const outcome = await pipeline(host).runTask(request("Multiply six by seven", sink));
    expect(outcome.status).toBe("ok");
    expect(errors).toEqual([]);
    expect(host.ran.map(withoutComments)).toEqual(["print(6 * 7)"]);
    expect(server.chatRequests).toHaveLength(1);
    for (const kind of ["plan", "code", "validation", "record"]) expect(mimes).toContain(`application/vnd.luci.${kind}+json`);
  });

  it("code that serves a web interface is started as an app through the host, not run as a cell, and recorded", async () => {
    const host = new ScriptedHost();
    const code = "from http.server import HTTPServer, SimpleHTTPRequestHandler\nHTTPServer(('', 8000), SimpleHTTPRequestHandler).serve_forever()";
    server.enqueue(codeAnswer({ code }));
    const { sink, errors, mimes } = recordingSink();
    const outcome = await pipeline(host).runTask(request("Serve this folder as a web page", sink));
    expect(outcome.status).toBe("ok");
    expect(errors).toEqual([]);
    expect(host.ran).toEqual([]);
    expect(host.apps.map(withoutComments)).toEqual([code]);
    expect(mimes).toContain("application/vnd.luci.record+json");
  });

  const refusals: [string, GateVerdict, RegExp][] = [
    [
      "no verdict (the validator failed)",
      { verdict: "undecided", reason: "the validator failed (ZeroDivisionError)" },
      /could not be validated \(the validator failed/,
    ],
    [
      "a failing verdict",
      { verdict: "failed", report: { status: "ok", score: 0.7, passed: false, threshold: 0.8, issues: [], summary: "1 high" } },
      /scored 0\.70, below the threshold 0\.80/,
    ],
  ];
  for (const [what, verdict, message] of refusals) {
    it(`never runs code given ${what}; %luci run-anyway's code is kept, nothing is recorded`, async () => {
      const host = new ScriptedHost();
      host.verdict = verdict;
      server.enqueue(codeAnswer({ code: "print('should not run')" }));
      const { sink, errors, mimes } = recordingSink();
      const tasks = pipeline(host);
      const outcome = await tasks.runTask(request(`Print something (${what})`, sink));
      expect(outcome).toMatchObject({ status: "error", ename: "ValidationFailed" });
      expect(host.ran).toEqual([]);
      expect(errors.join("\n")).toMatch(message);
      expect(withoutComments(tasks.blocked?.code ?? "")).toBe("print('should not run')");
      expect(mimes).not.toContain("application/vnd.luci.record+json");
    });
  }

  it("code that fails goes back to the model once per attempt, and the repaired code runs", async () => {
    const host = new ScriptedHost();
    host.outcome = { status: "error", ename: "NameError", evalue: "name 'x' is not defined", traceback: [] };
    server.enqueue(codeAnswer({ code: "print(x)" }));
    server.enqueue(codeAnswer({ code: "x = 1\nprint(x)" }));
    const { sink } = recordingSink();
    const tasks = pipeline(host);
    const run = tasks.runTask(request("Print x", sink));
    // The second run (the repair) succeeds.
    const original = host.run.bind(host);
    host.run = (code: string) => {
      if (host.ran.length === 1) host.outcome = { status: "ok" };
      return original(code);
    };
    const outcome = await run;
    expect(outcome.status).toBe("ok");
    expect(host.ran.map(withoutComments)).toEqual(["print(x)", "x = 1\nprint(x)"]);
    expect(server.chatRequests).toHaveLength(2);
  });
});

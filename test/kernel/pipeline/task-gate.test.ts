// The validation gate fails closed, through a real kernel and worker: generated code runs only
// when the validator says, in the documented shape, that it passed. A validator that raises, one
// that does not answer within LUCI_VALIDATION_TIMEOUT, one whose answer cannot be read or
// contradicts itself, and code too large to judge: each blocks the code with its own message,
// and `%luci run-anyway` runs it. The validator is replaced from a Python cell (the worker's own
// module, as notebook code could reach it); each test puts the real one back.
import { describe, expect, it } from "vitest";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startFakeModelServer, codeAnswer, type FakeModelServer } from "../../support/fake-model-server.js";
import { fakeModelEnv } from "../../support/fake-model-kernel.js";
import { displayData, streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

let server: FakeModelServer;
let kernel: StartedKernel;

beforeAll(async () => {
  server = await startFakeModelServer({ chunkSize: 4096 });
  kernel = await startKernel({ env: fakeModelEnv(server, { LUCI_VALIDATION_TIMEOUT: "2", LUCI_SELF_REPAIR: "0" }) });
  const { reply } = await kernel.client.execute(
    "import sys as _sys, importlib as _importlib\n_real_validate = _importlib.import_module('luci_worker.validation').validate_command",
  );
  expect(reply.content.status).toBe("ok");
});
afterAll(async () => {
  await kernel?.stop();
  await server?.close();
});
beforeEach(async () => {
  server.reset();
  const { reply } = await kernel.client.execute("_sys.modules['luci_worker.validation'].validate_command = _real_validate");
  expect(reply.content.status).toBe("ok");
});

/** The code the model writes in every test: it says so when it runs. */
const MARKER_CODE = "print('the generated code ran')";

async function replaceValidator(python: string): Promise<void> {
  const { reply } = await kernel.client.execute(
    `def _fake_validate(cmd, namespace=None):\n${python}\n_sys.modules['luci_worker.validation'].validate_command = _fake_validate`,
  );
  expect(reply.content.status).toBe("ok");
}

async function runTask(task: string, code = MARKER_CODE) {
  server.enqueue(codeAnswer({ code }));
  return kernel.client.execute(task);
}

function validationShown(iopub: Parameters<typeof displayData>[0]) {
  return displayData(iopub, "application/vnd.luci.validation+json")[0]!["application/vnd.luci.validation+json"] as Record<string, unknown>;
}

async function runAnywayRunsIt(): Promise<void> {
  const { reply, iopub } = await kernel.client.execute("%luci run-anyway");
  expect(reply.content.status).toBe("ok");
  expect(streamText(iopub)).toContain("the generated code ran");
}

describe("the validation gate fails closed", () => {
  it("a validator that raises: the code is shown, not run, and the cell says why", async () => {
    await replaceValidator("    raise ZeroDivisionError('validator bug')");
    const { reply, iopub } = await runTask("Say that the code ran");
    expect(reply.content).toMatchObject({ status: "error", ename: "ValidationFailed" });
    expect(String(reply.content.evalue)).toContain("could not be validated (the validator failed (ZeroDivisionError: validator bug))");
    expect(String(reply.content.evalue)).toContain("%luci run-anyway");
    expect(streamText(iopub)).not.toContain("the generated code ran");
    expect(validationShown(iopub)).toMatchObject({ status: "undecided", passed: false });
    await runAnywayRunsIt();
  });

  it("a validator that does not answer in time: refused after LUCI_VALIDATION_TIMEOUT, the worker interrupted and still usable", async () => {
    await replaceValidator("    import time\n    time.sleep(600)");
    const { reply, iopub } = await runTask("Say that the code ran, slowly");
    expect(reply.content).toMatchObject({ status: "error", ename: "ValidationFailed" });
    expect(String(reply.content.evalue)).toContain("could not be validated (the validator did not answer (no answer within 2 s))");
    expect(streamText(iopub)).not.toContain("the generated code ran");
    // The hung validator was interrupted: the worker answers the next cell.
    const next = await kernel.client.execute("print(6 * 7)");
    expect(streamText(next.iopub)).toBe("42\n");
    await runAnywayRunsIt();
  });

  it("an answer of the wrong shape is no verdict: a report without `passed`", async () => {
    await replaceValidator("    return {'status': 'ok', 'score': 1.0, 'threshold': 0.8, 'issues': [], 'summary': 'fine'}");
    const { reply, iopub } = await runTask("Say that the code ran, unread");
    expect(String(reply.content.evalue)).toMatch(/could not be validated \(the validator's answer could not be read \(passed: /);
    expect(streamText(iopub)).not.toContain("the generated code ran");
  });

  it("an answer that contradicts itself is no verdict: passed with a score below the threshold", async () => {
    await replaceValidator("    return {'status': 'ok', 'score': 0.1, 'passed': True, 'threshold': 0.8, 'issues': [], 'summary': 'fine'}");
    const { reply, iopub } = await runTask("Say that the code ran, contradicted");
    expect(String(reply.content.evalue)).toContain("the validator's answer contradicts itself");
    expect(streamText(iopub)).not.toContain("the generated code ran");
  });

  it("code too large to judge is refused unread, with the real validator", async () => {
    const code = `data = ${JSON.stringify("x".repeat(160_000))}\n${MARKER_CODE}`;
    const { reply, iopub } = await runTask("Say that the code ran, with a lot of data", code);
    expect(reply.content).toMatchObject({ status: "error", ename: "ValidationFailed" });
    expect(String(reply.content.evalue)).toMatch(/The code is too large to be checked \(16\d{4} characters; the gate reads at most 150000\)/);
    expect(streamText(iopub)).not.toContain("the generated code ran");
    expect(validationShown(iopub)).toMatchObject({ passed: false, score: 0 });
  });

  it("with the real validator, code that passes runs: the gate still opens", async () => {
    const { reply, iopub } = await runTask("Say that the code ran, validated");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("the generated code ran\n");
    expect(reply.metadata).toMatchObject({ luci: { ran_as: "task" } });
    expect(validationShown(iopub)).toMatchObject({ status: "ok", passed: true });
  });
});

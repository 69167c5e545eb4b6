// Recorded code: a rerun of an unchanged task, or of one with a changed parameter, runs the
// record with no model call; the record travels in the .ipynb's outputs, so a fresh kernel (or
// nbconvert, offline) reruns from it; code recorded by someone else runs only once trusted.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Message } from "../../../kernel/protocol/messages.js";
import { executeAnswering, ofType, streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

const LOAN_TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";
const LOAN_CODE = "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\nprint(f'{payment:.2f}')";

let server: FakeModelServer;
const kernels: StartedKernel[] = [];
const folder = mkdtempSync(join(tmpdir(), "luci-records-"));
const myTrust = mkdtempSync(join(tmpdir(), "luci-trust-me-"));

beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  for (const k of kernels) await k.stop();
  await server?.close();
});
beforeEach(() => server.reset());

async function kernel(env: Record<string, string> = {}): Promise<StartedKernel> {
  const k = await startKernel({
    cwd: folder,
    env: { LUCI_LLM_BASE_URL: server.baseUrl, LUCI_LLM_MODEL: "fake-coder", LUCI_TRUST_DIR: myTrust, JPY_SESSION_NAME: "loan.ipynb", ...env },
  });
  kernels.push(k);
  return k;
}

/** A cell as a frontend saves it: its source, id and outputs (display_data with the record). */
function savedCell(id: string, source: string, iopub: Message[]) {
  const outputs = ofType(iopub, "display_data").map((m) => ({ output_type: "display_data", data: m.content.data, metadata: m.content.metadata ?? {} }));
  return { id, cell_type: "code", source, metadata: {}, execution_count: 1, outputs };
}

function saveNotebook(cells: unknown[]): void {
  const notebook = { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } }, cells };
  writeFileSync(join(folder, "loan.ipynb"), JSON.stringify(notebook));
}

describe("recorded code", () => {
  let firstRun: Message[] = [];

  it("records the code of a new task in the cell's outputs", async () => {
    const k = await kernel();
    server.enqueue(answer({ code: LOAN_CODE }));
    const { reply, iopub } = await k.client.execute(LOAN_TASK, {}, { cellId: "loan-cell" });
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("1342.05\n");
    firstRun = iopub;
    const record = ofType(iopub, "display_data")
      .map((m) => (m.content.data as Record<string, unknown>)["application/vnd.luci.record+json"])
      .find(Boolean) as { code: string };
    expect(record).toMatchObject({ task: LOAN_TASK, model: "fake-coder", parameters: { principal: 250000, rate: 0.05, years: 30 } });
    expect(record.code.trim()).toBe(LOAN_CODE);
    expect(server.chatRequests).toHaveLength(1);

    // Story 2: change the rate and rerun: the same code, the new value, no model call.
    const tweaked = await k.client.execute(LOAN_TASK.replace("0.05", "0.07"), {}, { cellId: "loan-cell" });
    expect(tweaked.reply.content.status).toBe("ok");
    expect(streamText(tweaked.iopub)).toBe("1663.26\n");
    expect(server.chatRequests).toHaveLength(1);
    expect(JSON.stringify(tweaked.iopub)).toMatch(/Recorded code \(.*no model call\)/);
  });

  it("a fresh kernel reruns from the record saved in the notebook, with the model server gone (offline)", async () => {
    saveNotebook([savedCell("loan-cell", LOAN_TASK, firstRun)]);
    const k = await kernel({ LUCI_GENERATION: "offline", LUCI_LLM_BASE_URL: "http://127.0.0.1:9/v1" });
    const { reply, iopub } = await k.client.execute(LOAN_TASK); // nbclient sends no cell id: found by source
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("1342.05\n");
    expect(server.chatRequests).toHaveLength(0);
  });

  it("offline, a task with no record is an error, not a model call", async () => {
    const k = await kernel({ LUCI_GENERATION: "offline" });
    const { reply } = await k.client.execute("Print the answer to everything");
    expect(reply.content).toMatchObject({ status: "error", ename: "NoRecordOffline" });
    expect(server.chatRequests).toHaveLength(0);
  });

  it("code recorded by someone else is shown and not run until the notebook is trusted", async () => {
    saveNotebook([savedCell("loan-cell", LOAN_TASK, firstRun)]);
    const colleague = mkdtempSync(join(tmpdir(), "luci-trust-colleague-"));
    const k = await kernel({ LUCI_TRUST_DIR: colleague, LUCI_GENERATION: "offline" });
    const untrusted = await k.client.execute(LOAN_TASK);
    expect(untrusted.reply.content).toMatchObject({ status: "error", ename: "NotTrusted" });
    expect(String(untrusted.reply.content.evalue)).toMatch(/%luci trust/);
    expect(streamText(untrusted.iopub)).toBe("");
    // The refused record is shown again, so that saving the notebook now keeps the colleague's code.
    expect(ofType(untrusted.iopub, "display_data").some((m) => "application/vnd.luci.record+json" in (m.content.data as object))).toBe(true);
    const headless = await k.client.execute("%luci trust"); // as nbconvert sends it: no input
    expect(headless.reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(String(headless.reply.content.evalue)).toMatch(/only when you run the cell yourself/);
    const trust = await executeAnswering(k.client, "%luci trust", "loan.ipynb"); // a person types the notebook's name
    expect(streamText(trust.iopub)).toMatch(/Trusted 1 recorded program/);
    const trusted = await k.client.execute(LOAN_TASK);
    expect(trusted.reply.content.status).toBe("ok");
    expect(streamText(trusted.iopub)).toBe("1342.05\n");
  });

  it("a tampered record is not trusted", async () => {
    const tampered = JSON.parse(JSON.stringify(savedCell("loan-cell", LOAN_TASK, firstRun))) as {
      outputs: { data: Record<string, { code: string } | undefined> }[];
    };
    for (const output of tampered.outputs) {
      const record = output.data["application/vnd.luci.record+json"];
      if (record) record.code = "print('tampered')";
    }
    saveNotebook([tampered]);
    const k = await kernel({ LUCI_GENERATION: "offline" });
    const { reply, iopub } = await k.client.execute(LOAN_TASK);
    expect(reply.content).toMatchObject({ status: "error", ename: "NotTrusted" });
    expect(streamText(iopub)).toBe("");
  });

  it("a cell of plain assignments (papermill's parameters) sets the parameters of the tasks after it", async () => {
    saveNotebook([savedCell("loan-cell", LOAN_TASK, firstRun)]);
    const k = await kernel({ LUCI_GENERATION: "offline" });
    await k.client.execute("# Parameters\nrate = 0.07\n");
    const { iopub } = await k.client.execute(LOAN_TASK);
    expect(streamText(iopub)).toBe("1663.26\n");
    // A value typed into the task itself (changed from the record's 0.05) wins over the cell's.
    const typed = await k.client.execute(LOAN_TASK.replace("0.05", "0.06"));
    expect(streamText(typed.iopub)).toBe("1498.88\n");
    expect(server.chatRequests).toHaveLength(0);
  });

  it("%luci regenerate makes new code and shows what changed", async () => {
    saveNotebook([savedCell("loan-cell", LOAN_TASK, firstRun)]);
    const k = await kernel();
    server.enqueue(answer({ code: LOAN_CODE.replace("print(f'{payment:.2f}')", "print(round(payment, 1))") }));
    const { reply, iopub } = await k.client.execute(`%luci regenerate\n${LOAN_TASK}`);
    expect(reply.content.status).toBe("ok");
    expect(server.chatRequests).toHaveLength(1);
    expect(streamText(iopub)).toBe("1342.1\n");
    expect(JSON.stringify(iopub)).toMatch(/Changes from the recorded code/);
    expect(JSON.stringify(iopub)).toContain("+print(round(payment, 1))");
  });

  it("%luci model is remembered for the notebook: the next kernel on it uses the same model", async () => {
    const first = await kernel();
    const set = await first.client.execute("%luci model remembered-coder");
    expect(streamText(set.iopub)).toMatch(/now use remembered-coder for this notebook/);
    await first.stop();
    const second = await kernel();
    server.enqueue(answer({ code: "print('remembered')" }));
    await second.client.execute("Print remembered, with the remembered model");
    expect((server.chatRequests[0]!.body as { model?: string }).model).toBe("remembered-coder");
  });
});

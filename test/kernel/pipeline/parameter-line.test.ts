// Which value a task ran with, and where it came from, shown in the cell: "Parameters: rate = 0.07
// (from the parameters cell) · principal = 250000 (typed in the task)". A real kernel over ZeroMQ
// and the scripted model server; a value taken from the notebook is its live value.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../../kernel/protocol/messages.js";
import { displayData, mimeText, ofType, streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

const LOAN_TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";
const LOAN_CODE = "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\nprint(f'{payment:.2f}')";

let server: FakeModelServer;
let k: StartedKernel;

beforeAll(async () => {
  server = await startFakeModelServer();
  k = await startKernel({
    cwd: mkdtempSync(join(tmpdir(), "luci-parameter-line-")),
    env: { LUCI_LLM_BASE_URL: server.baseUrl, LUCI_LLM_MODEL: "fake-coder", LUCI_TRUST_DIR: mkdtempSync(join(tmpdir(), "luci-trust-")) },
  });
});
afterAll(async () => {
  await k?.stop();
  await server?.close();
});

/** The parameters line's displays (text/plain, text/markdown, and its metadata). */
function parameterLines(iopub: Message[]) {
  return ofType(iopub, "display_data")
    .filter((m) => mimeText(m.content.data as Record<string, unknown>).startsWith("Parameters: "))
    .map((m) => ({
      plain: mimeText(m.content.data as Record<string, unknown>),
      markdown: mimeText(m.content.data as Record<string, unknown>, "text/markdown"),
      metadata: m.content.metadata as { luci?: { parameters?: unknown } },
    }));
}

async function task(text: string) {
  const { reply, iopub } = await k.client.execute(text, {}, { cellId: "loan-cell" });
  expect(reply.content.status).toBe("ok");
  const lines = parameterLines(iopub);
  expect(lines).toHaveLength(1);
  return { line: lines[0]!, iopub };
}

describe("the parameters line", () => {
  it("a new task: every value as typed in the task, before the code's output", async () => {
    server.enqueue(answer({ code: LOAN_CODE }));
    const { line, iopub } = await task(LOAN_TASK);
    expect(line.plain).toBe("Parameters: principal = 250000 (typed in the task) · rate = 0.05 (typed in the task) · years = 30 (typed in the task)");
    expect(line.markdown).toBe("Parameters: `principal = 250000` (typed in the task) · `rate = 0.05` (typed in the task) · `years = 30` (typed in the task)");
    expect(line.metadata.luci?.parameters).toEqual([
      { name: "principal", value: "250000", from: "task" },
      { name: "rate", value: "0.05", from: "task" },
      { name: "years", value: "30", from: "task" },
    ]);
    expect(streamText(iopub)).toBe("1342.05\n");
    // The line comes before what the code printed.
    const lineAt = iopub.findIndex((m) => mimeText(m.content.data as Record<string, unknown>).startsWith("Parameters: "));
    const printedAt = iopub.findIndex((m) => m.header.msg_type === "stream");
    expect(lineAt).toBeLessThan(printedAt);
  });

  it("a parameters cell's value: the live value, from the parameters cell, with nothing else shown for the query", async () => {
    const params = await k.client.execute("# Parameters\nrate = 0.07\n");
    expect(params.reply.content.status).toBe("ok");
    const { line, iopub } = await task(LOAN_TASK);
    expect(line.plain).toBe("Parameters: principal = 250000 (typed in the task) · rate = 0.07 (from the parameters cell) · years = 30 (typed in the task)");
    expect(line.metadata.luci?.parameters).toContainEqual({ name: "rate", value: "0.07", from: "parameters-cell" });
    expect(streamText(iopub)).toBe("1663.26\n");
    // Reading the live value printed nothing and returned nothing: only the code's own output.
    expect(ofType(iopub, "execute_result")).toHaveLength(0);
    expect(streamText(iopub, "stderr")).toBe("");
    expect(server.chatRequests).toHaveLength(1);
  });

  it("a later cell that changes the variable: its live value, said to be changed after the parameters cell", async () => {
    expect((await k.client.execute("rate = rate * 2")).reply.content.status).toBe("ok");
    const { line, iopub } = await task(LOAN_TASK);
    expect(line.plain).toContain("rate = 0.14 (from the notebook: changed after the parameters cell)");
    expect(streamText(iopub)).toBe("2962.18\n");
  });

  it("a value typed anew in the task (changed from the record's) wins, and says so", async () => {
    const { line, iopub } = await task(LOAN_TASK.replace("0.05", "0.06"));
    expect(line.plain).toContain("rate = 0.06 (typed in the task)");
    expect(streamText(iopub)).toBe("1498.88\n");
    expect(displayData(iopub, "application/vnd.luci.record+json")).toHaveLength(1);
    expect(server.chatRequests).toHaveLength(1);
  });
});

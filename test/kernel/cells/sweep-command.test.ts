// `%luci sweep` through a real kernel: the loan task is made once (the fake model writes its
// code), then swept over 12 scenarios with no model call: a table of 12 rows with the right
// payments, a chart, the rows in sweep_results, the notebook's own `rate` untouched. A scenario
// that raises gets an error row; a name that is not the task's is refused; the sweep line on top
// of a task cell sweeps that task; an interrupt keeps the rows that finished.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Message } from "../../../kernel/protocol/messages.js";
import { executeContent } from "../../../kernel/protocol/client.js";
import { displayData, mimeText, ofType } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { jsonAnswer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";
import { fakeModelEnv } from "../../support/fake-model-kernel.js";

const LOAN_TASK = "Monthly payment of a loan of {principal=200000} at {rate=0.05} over {years=30} years";
const LOAN_CODE = [
  "import time",
  "time.sleep(globals().get('pause', 0))",
  "r = rate / 12",
  "n = years * 12",
  "payment = principal * r / (1 - (1 + r) ** -n)",
  "print(f'monthly payment: {payment:.2f}')",
  "print(f'total interest: {payment * n - principal:.2f}')",
].join("\n");
const SIMULATION_ANALYSIS = { task_type: "calculation", needs_web_interface: false, needs_simulation: true, data_sources: [], complexity: "simple" };

/** The annuity formula, computed here rather than by the code under test. */
function payment(principal: number, rate: number, years: number): number {
  const r = rate / 12;
  return Math.round(((principal * r) / (1 - (1 + r) ** -(years * 12))) * 100) / 100;
}

interface SweepRows {
  parameters: string[];
  columns: string[];
  rows: Record<string, unknown>[];
}

function sweepData(iopub: Message[]): SweepRows {
  const shown = displayData(iopub, "application/vnd.luci.sweep+json");
  expect(shown).toHaveLength(1);
  return shown[0]!["application/vnd.luci.sweep+json"] as SweepRows;
}

let server: FakeModelServer;
let kernel: StartedKernel;
const folder = mkdtempSync(join(tmpdir(), "luci-sweep-"));
const trust = mkdtempSync(join(tmpdir(), "luci-sweep-trust-"));
/** What the task cell showed, saved below as a frontend saves it (the record is among its outputs). */
let taskOutputs: Message[] = [];
let reopened: StartedKernel | undefined;

beforeAll(async () => {
  server = await startFakeModelServer();
  kernel = await startKernel({ cwd: folder, env: fakeModelEnv(server, { LUCI_TRUST_DIR: trust }) });
});
afterAll(async () => {
  await kernel?.stop();
  await reopened?.stop();
  await server?.close();
});
beforeEach(() => server.reset());

describe("%luci sweep", () => {
  it("before any task, says to run one first", async () => {
    const { reply } = await kernel.client.execute("%luci sweep rate=0.03,0.04");
    expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(String(reply.content.evalue)).toMatch(/no task has run in this kernel yet/);
  });

  it("a task whose analysis needs a simulation suggests the sweep of its parameters", async () => {
    server.enqueue(jsonAnswer({ analysis: SIMULATION_ANALYSIS, code: LOAN_CODE }));
    const { reply, iopub } = await kernel.client.execute(LOAN_TASK, {}, { cellId: "loan" });
    expect(reply.content.status).toBe("ok");
    taskOutputs = iopub;
    expect(server.chatRequests).toHaveLength(1);
    const suggestion = displayData(iopub).find((d) => mimeText(d).includes("%luci sweep"));
    expect(mimeText(suggestion)).toContain("%luci sweep principal=100000,200000,300000 rate=0.025,0.05,0.075 years=15,30,45");
  });

  it("runs the recorded code over 12 scenarios with no model call: table, chart, sweep_results", async () => {
    const { reply, iopub } = await kernel.client.execute("%luci sweep rate=0.03:0.08:0.01 years=15,30");
    expect(reply.content.status).toBe("ok");
    expect(reply.metadata).toMatchObject({ luci: { ran_as: "command" } });
    expect(server.chatRequests).toHaveLength(0);

    const data = sweepData(iopub);
    expect(data.parameters).toEqual(["rate", "years"]);
    expect(data.columns).toEqual(["monthly payment", "total interest"]);
    expect(data.rows).toHaveLength(12);
    expect(data.rows.map((r) => [r.rate, r.years])).toContainEqual([0.07, 30]);
    expect(data.rows[0]).toMatchObject({ rate: 0.03, years: 15, "monthly payment": payment(200000, 0.03, 15) });
    expect(data.rows[11]).toMatchObject({ rate: 0.08, years: 30, "monthly payment": payment(200000, 0.08, 30) });
    expect(data.rows[5]).toMatchObject({ rate: 0.05, years: 30, "monthly payment": payment(200000, 0.05, 30) });

    const table = displayData(iopub, "text/html")[0]!;
    expect(String(table["text/html"]).match(/<tr data-scenario=/g)).toHaveLength(12);
    expect(mimeText(table)).toMatch(/^\s*0\.07\s+30\s+1330\.6\s+279017\.8$/m);
    expect(String(table["text/markdown"])).toContain("| rate | years | monthly payment | total interest |");

    const chart = displayData(iopub, "image/svg+xml")[0]!;
    expect(mimeText(chart)).toBe("Chart: monthly payment, total interest against rate, one line per years");
    expect(String(chart["image/svg+xml"]).match(/<polyline /g)).toHaveLength(4);

    // Progress, in place: "Scenario i of 12" updates, then the summary.
    const progress = ofType(iopub, "update_display_data").map((m) => mimeText(m.content.data as Record<string, unknown>));
    expect(progress).toContain("Scenario 12 of 12: rate = 0.08, years = 30…");
    expect(progress.at(-1)).toMatch(/^Ran 12 of 12 scenarios in [\d.]+ s, no model call; the rows are in sweep_results$/);
    // The scenarios' printing went to the table, not the cell.
    expect(ofType(iopub, "stream")).toHaveLength(0);

    // The rows for the next cell; the notebook's own variables as the task left them.
    const check = await kernel.client.execute("(len(sweep_results), sweep_results[0]['monthly payment'], rate, years)");
    expect(mimeText(ofType(check.iopub, "execute_result")[0]!.content.data as Record<string, unknown>)).toBe(`(12, ${payment(200000, 0.03, 15)}, 0.05, 30)`);
    expect(server.chatRequests).toHaveLength(0);
  });

  it("gives a scenario that raises an error row and goes on", async () => {
    const { reply, iopub } = await kernel.client.execute("%luci sweep years=0,30");
    expect(reply.content.status).toBe("ok");
    const data = sweepData(iopub);
    expect(data.rows).toHaveLength(2);
    expect(data.rows[0]).toEqual({ years: 0, "monthly payment": null, "total interest": null, error: "ZeroDivisionError: float division by zero" });
    expect(data.rows[1]).toMatchObject({ years: 30, "monthly payment": payment(200000, 0.05, 30), error: null });
  });

  it("refuses a name that is not the task's, naming its parameters, and too many scenarios", async () => {
    const wrong = await kernel.client.execute("%luci sweep interest=0.1,0.2");
    expect(wrong.reply.content).toMatchObject({ status: "error", ename: "SweepError" });
    expect(String(wrong.reply.content.evalue)).toBe(`"interest" is not a parameter of the task; this task's parameters: principal, rate, years`);
    const many = await kernel.client.execute("%luci sweep principal=1:1000 years=1,2");
    expect(String(many.reply.content.evalue)).toMatch(/make 2000 scenarios, more than LUCI_SWEEP_MAX_SCENARIOS \(200\)/);
    expect(server.chatRequests).toHaveLength(0);
  });

  it("inside a Python cell, the line says where it goes", async () => {
    const { reply } = await kernel.client.execute("x = 1\n%luci sweep years=15,30");
    expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(String(reply.content.evalue)).toMatch(/put %luci sweep alone in a cell/);
  });

  it("as the first line of a task cell, sweeps that task with its values", async () => {
    const cell = `%luci sweep years=15,30\n${LOAN_TASK.replace("200000", "100000")}`;
    const { reply, iopub } = await kernel.client.execute(cell);
    expect(reply.content.status).toBe("ok");
    expect(reply.metadata).toMatchObject({ luci: { ran_as: "task" } }); // the page keeps its task label
    expect(server.chatRequests).toHaveLength(0);
    const data = sweepData(iopub);
    expect(data.rows.map((r) => r["monthly payment"])).toEqual([payment(100000, 0.05, 15), payment(100000, 0.05, 30)]);
  });

  it("an interrupt stops the sweep and keeps the rows that finished", async () => {
    await kernel.client.execute("pause = 0.5");
    const c = kernel.client;
    const { msgId, reply } = c.request("shell", "execute_request", executeContent("%luci sweep rate=0.03:0.08:0.01 years=15,30"));
    await vi.waitFor(
      () =>
        expect(
          ofType(c.iopubFor(msgId), "update_display_data").some((m) => mimeText(m.content.data as Record<string, unknown>).startsWith("Scenario 4 of 12")),
        ).toBe(true),
      { timeout: 60_000, interval: 20 },
    );
    await c.request("control", "interrupt_request", {}).reply;
    const r = await reply;
    expect(r.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    await c.waitForIdle(msgId);
    const iopub = c.iopubFor(msgId);
    const data = sweepData(iopub);
    expect(data.rows.length).toBeGreaterThanOrEqual(3);
    expect(data.rows.length).toBeLessThan(12);
    expect(data.rows[0]).toMatchObject({ rate: 0.03, years: 15, "monthly payment": payment(200000, 0.03, 15) });
    expect(mimeText(displayData(iopub, "text/html")[0])).toMatch(/scenarios \(interrupted\)/);
    expect(String(r.content.evalue)).toMatch(new RegExp(`interrupted after ${data.rows.length} of 12 scenarios`));
    await kernel.client.execute("pause = 0");
    const kept = await kernel.client.execute("len(sweep_results)");
    expect(mimeText(ofType(kept.iopub, "execute_result")[0]!.content.data as Record<string, unknown>)).toBe(String(data.rows.length));
    expect(server.chatRequests).toHaveLength(0);
  });

  it("leaves an unswept parameter that a parameters cell set to its live value, as a rerun does", async () => {
    await kernel.client.execute("rate = 0.07");
    const { reply, iopub } = await kernel.client.execute("%luci sweep years=15,30");
    expect(reply.content.status).toBe("ok");
    expect(sweepData(iopub).rows.map((r) => r["monthly payment"])).toEqual([payment(200000, 0.07, 15), payment(200000, 0.07, 30)]);
  });

  it("stops when Python itself stops in a scenario, keeping the rows before it (last: the namespace is gone)", async () => {
    server.enqueue(jsonAnswer({ code: "import os\nif years == 0:\n    os._exit(3)\nprint('double:', years * 2)" }));
    expect((await kernel.client.execute("Double the {years=1} years")).reply.content.status).toBe("ok");
    const { reply, iopub } = await kernel.client.execute("%luci sweep years=1,0,2");
    expect(reply.content).toMatchObject({ status: "error", ename: "WorkerCrashed" });
    expect(String(reply.content.evalue)).toMatch(/The sweep stopped after 2 of 3 scenarios; the finished rows are shown above\.$/);
    const rows = sweepData(iopub).rows;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ years: 1, double: 2, error: null });
    expect(rows[1]).toMatchObject({ years: 0, double: null, error: expect.stringMatching(/^WorkerCrashed: /) as unknown });
    expect(mimeText(displayData(iopub, "text/html")[0])).toMatch(/2 of 3 scenarios \(Python stopped\)/);
  });

  it("alone in a cell of a notebook just opened, sweeps the task cell above it that holds a record", async () => {
    const outputs = ofType(taskOutputs, "display_data").map((m) => ({ output_type: "display_data", data: m.content.data, metadata: m.content.metadata ?? {} }));
    const cell = (id: string, source: string, cellOutputs: unknown[] = []) => ({
      id,
      cell_type: "code",
      source,
      metadata: {},
      execution_count: null,
      outputs: cellOutputs,
    });
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } },
      cells: [cell("loan", LOAN_TASK, outputs), cell("between", "x = 1"), cell("sweep", "%luci sweep years=15,30")],
    };
    writeFileSync(join(folder, "loan.ipynb"), JSON.stringify(notebook));
    reopened = await startKernel({
      cwd: folder,
      env: fakeModelEnv(server, { LUCI_TRUST_DIR: trust, JPY_SESSION_NAME: "loan.ipynb", LUCI_GENERATION: "offline" }),
    });
    const { reply, iopub } = await reopened.client.execute("%luci sweep years=15,30", {}, { cellId: "sweep" });
    expect(reply.content.status).toBe("ok");
    expect(sweepData(iopub).rows.map((r) => r["monthly payment"])).toEqual([payment(200000, 0.05, 15), payment(200000, 0.05, 30)]);
    expect(server.chatRequests).toHaveLength(0);
  });
});

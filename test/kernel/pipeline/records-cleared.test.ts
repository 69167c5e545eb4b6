// "Clearing a notebook's outputs removes its records" (README, recorded code): a task's code is
// recorded as an output of its cell, so once the outputs are cleared and the notebook saved, a
// rerun no longer runs that code: it asks the model again, and offline it is an error. Through
// real kernels on a notebook file, cleared with Jupyter's own tool (nbconvert --clear-output),
// as a user clears it in JupyterLab and saves.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Message } from "../../../kernel/protocol/messages.js";
import { ofType, streamText } from "../../support/kernel-client.js";
import { ROOT, startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

const JUPYTER = join(ROOT, ".venv", "bin", "jupyter");
const RECORD_MIME = "application/vnd.luci.record+json";
const TASK = "Print the sum of the squares of 1 to {n=10}";
const CODE = "print(sum(i * i for i in range(1, n + 1)))";

let server: FakeModelServer;
const kernels: StartedKernel[] = [];

beforeAll(async () => {
  if (!existsSync(JUPYTER)) throw new Error(`nbconvert is needed at ${JUPYTER} (bash .ci/run installs it)`);
  server = await startFakeModelServer();
});
afterAll(async () => {
  for (const k of kernels) await k.stop();
  await server?.close();
});
beforeEach(() => server.reset());

/** A kernel on `notebook` (as JupyterLab names it), with this test's trust folder. */
async function kernelOn(folder: string, env: Record<string, string> = {}): Promise<StartedKernel> {
  const kernel = await startKernel({
    cwd: folder,
    env: {
      LUCI_LLM_BASE_URL: server.baseUrl,
      LUCI_LLM_MODEL: "fake-coder",
      LUCI_TRUST_DIR: join(folder, ".trust"),
      JPY_SESSION_NAME: join(folder, "squares.ipynb"),
      ...env,
    },
  });
  kernels.push(kernel);
  return kernel;
}

/** Saves the notebook as a frontend does: the task cell with its id and the outputs it got. */
function save(folder: string, iopub: Message[]): void {
  const outputs = ofType(iopub, "display_data").map((m) => ({ output_type: "display_data", data: m.content.data, metadata: m.content.metadata ?? {} }));
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } },
    cells: [{ id: "squares-cell", cell_type: "code", source: TASK, metadata: {}, execution_count: 1, outputs }],
  };
  writeFileSync(join(folder, "squares.ipynb"), JSON.stringify(notebook));
}

function recordsIn(folder: string): number {
  const notebook = JSON.parse(readFileSync(join(folder, "squares.ipynb"), "utf8")) as { cells: { outputs?: { data?: object }[] }[] };
  return notebook.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && RECORD_MIME in o.data).length;
}

/** Jupyter's "clear all outputs", saved in place. */
function clearOutputs(folder: string): void {
  execFileSync(JUPYTER, ["nbconvert", "--clear-output", "--inplace", "squares.ipynb"], { cwd: folder, stdio: "pipe" });
}

const RUN = { cellId: "squares-cell" };

describe("clearing a notebook's outputs removes its records", () => {
  it("after the outputs are cleared and saved, a new kernel no longer reruns the recorded code: offline it is an error, online the model is asked", async () => {
    const folder = mkdtempSync(join(tmpdir(), "luci-cleared-"));
    const first = await kernelOn(folder);
    server.enqueue(answer({ code: CODE }));
    const made = await first.client.execute(TASK, {}, RUN);
    expect(made.reply.content.status).toBe("ok");
    expect(streamText(made.iopub)).toBe("385\n");
    save(folder, made.iopub);
    expect(recordsIn(folder)).toBe(1);
    await first.stop();

    // With its record in the file, a new kernel reruns the code with no model call, even offline.
    const rerun = await kernelOn(folder, { LUCI_GENERATION: "offline" });
    const again = await rerun.client.execute(TASK.replace("{n=10}", "{n=3}"), {}, RUN);
    expect(again.reply.content.status).toBe("ok");
    expect(streamText(again.iopub)).toBe("14\n");
    await rerun.stop();
    expect(server.chatRequests).toHaveLength(1);

    clearOutputs(folder);
    expect(recordsIn(folder)).toBe(0);

    const offline = await kernelOn(folder, { LUCI_GENERATION: "offline" });
    const refused = await offline.client.execute(TASK, {}, RUN);
    expect(refused.reply.content).toMatchObject({ status: "error", ename: "NoRecordOffline" });
    expect(streamText(refused.iopub)).toBe("");
    await offline.stop();
    expect(server.chatRequests).toHaveLength(1);

    const online = await kernelOn(folder);
    server.enqueue(answer({ code: "print('new code', sum(i * i for i in range(1, n + 1)))" }));
    const fresh = await online.client.execute(TASK, {}, RUN);
    expect(fresh.reply.content.status).toBe("ok");
    expect(streamText(fresh.iopub)).toBe("new code 385\n");
    expect(server.chatRequests).toHaveLength(2);
    await online.stop();
  });

  it("in the kernel that made the record: once the outputs are cleared and saved, rerunning the cell asks the model again", async () => {
    const folder = mkdtempSync(join(tmpdir(), "luci-cleared-"));
    const kernel = await kernelOn(folder);
    server.enqueue(answer({ code: CODE }));
    const made = await kernel.client.execute(TASK, {}, RUN);
    expect(streamText(made.iopub)).toBe("385\n");
    save(folder, made.iopub);
    // Before the clear, a rerun of the cell is the record's (no model call).
    const rerun = await kernel.client.execute(TASK, {}, RUN);
    expect(streamText(rerun.iopub)).toBe("385\n");
    expect(server.chatRequests).toHaveLength(1);

    clearOutputs(folder);
    expect(recordsIn(folder)).toBe(0);
    server.enqueue(answer({ code: "print('asked again', sum(i * i for i in range(1, n + 1)))" }));
    const after = await kernel.client.execute(TASK, {}, RUN);
    expect(after.reply.content.status).toBe("ok");
    expect(streamText(after.iopub)).toBe("asked again 385\n");
    expect(server.chatRequests).toHaveLength(2);
  });
});

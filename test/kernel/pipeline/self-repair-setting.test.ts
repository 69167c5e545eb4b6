// LUCI_SELF_REPAIR through a real kernel and the fake model server: 0 turns the repair call off
// (the code's own error is the cell's, with one model call), N allows at most N repair calls,
// fewer or more than the default two. Each kernel is given more answers than it may use, so a
// kernel that called the model once too often would run a fix and pass where it must fail.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { displayData, streamText } from "../../support/kernel-client.js";
import { fakeModelEnv } from "../../support/fake-model-kernel.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { answer, codeOnly, lastMessageText, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

let server: FakeModelServer;
const kernels: StartedKernel[] = [];

beforeAll(async () => {
  server = await startFakeModelServer({ chunkSize: 16 });
});
afterAll(async () => {
  for (const k of kernels) await k.stop();
  await server?.close();
});
beforeEach(() => server.reset());

async function kernelWith(selfRepair: string): Promise<StartedKernel> {
  const kernel = await startKernel({ env: fakeModelEnv(server, { LUCI_SELF_REPAIR: selfRepair }) });
  kernels.push(kernel);
  return kernel;
}

/** The titles of the code panels of a cell: the first answer's, then "Repair attempt N". */
function codePanels(iopub: Parameters<typeof displayData>[0]): string[] {
  return displayData(iopub, "application/vnd.luci.code+json").map((d) => String(d["text/plain"]).split("\n")[0]!);
}

describe("LUCI_SELF_REPAIR", () => {
  it("0 disables the repair call: the code's own error is the cell's, after one model call", async () => {
    const kernel = await kernelWith("0");
    server.enqueue(answer({ code: "raise ValueError('first code failed')" }), { ...codeOnly("print('a fix that must not be asked for')"), label: "fix" });
    const { reply, iopub } = await kernel.client.execute("Compute something that fails");
    expect(reply.content).toMatchObject({ status: "error", ename: "ValueError", evalue: "first code failed" });
    expect(server.chatRequests).toHaveLength(1);
    expect(server.pending.map((s) => s.label)).toEqual(["fix"]);
    expect(streamText(iopub)).toBe("");
    expect(codePanels(iopub).some((title) => /Repair attempt/.test(title))).toBe(false);
    // The kernel goes on.
    const after = await kernel.client.execute("print('still here')");
    expect(streamText(after.iopub)).toBe("still here\n");
  });

  it("1 allows one repair call: a second failure is the cell's error", async () => {
    const kernel = await kernelWith("1");
    server.enqueue(
      answer({ code: "raise ValueError('first')" }),
      { ...codeOnly("raise ValueError('second')"), label: "repair 1" },
      { ...codeOnly("print('a third answer that must not be asked for')"), label: "repair 2" },
    );
    const { reply, iopub } = await kernel.client.execute("Fail twice");
    expect(reply.content).toMatchObject({ status: "error", ename: "ValueError", evalue: "second" });
    expect(server.chatRequests).toHaveLength(2);
    expect(server.pending.map((s) => s.label)).toEqual(["repair 2"]);
    // The one repair call carried the first code's traceback.
    expect(lastMessageText(server.chatRequests[1]!.body as never)).toMatch(/ValueError: first/);
    expect(codePanels(iopub).filter((title) => /Repair attempt/.test(title))).toHaveLength(1);
  });

  it("3 allows three repair calls, one more than the default, and the third fix runs", async () => {
    const kernel = await kernelWith("3");
    server.enqueue(
      answer({ code: "raise ValueError('first')" }),
      codeOnly("raise ValueError('second')"),
      codeOnly("raise ValueError('third')"),
      codeOnly("print('fixed on the third repair')"),
    );
    const { reply, iopub } = await kernel.client.execute("Fail three times, then succeed");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("fixed on the third repair\n");
    expect(server.chatRequests).toHaveLength(4);
    expect(codePanels(iopub).filter((title) => /Repair attempt/.test(title))).toEqual([
      expect.stringMatching(/^Repair attempt 1/),
      expect.stringMatching(/^Repair attempt 2/),
      expect.stringMatching(/^Repair attempt 3/),
    ]);
    // Each repair call carried the error of the code before it.
    expect(server.chatRequests.slice(1).map((r) => lastMessageText(r.body as never).match(/ValueError: (\w+)/)?.[1])).toEqual(["first", "second", "third"]);
  });
});

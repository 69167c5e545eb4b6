// Interrupts stop running code within a second, by interrupt_request and by SIGINT to the
// kernel's process group, and the namespace survives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ofType, sleep } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

let kernel: StartedKernel;
beforeAll(async () => {
  kernel = await startKernel();
  await kernel.client.execute("kept = 'still here'");
});
afterAll(async () => {
  await kernel?.stop();
});

const loops = { "time.sleep(60)": "import time; time.sleep(60)", "while True: pass": "while True:\n    pass" };
const ways = {
  interrupt_request: () => kernel.client.request("control", "interrupt_request", {}).reply,
  "SIGINT to the process group": async () => process.kill(-kernel.process.pid!, "SIGINT"),
};

describe("interrupt", () => {
  for (const [loopName, code] of Object.entries(loops)) {
    for (const [wayName, interrupt] of Object.entries(ways)) {
      it(`stops ${loopName} through ${wayName} within 1 s and keeps variables`, async () => {
        const c = kernel.client;
        const { msgId, reply } = c.request("shell", "execute_request", { code, silent: false, store_history: true, allow_stdin: false, stop_on_error: true });
        while (!c.iopubFor(msgId).some((m) => m.header.msg_type === "execute_input")) await sleep(10);
        await sleep(200);
        const sent = Date.now();
        await interrupt();
        const r = await reply;
        const elapsed = Date.now() - sent;
        expect(r.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
        expect(elapsed).toBeLessThan(1000);
        await c.waitForIdle(msgId);
        const check = await c.execute("kept");
        expect(ofType(check.iopub, "execute_result")[0]!.content.data).toMatchObject({ "text/plain": "'still here'" });
      });
    }
  }

  it("an interrupt while idle does no harm", async () => {
    await kernel.client.request("control", "interrupt_request", {}).reply;
    process.kill(-kernel.process.pid!, "SIGINT");
    await sleep(200);
    const check = await kernel.client.execute("kept");
    expect(check.reply.content.status).toBe("ok");
  });
});

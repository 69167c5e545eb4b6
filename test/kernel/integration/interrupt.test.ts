// Interrupts stop running code, by interrupt_request and by SIGINT to the kernel's process
// group, and the namespace survives. The code would run far longer than the test by itself, so a
// KeyboardInterrupt reply is the interrupt's doing; how fast it comes is measured in bench/.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ofType, sleep, streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { executeContent } from "../../../kernel/protocol/client.js";

let kernel: StartedKernel;
beforeAll(async () => {
  kernel = await startKernel();
  await kernel.client.execute("kept = 'still here'");
});
afterAll(async () => {
  await kernel?.stop();
});

// Each says it is running (so the interrupt reaches Python inside the loop), then loops.
const loops = {
  "time.sleep(600)": "import time\nprint('running', flush=True)\ntime.sleep(600)",
  "while True: pass": "print('running', flush=True)\nwhile True:\n    pass",
};
const ways = {
  interrupt_request: () => kernel.client.request("control", "interrupt_request", {}).reply,
  "SIGINT to the process group": async () => process.kill(-kernel.process.pid!, "SIGINT"),
};

describe("interrupt", () => {
  for (const [loopName, code] of Object.entries(loops)) {
    for (const [wayName, interrupt] of Object.entries(ways)) {
      it(`stops ${loopName} through ${wayName} and keeps variables`, async () => {
        const c = kernel.client;
        const { msgId, reply } = c.request("shell", "execute_request", executeContent(code));
        await vi.waitFor(() => expect(streamText(c.iopubFor(msgId))).toBe("running\n"), { timeout: 30_000, interval: 10 });
        await interrupt();
        const r = await reply;
        expect(r.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
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

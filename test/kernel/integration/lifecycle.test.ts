// Shutdown and restart as jupyter_client drives them: a shutdown_request on control is
// answered (on control and on iopub), the worker and the kernel exit.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { sleep } from "../../support/kernel-client.js";
import { alive } from "../../support/processes.js";
import { startKernel } from "../../support/kernel-process.js";

describe("lifecycle", () => {
  it("shuts down on shutdown_request, and takes its worker with it", async () => {
    const kernel = await startKernel();
    const { iopub } = await kernel.client.execute("import os; os.getpid()");
    const workerPid = Number((iopub.find((m) => m.header.msg_type === "execute_result")!.content.data as Record<string, string>)["text/plain"]);
    expect(alive(workerPid)).toBe(true);
    const exited = new Promise<number | null>((ok) => kernel.process.once("exit", (code) => ok(code)));
    const { msgId, reply } = kernel.client.request("control", "shutdown_request", { restart: true });
    expect((await reply).content).toEqual({ status: "ok", restart: true });
    expect(await exited).toBe(0);
    // The kernel flushes iopub before it exits, but our SUB socket reads in the background:
    // the exit event can come before the copy is read, so give the reader a moment.
    const published = () => kernel.client.iopubFor(msgId).some((m) => m.header.msg_type === "shutdown_reply");
    for (let i = 0; i < 40 && !published(); i++) await sleep(50);
    expect(published()).toBe(true);
    for (let i = 0; i < 20 && alive(workerPid); i++) await sleep(50);
    expect(alive(workerPid)).toBe(false);
    await kernel.stop();
  });

  it("a worker left behind by a killed kernel exits by itself", async () => {
    const kernel = await startKernel();
    const { iopub } = await kernel.client.execute("import os; os.getpid()");
    const workerPid = Number((iopub.find((m) => m.header.msg_type === "execute_result")!.content.data as Record<string, string>)["text/plain"]);
    process.kill(kernel.process.pid!, "SIGKILL");
    for (let i = 0; i < 60 && alive(workerPid); i++) await sleep(50);
    expect(alive(workerPid)).toBe(false);
    await kernel.stop();
  });

  it("the luci command explains itself", () => {
    const out = execFileSync(process.execPath, ["dist/kernel/cli/luci.js", "help"], { encoding: "utf8" });
    expect(out).toMatch(/kernel -f CONNECTION_FILE/);
    expect(out).toMatch(/install/);
  });
});

// What users hit when things go wrong around a cell: a worker that dies between cells, a
// Python that never starts, a question that never ends, children left running, a shutdown
// during a cell, requests on the control channel, a silent error.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ofType, sleep, streamText } from "../../support/kernel-client.js";
import { alive } from "../../support/processes.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { executeContent } from "../../../kernel/protocol/client.js";

async function resultOf(kernel: StartedKernel, code: string): Promise<string> {
  const { iopub } = await kernel.client.execute(code);
  return (ofType(iopub, "execute_result")[0]?.content.data as Record<string, string> | undefined)?.["text/plain"] ?? "";
}

let kernel: StartedKernel;
beforeAll(async () => {
  kernel = await startKernel();
});
afterAll(async () => {
  await kernel?.stop();
});

describe("resilience", () => {
  it("says in the next cell that a worker which died between cells took the state with it", async () => {
    await kernel.client.execute("state = 1");
    const pid = Number(await resultOf(kernel, "import os; os.getpid()"));
    process.kill(pid, "SIGKILL");
    await sleep(300);
    const { reply, iopub } = await kernel.client.execute("print('fresh')");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub, "stderr")).toMatch(/stopped between cells \(it was killed \(SIGKILL\).*earlier cells are lost/);
    expect(streamText(iopub)).toBe("fresh\n");
    const again = await kernel.client.execute("print('quiet')");
    expect(streamText(again.iopub, "stderr")).toBe("");
  });

  it("answers a completion that would run forever without running it, and the kernel goes on", async () => {
    await kernel.client.execute(
      "loop_calls = []\nclass Loop:\n    @property\n    def x(self):\n        loop_calls.append(1)\n        while True:\n            pass\na = Loop()",
    );
    const { content } = await kernel.client.request("shell", "complete_request", { code: "a.x.", cursor_pos: 4 }).reply;
    expect(content.status).toBe("ok");
    expect(content.matches).toEqual([]);
    // The property was never called (not called and then abandoned).
    expect(await resultOf(kernel, "len(loop_calls)")).toBe("0");
  });

  it("abandons a completion stuck in user code with an empty answer, and interrupts it", async () => {
    // __dir__ would answer ["never_shown"] after 600 s; the kernel gives up long before, and the
    // interrupt it sends ends the stuck code.
    await kernel.client.execute(
      "import time\nslow_dir = []\nclass Slow:\n    def __dir__(self):\n        try:\n            time.sleep(600)\n        except KeyboardInterrupt:\n            slow_dir.append('interrupted')\n            raise\n        return ['never_shown']\nslow = Slow()",
    );
    const { content } = await kernel.client.request("shell", "complete_request", { code: "slow.", cursor_pos: 5 }).reply;
    expect(content).toMatchObject({ status: "ok", matches: [] });
    expect(await resultOf(kernel, "2 + 2")).toBe("4");
    expect(await resultOf(kernel, "slow_dir")).toBe("['interrupted']");
  });

  it("an execute_request on control is answered on control, and a running shell cell keeps its output", async () => {
    const c = kernel.client;
    const shell = c.request("shell", "execute_request", executeContent("import time; time.sleep(0.3); print('shell cell')"));
    await sleep(50);
    const control = c.request("control", "execute_request", executeContent("print('control cell')"));
    const [s, k] = await Promise.all([shell.reply, control.reply]);
    expect(s.content.status).toBe("ok");
    expect(k.content.status).toBe("ok");
    await c.waitForIdle(shell.msgId);
    await c.waitForIdle(control.msgId);
    expect(streamText(c.iopubFor(shell.msgId))).toBe("shell cell\n");
    expect(streamText(c.iopubFor(control.msgId))).toBe("control cell\n");
  });

  it("a silent execute that fails does not abort the cells queued after it", async () => {
    const c = kernel.client;
    const silent = c.request("shell", "execute_request", { code: "1/0", silent: true, stop_on_error: true });
    const next = c.request("shell", "execute_request", { code: "after_silent = 1", silent: false, store_history: true, stop_on_error: true });
    expect((await silent.reply).content.status).toBe("error");
    expect((await next.reply).content.status).toBe("ok");
  });

  it("refuses an execute_request without code in words", async () => {
    const { reply } = kernel.client.request("shell", "execute_request", { silent: false });
    expect((await reply).content).toMatchObject({ status: "error", ename: "BadRequest" });
  });
});

describe("lifetimes", () => {
  it("processes started by user code do not outlive a shutdown", async () => {
    const k = await startKernel();
    const child = Number(await resultOf(k, "import subprocess; p = subprocess.Popen(['sleep', '300']); p.pid"));
    expect(alive(child)).toBe(true);
    const exited = new Promise((ok) => k.process.once("exit", ok));
    await k.client.request("control", "shutdown_request", { restart: false }).reply;
    await exited;
    // `sleep 300` would outlive the test: gone means the shutdown ended it.
    await vi.waitFor(() => expect(alive(child)).toBe(false), { timeout: 30_000 });
    await k.stop();
  });

  it("a shutdown during a running cell says so in that cell, not that Python crashed", async () => {
    const k = await startKernel();
    const running = k.client.request("shell", "execute_request", {
      code: "import time; time.sleep(30)",
      silent: false,
      store_history: true,
      stop_on_error: true,
    });
    while (!k.client.iopubFor(running.msgId).some((m) => m.header.msg_type === "execute_input")) await sleep(10);
    await sleep(200);
    await k.client.request("control", "shutdown_request", { restart: true }).reply;
    const reply = await running.reply;
    expect(reply.content).toMatchObject({ status: "error", ename: "KernelShutdown" });
    await k.stop();
  });

  it("a Python that does not exist is named in the cell, with what to do", async () => {
    const k = await startKernel({ env: { LUCI_PYTHON: "/nonexistent/python3" } });
    try {
      const { reply } = await k.client.execute("print(1)");
      expect(reply.content).toMatchObject({ status: "error", ename: "PythonUnavailable" });
      expect(String(reply.content.evalue)).toMatch(/\/nonexistent\/python3.*LUCI_PYTHON.*luci install --python/s);
    } finally {
      await k.stop();
    }
  });

  it("an interrupt ends the wait for a Python that never becomes ready", async () => {
    const dir = mkdtempSync(join(tmpdir(), "luci-hang-"));
    const hanging = join(dir, "python3");
    writeFileSync(hanging, "#!/bin/sh\nexec sleep 600\n");
    chmodSync(hanging, 0o755);
    const k = await startKernel({ env: { LUCI_PYTHON: hanging } });
    try {
      const cell = k.client.request("shell", "execute_request", { code: "print(1)", silent: false, store_history: true, stop_on_error: true });
      // The cell has begun (and waits for the Python, which sleeps 600 s instead of starting).
      await vi.waitFor(() => expect(k.client.iopubFor(cell.msgId).some((m) => m.header.msg_type === "execute_input")).toBe(true), { timeout: 30_000 });
      await k.client.request("control", "interrupt_request", {}).reply;
      const reply = await cell.reply;
      // Not PythonUnavailable ("did not become ready within 60 s"): the interrupt ended the wait.
      expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    } finally {
      await k.stop();
    }
  });
});

// A worker that dies (os._exit, a segfault) is reported in its cell in plain words, the
// kernel stays up, and the next cell runs in a fresh Python.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ofType, streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

let kernel: StartedKernel;
beforeAll(async () => {
  kernel = await startKernel();
});
afterAll(async () => {
  await kernel?.stop();
});

const crashes = {
  "os._exit(1)": ["import os; print('before', flush=True); os._exit(1)", /exited with code 1/],
  "a segfault through ctypes": ["import ctypes; print('before', flush=True); ctypes.string_at(0)", /segmentation fault/],
} as const;

describe("worker crash", () => {
  for (const [name, [code, words]] of Object.entries(crashes)) {
    it(`reports ${name} in the cell, and the next cell runs`, async () => {
      const c = kernel.client;
      await c.execute("state = 'set before the crash'");
      const { reply, iopub } = await c.execute(code);
      expect(reply.content).toMatchObject({ status: "error", ename: "WorkerCrashed" });
      expect(reply.content.evalue).toMatch(words);
      expect(reply.content.evalue).toMatch(/earlier cells are lost/);
      expect(streamText(iopub)).toBe("before\n");
      expect(ofType(iopub, "error")).toHaveLength(1);
      const next = await c.execute("print('alive'); 'state' in globals()");
      expect(streamText(next.iopub)).toBe("alive\n");
      expect(ofType(next.iopub, "execute_result")[0]!.content.data).toMatchObject({ "text/plain": "False" });
    });
  }
});

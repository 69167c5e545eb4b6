// processAlive with real processes: one that runs, one that is gone, and a zombie (exited, its
// parent not reaping it), which holds nothing and must not count as a lock's live holder.
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { processAlive } from "../../../kernel/common/process-alive.js";
import { zombie } from "../../support/processes.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

describe("processAlive", () => {
  it("is true for this process and a running child, false for a pid that is gone or not a pid", async () => {
    expect(processAlive(process.pid)).toBe(true);
    const child = spawn("sleep", ["60"]);
    children.push(child);
    expect(processAlive(child.pid!)).toBe(true);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(processAlive(child.pid!)).toBe(false);
    expect(processAlive(0)).toBe(false);
    expect(processAlive(-1)).toBe(false);
    expect(processAlive(Number.NaN)).toBe(false);
  });

  it("is false for a zombie, which kill(pid, 0) still reaches", async () => {
    const { pid, parent } = await zombie();
    children.push(parent);
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(processAlive(pid)).toBe(false);
  });
});

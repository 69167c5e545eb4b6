// Luci's commands alone in a cell are the kernel's (route.ts): they answer when Python cannot
// start at all. The kernel here is given a Python that does not exist; every whole-cell %luci
// command still answers, while a Python cell says Python is unavailable.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

let kernel: StartedKernel;

beforeAll(async () => {
  kernel = await startKernel({ env: { LUCI_EXECUTOR: "local", LUCI_PYTHON: "/nonexistent/python3", LUCI_LOCAL_MODEL: "off" } });
});
afterAll(async () => {
  await kernel?.stop();
});

describe("whole-cell %luci commands need no Python", () => {
  it("a Python cell cannot run here: Python is unavailable", async () => {
    const { reply } = await kernel.client.execute("print(1)");
    expect(reply.content).toMatchObject({ status: "error", ename: "PythonUnavailable" });
    // The reply says how the cell was run (the page replaces a guessed label with it).
    expect(reply.metadata).toMatchObject({ luci: { ran_as: "python" } });
  });

  const answers: [string, RegExp][] = [
    ["%luci help", /%luci: Luci's own commands/],
    ["%luci?", /%luci: Luci's own commands/],
    ["%luci", /%luci: Luci's own commands/],
    ["%luci env", /fixed Python \(LUCI_EXECUTOR=local\)/],
    ["%luci executor", /local: a fixed Python/],
    ["%luci show-code", /No task has run in this kernel yet/],
    ["%luci model", /model/i],
  ];
  for (const [command, answer] of answers) {
    it(`${command} answers`, async () => {
      const { reply, iopub } = await kernel.client.execute(command);
      expect(reply.content.status).toBe("ok");
      expect(reply.metadata).toMatchObject({ luci: { ran_as: "command" } });
      expect(streamText(iopub)).toMatch(answer);
    });
  }

  it("%luci export writes the program", async () => {
    const { reply, iopub } = await kernel.client.execute("%luci export out");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toMatch(/Exported \d+ cells to \d+ files/);
    expect(existsSync(join(kernel.dir, "out", "Dockerfile"))).toBe(true);
    expect(readFileSync(join(kernel.dir, "out", "requirements.txt"), "utf8")).toBeDefined();
  });

  it("%luci trust under a client that takes no input is refused in words, not by a missing Python", async () => {
    const { reply } = await kernel.client.execute("%luci trust", { allow_stdin: false });
    expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(String(reply.content.evalue)).toMatch(/runs only when you run the cell yourself/);
  });

  it("%luci regenerate alone says where it goes; an unknown command says how to list them", async () => {
    const regenerate = await kernel.client.execute("%luci regenerate");
    expect(String(regenerate.reply.content.evalue)).toMatch(/first line of a task cell/);
    const unknown = await kernel.client.execute("%luci frobnicate");
    expect(String(unknown.reply.content.evalue)).toMatch(/%luci frobnicate is not known; %luci help lists the commands/);
  });
});

// Ten kernels started together on notebooks of one folder: the registry stays valid and
// complete, one environment per notebook; kernels started together on one notebook build its
// environment once. A kernel killed with SIGKILL during an install: the next start repairs.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sleep, streamText } from "../../support/kernel-client.js";
import { startPackageIndex, type PackageIndex } from "../../support/package-index.js";
import { progressText, startNotebookKernel, workspace, writeNotebook } from "./environment-kernel.js";
import { executeContent } from "../../../kernel/protocol/client.js";

let index: PackageIndex;
beforeAll(async () => {
  index = await startPackageIndex([{ name: "luci-slow", version: "1.0.0" }]);
});
afterAll(async () => {
  await index?.close();
});

/** The command lines of the processes installing luci-slow into an environment under `envs`. */
function installers(envs: string): string[] {
  return execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("luci-slow") && line.includes(envs));
}

function registryOf(envs: string) {
  return JSON.parse(readFileSync(join(envs, "environments.json"), "utf8")) as {
    version: number;
    environments: Record<string, { name: string; state: string; notebook: string }>;
  };
}

describe("environments under concurrency", () => {
  it("ten kernels on ten notebooks of one folder: a valid registry with one environment each", async () => {
    const space = workspace();
    const names = Array.from({ length: 10 }, (_, i) => `nb${i}.ipynb`);
    for (const name of names) writeNotebook(space.notebooks, name);
    const kernels = await Promise.all(names.map((session) => startNotebookKernel({ ...space, session })));
    try {
      const results = await Promise.all(kernels.map((k) => k.client.execute("import sys; print(sys.prefix)")));
      const prefixes = results.map((r) => streamText(r.iopub).trim());
      expect(new Set(prefixes).size).toBe(10);
      const registry = registryOf(space.envs);
      expect(registry.version).toBe(1);
      const records = Object.values(registry.environments);
      expect(records).toHaveLength(10);
      expect(new Set(records.map((r) => r.name)).size).toBe(10);
      for (const name of names) {
        const record = registry.environments[join(space.notebooks, name)]!;
        expect(record.state).toBe("ready");
        expect(prefixes).toContain(join(space.envs, record.name));
        expect(existsSync(join(space.envs, record.name, ".luci-ready"))).toBe(true);
      }
    } finally {
      await Promise.all(kernels.map((k) => k.stop()));
    }
  });

  it("kernels started together on one notebook build its environment once", async () => {
    const space = workspace();
    writeNotebook(space.notebooks, "shared.ipynb");
    const kernels = await Promise.all([1, 2, 3].map(() => startNotebookKernel({ ...space, session: "shared.ipynb" })));
    try {
      const results = await Promise.all(kernels.map((k) => k.client.execute("import sys; print(sys.prefix)")));
      expect(new Set(results.map((r) => streamText(r.iopub))).size).toBe(1);
      const created = results.filter((r) => /Creating environment/.test(progressText(r.iopub)));
      expect(created).toHaveLength(1);
      expect(Object.keys(registryOf(space.envs).environments)).toHaveLength(1);
    } finally {
      await Promise.all(kernels.map((k) => k.stop()));
    }
  });

  it("a kernel killed with SIGKILL during an install: the next start repairs the environment", async () => {
    const space = workspace();
    writeNotebook(space.notebooks, "killed.ipynb");
    const first = await startNotebookKernel({ ...space, session: "killed.ipynb", indexUrl: index.url });
    await first.client.execute("x = 1"); // the environment exists and is healthy
    index.delayMs = 5000;
    const { msgId } = first.client.request("shell", "execute_request", executeContent("import luci_slow"));
    while (!/Installing luci-slow…/.test(progressText(first.client.iopubFor(msgId)))) await sleep(20);
    await sleep(200);
    process.kill(-first.process.pid!, "SIGKILL");
    await first.stop();
    const key = join(space.notebooks, "killed.ipynb");
    expect(registryOf(space.envs).environments[key]!.state).toBe("installing");

    index.delayMs = 0;
    const second = await startNotebookKernel({ ...space, session: "killed.ipynb", indexUrl: index.url });
    try {
      const { reply, iopub } = await second.client.execute("import luci_slow; print(luci_slow.VALUE)");
      expect(reply.content.status).toBe("ok");
      expect(progressText(iopub)).toMatch(/Repairing environment luci_killed_[0-9a-f]{8}: its last install was cut off/);
      expect(streamText(iopub)).toBe("luci-slow 1.0.0\n");
      expect(registryOf(space.envs).environments[key]!.state).toBe("ready");
    } finally {
      await second.stop();
    }
  });

  it("an interrupt stops an install the cell started; the cell does not run and the next cell repairs", async () => {
    const space = workspace();
    writeNotebook(space.notebooks, "stopped.ipynb");
    const kernel = await startNotebookKernel({ ...space, session: "stopped.ipynb", indexUrl: index.url });
    try {
      await kernel.client.execute("x = 1");
      // The wheel's download would take ten minutes: only the interrupt can end this cell in time.
      index.delayMs = 600_000;
      const c = kernel.client;
      const { msgId, reply } = c.request("shell", "execute_request", executeContent("import luci_slow\nprint('ran')"));
      while (!/Installing luci-slow…/.test(progressText(c.iopubFor(msgId)))) await sleep(20);
      await vi.waitFor(() => expect(installers(space.envs)).not.toEqual([]), { timeout: 30_000 });
      await c.request("control", "interrupt_request", {}).reply;
      expect((await reply).content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
      // The install was stopped, not left to finish in the background.
      await vi.waitFor(() => expect(installers(space.envs)).toEqual([]), { timeout: 30_000 });
      await c.waitForIdle(msgId);
      expect(streamText(c.iopubFor(msgId))).toBe("");
      index.delayMs = 0;
      const next = await kernel.client.execute("print('after')");
      expect(next.reply.content.status).toBe("ok");
      expect(streamText(next.iopub)).toBe("after\n");
    } finally {
      index.delayMs = 0;
      await kernel.stop();
    }
  });
});

// A notebook's container lives as long as its kernel: a shutdown removes it, a restart gets a
// fresh one, and containers a killed kernel left behind are removed when the next kernel starts.
// `%luci executor` moves a notebook between its venv and its container; `%luci container` sets
// its limits. Installs in the container keep the notebook's variables.
import { mkdtempSync, chmodSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../../../kernel/protocol/messages.js";
import { displayData, mimeText, sleep, streamText } from "../../../support/kernel-client.js";
import { containerEnv, startKernel } from "../../../support/kernel-process.js";
import { startPackageIndex, type PackageIndex } from "../../../support/package-index.js";
import { containersOf, requireEngine } from "./docker-support.js";

let index: PackageIndex;
beforeAll(async () => {
  await requireEngine();
  index = await startPackageIndex([{ name: "luci-demo-pkg", version: "1.2.3" }]);
});
afterAll(async () => {
  await index?.close();
});

/** The text of every display and display update of a cell (progress lines end up in the last). */
function displays(iopub: Message[]): string {
  return displayData(iopub)
    .map((d) => mimeText(d))
    .join("\n");
}

describe("container lifecycle", () => {
  it("removes the container on shutdown", async () => {
    const kernel = await startKernel({ env: containerEnv() });
    await kernel.client.execute("x = 1");
    const pid = kernel.process.pid!;
    expect(await containersOf(pid)).toHaveLength(1);
    await kernel.stop(); // shutdown_request, then the process exits
    expect(await containersOf(pid)).toHaveLength(0);
  });

  it("removes the containers of a killed kernel when the next container kernel starts, and says so", async () => {
    // A scope of their own: a container kernel of another test file, starting meanwhile, would
    // otherwise sweep the killed kernel's container first (kernels sweep their own scope only).
    const scope = { ...containerEnv(), LUCI_CONTAINER_SCOPE: `luci-test-sweep-${process.pid}` };
    const killed = await startKernel({ env: scope });
    await killed.client.execute("x = 1");
    const pid = killed.process.pid!;
    process.kill(-pid, "SIGKILL");
    await new Promise((ok) => killed.process.once("exit", ok));
    killed.client.close();
    expect(await containersOf(pid)).toHaveLength(1);
    const next = await startKernel({ env: scope });
    try {
      const { iopub } = await next.client.execute("print('fresh')");
      expect(streamText(iopub)).toBe("fresh\n");
      expect(displays(iopub)).toMatch(/Removed \d+ containers? left behind by a kernel that was killed/);
      expect(await containersOf(pid)).toHaveLength(0);
    } finally {
      await next.stop();
    }
  });

  it("installs what a cell imports with the network on, and keeps the notebook's variables", async () => {
    const kernel = await startKernel({ env: { ...containerEnv(), LUCI_INDEX_URL: index.url } });
    try {
      await kernel.client.execute("before = 'set before the install'");
      const { reply, iopub } = await kernel.client.execute("import luci_demo_pkg\nprint(luci_demo_pkg.__name__, before)");
      expect(reply.content.status).toBe("ok");
      expect(streamText(iopub)).toBe("luci_demo_pkg set before the install\n");
      expect(displays(iopub)).toMatch(/Installing luci-demo-pkg… done in [\d.]+ s \(luci-demo-pkg 1\.2\.3\)/);
      // The cell's own container never had the network: the index was reached by the installer's.
      const net = await kernel.client.execute(
        "import socket\ntry:\n    socket.create_connection(('127.0.0.1', " +
          new URL(index.url).port +
          "), timeout=2); print('reached')\nexcept OSError: print('no network')",
      );
      expect(streamText(net.iopub)).toBe("no network\n");
      const pip = await kernel.client.execute("%pip list");
      expect(streamText(pip.iopub)).toMatch(/luci-demo-pkg\s+1\.2\.3/);
    } finally {
      await kernel.stop();
    }
  });

  it("without a Docker engine, says how to start one or go back to the venv, and %luci executor venv works", async () => {
    const kernel = await startKernel({ env: { ...containerEnv(), DOCKER_HOST: "unix:///tmp/luci-no-such-engine.sock" } });
    try {
      const failed = await kernel.client.execute("print('hello')");
      expect(failed.reply.content).toMatchObject({ status: "error", ename: "PythonUnavailable" });
      expect(failed.reply.content.evalue).toMatch(/Docker engine could not be reached at unix:\/\/\/tmp\/luci-no-such-engine\.sock/);
      expect(failed.reply.content.evalue).toMatch(/%luci executor venv/);
      const back = await kernel.client.execute("%luci executor venv");
      expect(back.reply.content.status).toBe("ok");
      const ran = await kernel.client.execute("print('hello from the venv')");
      expect(streamText(ran.iopub)).toBe("hello from the venv\n");
    } finally {
      await kernel.stop();
    }
  });

  it("%luci executor moves a notebook between its venv and its container, and remembers the choice", async () => {
    const folder = mkdtempSync(join(tmpdir(), "luci-switch-"));
    chmodSync(folder, 0o777);
    writeFileSync(join(folder, "switch.ipynb"), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }));
    const { LUCI_EXECUTOR: _, ...rest } = containerEnv();
    const env = { ...rest, LUCI_EXECUTOR: "", JPY_SESSION_NAME: join(folder, "switch.ipynb") };
    const where = "import sys; print('container' if sys.executable.startswith('/opt/luci/') else 'venv')";
    const kernel = await startKernel({ cwd: folder, env });
    try {
      expect(streamText((await kernel.client.execute(where)).iopub)).toBe("venv\n");
      const chosen = await kernel.client.execute("%luci executor container");
      expect(streamText(chosen.iopub)).toMatch(/From the next cell on, this notebook's code runs in its container \(remembered/);
      expect(streamText((await kernel.client.execute(where)).iopub)).toBe("container\n");
      const limits = await kernel.client.execute("%luci container memory=512m pids=100");
      expect(streamText(limits.iopub)).toMatch(/memory 512m, 1 CPU, 100 processes/);
      const bad = await kernel.client.execute("%luci container memory=lots");
      expect(bad.reply.content.evalue).toMatch(/"lots" is not a size/);
    } finally {
      await kernel.stop();
    }
    // A new kernel on the same notebook starts where the notebook was left, with its limits.
    const again = await startKernel({ cwd: folder, env });
    try {
      expect(streamText((await again.client.execute(where)).iopub)).toBe("container\n");
      expect(streamText((await again.client.execute("%luci executor")).iopub)).toMatch(/container: .*memory 512m, 1 CPU, 100 processes/);
      await again.client.execute("%luci executor venv");
      expect(streamText((await again.client.execute(where)).iopub)).toBe("venv\n");
    } finally {
      await again.stop();
    }
    await sleep(10);
  });
});

// "The kernel removes its container on shutdown and restart" (README, Containers), checked with
// dockerode against the real engine: a restart as jupyter_client does it (shutdown_request with
// restart on the control channel, then a new kernel process), and a restart and a shutdown as
// JupyterLab and the page do them, through `luci serve` and @jupyterlab/services. A container
// that survived (running or stopped) fails the test.
import type { Session } from "@jupyterlab/services";
import { chmodSync, mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamText } from "../../../support/kernel-client.js";
import { containerEnv, startKernel } from "../../../support/kernel-process.js";
import { quietJupyterLabServices, startServedKernels, type ServedKernels } from "../../../server/server-harness.js";
import { containersOf, docker, requireEngine } from "./docker-support.js";

quietJupyterLabServices();

beforeAll(async () => {
  await requireEngine();
});

/** Every container (running or not) whose worker ran in `folder`. */
async function containersIn(folder: string) {
  return docker.listContainers({ all: true, filters: JSON.stringify({ label: [`luci.folder=${folder}`] }) });
}

describe("a container kernel's container on restart", () => {
  it("a restart as jupyter_client does it (shutdown_request with restart, then a new process) removes the old container; the new kernel gets a fresh one", async () => {
    const kernel = await startKernel({ env: containerEnv() });
    const pid = kernel.process.pid!;
    try {
      await kernel.client.execute("x = 'before the restart'");
      const [before] = await containersOf(pid);
      expect(before?.State).toBe("running");
      const exited = new Promise((ok) => kernel.process.once("exit", ok));
      const reply = await kernel.client.request("control", "shutdown_request", { restart: true }).reply;
      expect(reply.content).toMatchObject({ status: "ok", restart: true });
      await exited;
      expect(await containersOf(pid)).toEqual([]);
      await expect(docker.getContainer(before!.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await kernel.stop();
    }
    const next = await startKernel({ env: containerEnv(), cwd: kernel.dir });
    try {
      const { iopub } = await next.client.execute("print('x' in globals())");
      expect(streamText(iopub)).toBe("False\n");
      expect(await containersOf(next.process.pid!)).toHaveLength(1);
    } finally {
      await next.stop();
    }
  });
});

describe("a container kernel's container through luci serve (JupyterLab's and the page's restart and shutdown)", () => {
  let served: ServedKernels;
  let root: string;

  beforeAll(async () => {
    const state = mkdtempSync(join(tmpdir(), "luci-restart-state-"));
    served = await startServedKernels({
      kernelEnv: {
        ...containerEnv(),
        LUCI_STATE_DIR: join(state, "state"),
        LUCI_TRUST_DIR: join(state, "trust"),
        LUCI_LLM_BASE_URL: "http://127.0.0.1:9/v1",
      },
    });
    root = realpathSync(served.server.root);
    chmodSync(root, 0o777); // the container's user (nobody, for a root kernel) writes in the folder
  });
  afterAll(async () => {
    await served?.close();
  });

  async function run(session: Session.ISessionConnection, code: string): Promise<string> {
    let out = "";
    const future = session.kernel!.requestExecute({ code });
    future.onIOPub = (message) => {
      if (message.header.msg_type === "stream") out += (message.content as { text: string }).text;
    };
    const reply = await future.done;
    expect(reply.content.status).toBe("ok");
    return out;
  }

  it("a restart removes the old container and the kernel runs in a new one; a shutdown removes that one", async () => {
    const session = await served.sessions.startNew({ path: "restart.ipynb", type: "notebook", name: "restart.ipynb", kernel: { name: "luci" } });
    expect(await run(session, "x = 41\nprint(x + 1)")).toBe("42\n");
    const before = await containersIn(root);
    expect(before.map((c) => c.State)).toEqual(["running"]);

    await session.kernel!.restart();
    expect(await run(session, "print('x' in globals())")).toBe("False\n");
    const after = await containersIn(root);
    expect(after.map((c) => c.State)).toEqual(["running"]);
    expect(after[0]!.Id).not.toBe(before[0]!.Id);
    await expect(docker.getContainer(before[0]!.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });

    await session.shutdown();
    expect(await containersIn(root)).toEqual([]);
  });
});

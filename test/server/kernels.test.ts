// @jupyterlab/services, unmodified, against startServer() with real Luci kernels: sessions,
// execution, interrupt, restart, several clients, a kernel killed from outside, culling.
import { KernelManager, KernelSpecManager, type KernelMessage, type Session } from "@jupyterlab/services";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, quietJupyterLabServices, startServedKernels, startTestServer, type ServedKernels } from "./server-harness.js";

quietJupyterLabServices();

let served: ServedKernels;

beforeAll(async () => {
  served = await startServedKernels();
});

afterAll(async () => {
  await served?.close();
});

async function run(session: Session.ISessionConnection, code: string) {
  const iopub: KernelMessage.IIOPubMessage[] = [];
  const future = session.kernel!.requestExecute({ code });
  future.onIOPub = (message) => void iopub.push(message);
  const reply = await future.done;
  const stdout = iopub
    .filter((m): m is KernelMessage.IStreamMsg => m.header.msg_type === "stream")
    .map((m) => m.content.text)
    .join("");
  return { reply, iopub, stdout };
}

describe("@jupyterlab/services against luci serve", () => {
  it("lists the kernelspecs, Luci first, with their logos", async () => {
    const specs = new KernelSpecManager({ serverSettings: served.server.settings });
    await specs.ready;
    expect(specs.specs?.default).toBe("luci");
    expect(specs.specs?.kernelspecs.luci?.display_name).toBe("Luci");
    expect(specs.specs?.kernelspecs["luci-container"]?.display_name).toBe("Luci (container)");
    expect(specs.specs?.kernelspecs["luci-container"]?.env).toMatchObject({ LUCI_EXECUTOR: "container" });
    expect(specs.specs?.kernelspecs.luci?.argv.slice(-3)).toEqual(["kernel", "-f", "{connection_file}"]);
    const logo = specs.specs?.kernelspecs.luci?.resources["logo-64x64"];
    expect(logo).toBe("/kernelspecs/luci/logo-64x64.png");
    const image = await fetch(new URL(logo!, served.server.running.baseUrl));
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    specs.dispose();
  });

  it("starts a session for a notebook in a subfolder and runs Python there", async () => {
    mkdirSync(join(served.server.root, "sub"));
    const session = await served.sessions.startNew({ path: "sub/first.ipynb", type: "notebook", name: "first.ipynb", kernel: { name: "luci" } });
    expect(session.kernel?.name).toBe("luci");
    const { reply, stdout } = await run(session, "print(1+1)");
    expect(reply.content.status).toBe("ok");
    expect(stdout).toBe("2\n");
    // The kernel runs in the notebook's folder and is told which notebook it serves.
    const where = await run(session, "import os\nprint(os.getcwd())\nprint(os.environ.get('JPY_SESSION_NAME'))");
    expect(where.stdout.trim().split("\n")).toEqual([join(served.server.root, "sub"), join(served.server.root, "sub", "first.ipynb")]);
    const listed = await served.sessions.findByPath("sub/first.ipynb");
    expect(listed?.kernel?.id).toBe(session.kernel?.id);
    // Opening the same notebook again (a second tab, a reload) joins the same session and kernel.
    const again = await served.sessions.startNew({ path: "sub/first.ipynb", type: "notebook", name: "first.ipynb" });
    expect(again.id).toBe(session.id);
    await run(session, "marker = 'shared'");
    expect((await run(again, "print(marker)")).stdout).toBe("shared\n");
    again.dispose();
    // An older client's body names the notebook as notebook.path; a body of another shape is refused.
    const post = (body: unknown) => served.server.api("/api/sessions", { method: "POST", body: JSON.stringify(body) });
    const older = await post({ notebook: { path: "sub/first.ipynb" }, type: "notebook" });
    expect(((await older.json()) as { id: string }).id).toBe(session.id);
    const notAString = await post({ notebook: { path: 5 } });
    expect(notAString.status).toBe(400);
    expect(((await notAString.json()) as { message: string }).message).toMatch(/notebook\.path must be a string/);
    expect((await post({ notebook: "sub/first.ipynb" })).status).toBe(400);
    // If that kernel has died, opening the notebook again gives the session a new kernel.
    const firstKernel = session.kernel!.id;
    process.kill(served.server.running.server.kernels.get(firstKernel).process.pid!, "SIGKILL");
    await eventually(
      async () => ((await (await served.server.api(`/api/kernels/${firstKernel}`)).json()) as { execution_state: string }).execution_state === "dead",
      20_000,
      "the kernel to die",
    );
    const revived = await served.sessions.startNew({ path: "sub/first.ipynb", type: "notebook", name: "first.ipynb" });
    expect(revived.id).toBe(session.id);
    expect(revived.kernel!.id).not.toBe(firstKernel);
    expect((await run(revived, "print('alive')")).stdout).toBe("alive\n");
    expect((await served.server.api(`/api/kernels/${firstKernel}`)).status).toBe(404);
    revived.dispose();
    await session.shutdown().catch(() => undefined); // this connection's kernel was replaced
    await served.server.api(`/api/sessions/${session.id}`, { method: "DELETE" });
    expect((await (await served.server.api("/api/kernels")).json()) as unknown[]).toHaveLength(0);
  });

  it("interrupts a running cell (KeyboardInterrupt) and keeps the kernel's variables", async () => {
    const session = await served.sessions.startNew({ path: "interrupt.ipynb", type: "notebook", name: "interrupt.ipynb" });
    await run(session, "kept = 7");
    // Interrupt once Python is surely inside the cell: its first output has arrived.
    // The cell would sleep ten minutes: a KeyboardInterrupt reply is the interrupt's doing.
    const future = session.kernel!.requestExecute({ code: "import time\nprint('sleeping', flush=True)\ntime.sleep(600)" });
    let sleeping = false;
    future.onIOPub = (m) => {
      if (m.header.msg_type === "stream") sleeping = true;
    };
    await eventually(() => sleeping, 20_000, "the cell to start");
    await session.kernel!.interrupt();
    const reply = await future.done.catch((err: { content?: unknown }) => err as KernelMessage.IExecuteReplyMsg);
    expect(reply.content.status).toBe("error");
    expect((reply.content as KernelMessage.IReplyErrorContent).ename).toBe("KeyboardInterrupt");
    expect((await run(session, "print(kept)")).stdout).toBe("7\n");
    await session.shutdown();
  });

  it("restarts a kernel: its variables are gone and it answers again", async () => {
    const session = await served.sessions.startNew({ path: "restart.ipynb", type: "notebook", name: "restart.ipynb" });
    await run(session, "x = 41");
    expect((await run(session, "print(x + 1)")).stdout).toBe("42\n");
    const id = session.kernel!.id;
    // Another client of the same kernel hears of the restart and can run code after it.
    const otherManager = new KernelManager({ serverSettings: served.server.settings });
    const other = otherManager.connectTo({ model: session.kernel!.model });
    await other.info;
    const heard: string[] = [];
    other.statusChanged.connect((_, status) => void heard.push(status));
    await session.kernel!.restart();
    expect(session.kernel!.id).toBe(id);
    const after = await run(session, "print('x' in globals())");
    expect(after.stdout).toBe("False\n");
    // The model follows iopub: idle comes just after the reply.
    const model = async () => ((await (await served.server.api(`/api/kernels/${id}`)).json()) as { execution_state: string }).execution_state;
    await eventually(async () => (await model()) === "idle", 30_000, "the model to say idle");
    expect(heard).toContain("restarting");
    await eventually(() => other.status === "idle" && other.connectionStatus === "connected", 20_000, "the other client to reconnect");
    expect((await other.requestExecute({ code: "print('x' in globals())" }).done).content.status).toBe("ok");
    other.dispose();
    otherManager.dispose();
    await session.shutdown();
  });

  it("serves two clients of one kernel: each gets its own replies, iopub goes to both", async () => {
    const a = await served.kernels.startNew({ name: "luci" });
    const model = a.model;
    const other = new KernelManager({ serverSettings: served.server.settings });
    const b = other.connectTo({ model });
    const seenByB: string[] = [];
    b.iopubMessage.connect((_, m) => {
      if (m.header.msg_type === "stream") seenByB.push((m as KernelMessage.IStreamMsg).content.text);
    });
    const [ra, rb] = await Promise.all([a.requestExecute({ code: "print('from a')" }).done, b.requestExecute({ code: "print('from b')" }).done]);
    expect(ra.content.status).toBe("ok");
    expect(rb.content.status).toBe("ok");
    expect(ra.parent_header).not.toEqual(rb.parent_header);
    await eventually(() => seenByB.join("").includes("from a") && seenByB.join("").includes("from b"), 30_000, "b to see both outputs");
    const listed = (await (await served.server.api(`/api/kernels/${model.id}`)).json()) as { connections: number };
    expect(listed.connections).toBe(2);
    b.dispose();
    other.dispose();
    await a.shutdown();
  });

  it("reports a kernel killed from outside as dead, to its clients and in its model", async () => {
    const connection = await served.kernels.startNew({ name: "luci" });
    const model = connection.model;
    await connection.info;
    const statuses: string[] = [];
    connection.statusChanged.connect((_, status) => void statuses.push(status));
    const pid = served.server.running.server.kernels.get(model.id).process.pid!;
    process.kill(pid, "SIGKILL");
    await eventually(() => statuses.includes("dead"), 20_000, "the dead status");
    const after = (await (await served.server.api(`/api/kernels/${model.id}`)).json()) as { execution_state: string };
    expect(after.execution_state).toBe("dead");
    connection.dispose();
    // A dead kernel can be restarted: same id, a new process that answers.
    const restarted = await served.server.api(`/api/kernels/${model.id}/restart`, { method: "POST" });
    expect(restarted.status).toBe(200);
    const again = served.kernels.connectTo({ model: (await restarted.json()) as typeof model });
    const reply = await again.requestExecute({ code: "print('back')" }).done;
    expect(reply.content.status).toBe("ok");
    expect(served.server.running.server.kernels.get(model.id).process.pid).not.toBe(pid);
    again.dispose();
    expect((await served.server.api(`/api/kernels/${model.id}`, { method: "DELETE" })).status).toBe(204);
  });

  it("carries input() through the stdin channel to the client that ran the cell", async () => {
    const session = await served.sessions.startNew({ path: "stdin.ipynb", type: "notebook", name: "stdin.ipynb" });
    const future = session.kernel!.requestExecute({ code: "name = input('who? ')\nprint('hello', name)", allow_stdin: true });
    const prompts: string[] = [];
    future.onStdin = (message) => {
      if (message.header.msg_type !== "input_request") return;
      prompts.push((message as KernelMessage.IInputRequestMsg).content.prompt);
      session.kernel!.sendInputReply({ status: "ok", value: "Luci" }, message.header as KernelMessage.IHeader<"input_request">);
    };
    const output: string[] = [];
    future.onIOPub = (m) => {
      if (m.header.msg_type === "stream") output.push((m as KernelMessage.IStreamMsg).content.text);
    };
    const reply = await future.done;
    expect(reply.content.status).toBe("ok");
    expect(prompts).toEqual(["who? "]);
    expect(output.join("")).toContain("hello Luci");
    await session.shutdown();
  });

  it("renames a session's path and changes its kernel, stopping the old one", async () => {
    const session = await served.sessions.startNew({ path: "before.ipynb", type: "notebook", name: "before.ipynb" });
    const oldKernel = session.kernel!.id;
    await session.setPath("after.ipynb");
    expect((await served.sessions.findByPath("after.ipynb"))?.id).toBe(session.id);
    expect(await served.sessions.findByPath("before.ipynb")).toBeUndefined();
    await session.changeKernel({ name: "luci" });
    expect(session.kernel!.id).not.toBe(oldKernel);
    expect((await served.server.api(`/api/kernels/${oldKernel}`)).status).toBe(404);
    expect((await run(session, "print(3 * 3)")).stdout).toBe("9\n");
    await session.shutdown();
    expect((await served.server.api(`/api/sessions/${session.id}`)).status).toBe(404);
  });
});

describe("interrupt by signal", () => {
  it("sends SIGINT to the kernel's process group when the kernelspec says interrupt_mode signal", async () => {
    const signalled = await startTestServer();
    const manager = new KernelManager({ serverSettings: signalled.settings });
    try {
      signalled.running.server.kernels.specs.get("luci")!.spec.interrupt_mode = "signal";
      const kernel = await manager.startNew({ name: "luci" });
      const future = kernel.requestExecute({ code: "import time\nprint('sleeping', flush=True)\ntime.sleep(60)" });
      let started = false;
      future.onIOPub = (m) => {
        if (m.header.msg_type === "stream") started = true;
      };
      await eventually(() => started, 20_000, "the cell to start");
      await kernel.interrupt();
      const reply = await future.done.catch((err: unknown) => err as KernelMessage.IExecuteReplyMsg);
      expect((reply.content as KernelMessage.IReplyErrorContent).ename).toBe("KeyboardInterrupt");
      expect((await kernel.requestExecute({ code: "print('still here')" }).done).content.status).toBe("ok");
    } finally {
      manager.dispose();
      await signalled.close();
    }
  });
});

describe("culling", () => {
  it("shuts down a kernel left idle and unconnected longer than the timeout", async () => {
    const culling = await startTestServer({ cullIdleTimeoutMs: 1000 });
    try {
      const started = await culling.api("/api/kernels", { method: "POST", body: JSON.stringify({ name: "luci" }) });
      expect(started.status).toBe(201);
      const { id } = (await started.json()) as { id: string };
      await eventually(async () => (await culling.api(`/api/kernels/${id}`)).status === 404, 30_000, "the kernel to be culled");
      expect(await (await culling.api("/api/kernels")).json()).toEqual([]);
    } finally {
      await culling.close();
    }
  });
});

// The Docker engine lost mid-session (README, Containers: "a lost engine is reported in the
// cell"): a container kernel's engine stops while the kernel lives, between cells and while a
// cell runs. The cell says what happened in words, the kernel stays up (heartbeat, kernel_info,
// the next cell answered), and once the engine is back the next cell runs in a new container.
//
// The engine stopped is a private one the test starts (its own socket, data and exec folders,
// the base image copied in from the shared engine), given to the kernel as DOCKER_HOST: stopping
// the shared engine (bash .ci/docker-engine.sh stop) would break the container suites that run
// beside this file. It is stopped with SIGTERM, as a service manager stops dockerd (it stops its
// containers first), and it is stopped and its folders removed in afterAll, whatever happened.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../../../kernel/protocol/messages.js";
import { sleep, streamText } from "../../../support/kernel-client.js";
import { containerEnv, startKernel, type StartedKernel } from "../../../support/kernel-process.js";
import { docker, requireEngine } from "./docker-support.js";
import { executeContent } from "../../../../kernel/protocol/client.js";

const IMAGE = containerEnv().LUCI_CONTAINER_IMAGE!;

/** A dockerd of the test's own, which it may stop and start again. */
class PrivateEngine {
  readonly dir = mkdtempSync(join(tmpdir(), "luci-engine-"));
  readonly socket = join(this.dir, "docker.sock");
  readonly host = `unix://${this.socket}`;
  readonly client = new Docker({ socketPath: this.socket });
  private process?: ChildProcess;

  async start(): Promise<void> {
    const log = openSync(join(this.dir, "dockerd.log"), "a");
    const args = [`--host=${this.host}`, `--data-root=${join(this.dir, "data")}`, `--exec-root=${join(this.dir, "exec")}`];
    args.push(`--pidfile=${join(this.dir, "dockerd.pid")}`, "--iptables=false", "--bridge=none");
    const child = spawn("dockerd", args, { stdio: ["ignore", log, log] });
    closeSync(log);
    const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
    child.once("error", () => undefined);
    this.process = child;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (
        await this.client.ping().then(
          () => true,
          () => false,
        )
      )
        return;
      if (child.exitCode !== null || Date.now() > deadline) {
        await Promise.race([exited, sleep(1000)]);
        throw new Error(`the test's own dockerd did not start:\n${this.log().slice(-2000)}`);
      }
      await sleep(200);
    }
  }

  /** SIGTERM, as a service manager stops it; SIGKILL if it does not exit in a minute. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
    child.kill("SIGTERM");
    if (!(await Promise.race([exited.then(() => true), sleep(60_000).then(() => false)]))) {
      child.kill("SIGKILL");
      await exited;
    }
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, "dockerd.log"), "utf8");
    } catch {
      return "";
    }
  }

  /** The base image, copied from the shared engine (no registry needed). */
  async loadImage(image: string): Promise<void> {
    const tar = await docker.getImage(image).get();
    const progress = await this.client.loadImage(tar);
    await new Promise<void>((ok, fail) => this.client.modem.followProgress(progress, (err: Error | null) => (err ? fail(err) : ok())));
  }

  /** Stops it and removes its folders, with the mounts it left in them (its network namespace). */
  async remove(): Promise<void> {
    await this.stop();
    const mounts = readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .map((line) => line.split(" ")[1] ?? "")
      .filter((path) => path.startsWith(this.dir + "/"))
      .reverse();
    for (const path of mounts) spawnSync("umount", [path]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let engine: PrivateEngine;
let kernel: StartedKernel;

beforeAll(async () => {
  await requireEngine();
  engine = new PrivateEngine();
  await engine.start();
  await engine.loadImage(IMAGE);
  kernel = await startKernel({ env: { ...containerEnv(), DOCKER_HOST: engine.host } });
}, 300_000);
afterAll(async () => {
  await kernel?.stop();
  await engine?.remove();
}, 300_000);

function errorOf(iopub: Message[]): string {
  return iopub
    .filter((m) => m.header.msg_type === "error")
    .map((m) => `${String(m.content.ename)}: ${String(m.content.evalue)}`)
    .join("\n");
}

describe("the Docker engine lost mid-session", () => {
  it("between cells: the next cell says the engine cannot be reached, the kernel stays up, and with the engine back a cell runs in a new container", async () => {
    const c = kernel.client;
    const first = await c.execute("x = 'set before the engine stopped'\nprint('in the container')");
    expect(streamText(first.iopub)).toBe("in the container\n");
    const [before] = await engine.client.listContainers();
    expect(before).toBeDefined();

    await engine.stop();
    for (let attempt = 0; attempt < 2; attempt++) {
      const lost = await c.execute("print('no engine')");
      expect(lost.reply.content).toMatchObject({ status: "error", ename: "PythonUnavailable" });
      expect(lost.reply.content.evalue).toContain(`the Docker engine could not be reached at ${engine.host}`);
      expect(lost.reply.content.evalue).toMatch(/Start it .*or use this notebook's venv instead: %luci executor venv/);
      expect(errorOf(lost.iopub)).toContain("PythonUnavailable");
      expect(streamText(lost.iopub)).toBe("");
    }
    expect(await c.heartbeat()).toBe(true);
    const info = await c.request("shell", "kernel_info_request", {}).reply;
    expect(info.content.status).toBe("ok");

    await engine.start();
    const back = await c.execute("print('back', 'x' in globals())");
    expect(back.reply.content.status).toBe("ok");
    expect(streamText(back.iopub)).toBe("back False\n");
    expect(streamText(back.iopub, "stderr")).toMatch(/Variables and imports from earlier cells are lost/);
    const running = await engine.client.listContainers();
    expect(running).toHaveLength(1);
    expect(running[0]!.Id).not.toBe(before!.Id);
  }, 300_000);

  it("while a cell runs: the cell says its container was stopped from outside, the kernel stays up, and with the engine back the next cell runs", async () => {
    const c = kernel.client;
    const { msgId, reply } = c.request("shell", "execute_request", executeContent("import time\nprint('sleeping', flush=True)\ntime.sleep(600)"));
    const deadline = Date.now() + 120_000;
    while (!streamText(c.iopubFor(msgId)).includes("sleeping")) {
      if (Date.now() > deadline) throw new Error("the cell did not start");
      await sleep(100);
    }
    await engine.stop();
    const stopped = await reply;
    await c.waitForIdle(msgId);
    expect(stopped.content).toMatchObject({ status: "error", ename: "WorkerCrashed" });
    expect(stopped.content.evalue).toMatch(
      /its container was stopped from outside the kernel \(SIGTERM: `docker stop` or `docker kill`, or the Docker engine stopping\)/,
    );
    expect(stopped.content.evalue).toMatch(/earlier cells are lost/);
    expect(streamText(c.iopubFor(msgId))).toBe("sleeping\n");

    expect(await c.heartbeat()).toBe(true);
    const down = await c.execute("print('still down')");
    expect(down.reply.content).toMatchObject({ status: "error", ename: "PythonUnavailable" });
    expect(down.reply.content.evalue).toContain(`the Docker engine could not be reached at ${engine.host}`);

    await engine.start();
    const back = await c.execute("print('back again')");
    expect(back.reply.content.status).toBe("ok");
    expect(streamText(back.iopub)).toBe("back again\n");
  }, 300_000);
});

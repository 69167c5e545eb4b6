// Starts a real Luci kernel process (the built dist/ entry) with a fresh connection file and
// connects a real ZeroMQ client to it: what Jupyter does, without Jupyter.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { errorMessage } from "../../kernel/common/errors.js";
import { listeningPort } from "../../kernel/common/listening-port.js";
import { loopbackConnection } from "../../kernel/protocol/connection.js";
import { KernelClient } from "./kernel-client.js";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const LUCI_BIN = join(ROOT, "dist", "kernel", "cli", "luci.js");

/** Luci's per-user state (trust key, remembered models) for this test process, not the user's. */
const STATE = mkdtempSync(join(tmpdir(), "luci-test-state-"));

export interface StartedKernel {
  process: ChildProcess;
  client: KernelClient;
  connectionFile: string;
  dir: string;
  /** Everything the kernel wrote to stderr (its log). */
  log(): string;
  stop(): Promise<void>;
}

export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((ok) => {
          const server = createServer();
          server.listen(0, "127.0.0.1", () => ok(server));
        }),
    ),
  );
  const ports = servers.map(listeningPort);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

type KernelOptions = { env?: Record<string, string>; cwd?: string; key?: string };

/**
 * The executor kernels use unless a test asks otherwise: LUCI_EXECUTOR=local (the kernel suites
 * test the kernel; the environment suites ask for venvs themselves), or the container executor
 * when LUCI_TEST_EXECUTOR=container (the vitest project "container" runs the kernel's cell
 * suites that way).
 */
const TEST_EXECUTOR = process.env.LUCI_TEST_EXECUTOR || "local";

/** What a kernel needs to run its notebook's code in a container, for this test process. */
export function containerEnv(): Record<string, string> {
  const uv = join(ROOT, ".venv", "bin", "uv");
  return {
    LUCI_EXECUTOR: "container",
    LUCI_ENV_DIR: join(STATE, "environments"),
    LUCI_CONTAINER_IMAGE: process.env.LUCI_CONTAINER_IMAGE || "luci-python:local",
    ...(existsSync(uv) ? { LUCI_UV: uv } : {}),
  };
}

/**
 * Free ports are found, then bound by the kernel, as jupyter_client does; another process may
 * take one in between. Such a start fails with "Address already in use" and is tried again.
 */
export async function startKernel(options: KernelOptions = {}): Promise<StartedKernel> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startKernelOnce(options);
    } catch (err) {
      if (attempt >= 5 || !/Address already in use/.test(errorMessage(err))) throw err;
    }
  }
}

async function startKernelOnce(options: KernelOptions): Promise<StartedKernel> {
  const dir = mkdtempSync(join(tmpdir(), "luci-test-"));
  const container = (options.env?.LUCI_EXECUTOR ?? TEST_EXECUTOR) === "container";
  // The container runs the code as another user (nobody, for a root kernel): let it into the folder.
  if (container) chmodSync(options.cwd ?? dir, 0o777);
  const info = loopbackConnection(await freePorts(5), options.key ?? randomBytes(16).toString("hex"), "luci");
  const connectionFile = join(dir, "kernel.json");
  writeFileSync(connectionFile, JSON.stringify(info));
  const child = spawn(process.execPath, [LUCI_BIN, "kernel", "-f", connectionFile], {
    cwd: options.cwd ?? dir,
    // JPY_PARENT_PID: the kernel exits by itself if this test process dies (as under jupyter_client).
    env: {
      ...process.env,
      JPY_PARENT_PID: String(process.pid),
      LUCI_EXECUTOR: "local",
      ...(container ? containerEnv() : {}),
      LUCI_STATE_DIR: join(STATE, "state"),
      LUCI_TRUST_DIR: join(STATE, "trust"),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new KernelClient(info);
  client.connect();
  try {
    const died = new Promise<never>((_, fail) => child.once("close", (code) => fail(new Error(`the kernel exited (code ${code}) before it was ready`))));
    died.catch(() => undefined);
    await Promise.race([client.waitForReady(), died]);
  } catch (err) {
    client.close();
    killGroup(child);
    throw new Error(`${errorMessage(err)}\nkernel log:\n${stderr}`, { cause: err });
  }
  return {
    process: child,
    client,
    connectionFile,
    dir,
    log: () => stderr,
    async stop() {
      // A container kernel removes its container on shutdown; a SIGKILL would leave it behind
      // (for the next kernel's sweep).
      if (container && child.exitCode === null) {
        const exited = new Promise((ok) => child.once("exit", ok));
        client.request("control", "shutdown_request", { restart: false }).reply.catch(() => undefined);
        await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5000))]);
      }
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((ok) => child.once("exit", ok));
        killGroup(child);
        await gone;
      }
    },
  };
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    /* already gone */
  }
}

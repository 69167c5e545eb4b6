// Starts, restarts, interrupts and stops kernels (jupyter_server's MappingKernelManager).
// Each kernel's connection file lives in the server's runtime folder; the process runs in the
// notebook's folder with JPY_SESSION_NAME set to the notebook, so the kernel finds the
// notebook's environment (kernel/environments/notebook-identity.ts).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorMessage } from "../../kernel/common/errors.js";
import { HttpError } from "../http/respond.js";
import { newConnectionInfo, PortAllocator, portsOf, writeConnectionFile } from "./connection-file.js";
import { DEFAULT_KERNEL, expandEnv, kernelspecs, type Kernelspec } from "./kernelspecs.js";
import { ManagedKernel } from "./managed-kernel.js";

export interface KernelManagerOptions {
  /** Added to every kernel's environment (after the server's own, before the kernelspec's). */
  kernelEnv?: Record<string, string>;
  /** Kernel logs to the server's stderr (luci serve) or kept in memory (tests). */
  logTo?: "stderr" | "buffer";
  /** Kernels running or starting at once (LUCI_SERVER_MAX_KERNELS); one more is refused with 503. */
  maxKernels?: number;
}

export interface StartOptions {
  /** Absolute folder the kernel runs in. */
  cwd: string;
  /** Absolute path of the notebook (JPY_SESSION_NAME), when the kernel serves one. */
  notebook?: string;
}

export class KernelManager {
  readonly specs: Map<string, Kernelspec> = kernelspecs();
  private readonly kernels = new Map<string, ManagedKernel>();
  private readonly runtimeDir = mkdtempSync(join(tmpdir(), "luci-server-"));
  private readonly ports = new PortAllocator();
  private closed = false;
  /** Starts between the limit check and the kernel being listed: counted, so concurrent starts cannot pass the limit together. */
  private starting = 0;

  constructor(private readonly options: KernelManagerOptions = {}) {}

  list(): ManagedKernel[] {
    return [...this.kernels.values()];
  }

  get(id: string): ManagedKernel {
    const kernel = this.kernels.get(id);
    if (!kernel) throw new HttpError(404, `Kernel does not exist: ${id}`);
    return kernel;
  }

  has(id: string): boolean {
    return this.kernels.has(id);
  }

  async start(name: string | undefined, where: StartOptions): Promise<ManagedKernel> {
    if (this.closed) throw new HttpError(503, "the server is shutting down");
    const spec = this.specs.get(name || DEFAULT_KERNEL);
    if (!spec) throw new HttpError(404, `No such kernel: ${name}`);
    const max = this.options.maxKernels ?? Infinity;
    if (this.kernels.size + this.starting >= max) {
      throw new HttpError(503, `${max} kernels are running, the most this server starts (LUCI_SERVER_MAX_KERNELS): shut one down first`);
    }
    this.starting++;
    try {
      return await this.startKernel(spec, where);
    } finally {
      this.starting--;
    }
  }

  private async startKernel(spec: Kernelspec, where: StartOptions): Promise<ManagedKernel> {
    const id = randomUUID();
    const info = await newConnectionInfo(spec.name, this.ports);
    const connectionFile = join(this.runtimeDir, `kernel-${id}.json`);
    writeConnectionFile(connectionFile, info);
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...this.options.kernelEnv,
      ...expandEnv(spec.spec.env, process.env),
      JPY_PARENT_PID: String(process.pid),
      // The kernel writes its web apps down under this id, which the apps proxy looks up (server/apps/).
      LUCI_SERVER_KERNEL_ID: id,
      ...(where.notebook ? { JPY_SESSION_NAME: where.notebook } : {}),
    };
    const kernel = new ManagedKernel(
      id,
      spec,
      info,
      { connectionFile, cwd: where.cwd, env, logTo: this.options.logTo ?? "buffer" },
      {
        onDeath: (dead) => process.stderr.write(`[luci-server] kernel ${dead.id} died${lastLines(dead.process.log())}\n`),
        newPorts: async (clashed) => {
          this.ports.release(portsOf(clashed.info));
          const fresh = await newConnectionInfo(spec.name, this.ports);
          writeConnectionFile(connectionFile, fresh);
          return fresh;
        },
      },
    );
    this.kernels.set(id, kernel);
    kernel.spawn();
    // The model says "starting" until the kernel first answers; nobody waits for that here
    // (jupyter_server answers POST /api/kernels as soon as the process runs).
    kernel.waitReady().catch(() => undefined);
    return kernel;
  }

  interrupt(id: string): void {
    const kernel = this.get(id);
    if (kernel.executionState === "dead") throw new HttpError(409, "the kernel is dead; restart it");
    kernel.interrupt();
  }

  /** Stops the process and starts it again on the same ports; answers once the new one is ready. */
  async restart(id: string): Promise<ManagedKernel> {
    const kernel = this.get(id);
    for (const connection of kernel.connections) connection.announce("restarting");
    kernel.executionState = "restarting";
    await kernel.stopProcess(true);
    if (!this.kernels.has(id)) throw new HttpError(404, `Kernel does not exist: ${id}`);
    kernel.spawn();
    for (const connection of kernel.connections) connection.announce("starting");
    try {
      await kernel.waitReady();
    } catch (err) {
      throw new HttpError(500, `the kernel did not restart: ${errorMessage(err)}`, { cause: err });
    }
    return kernel;
  }

  async shutdown(id: string): Promise<void> {
    const kernel = this.get(id);
    this.kernels.delete(id);
    kernel.shutDown = true;
    await kernel.stopProcess(false);
    kernel.closeSockets();
    this.ports.release(portsOf(kernel.info));
    for (const connection of kernel.connections) connection.close();
    rmSync(join(this.runtimeDir, `kernel-${id}.json`), { force: true });
  }

  /** Stops every kernel (server shutdown). */
  async shutdownAll(): Promise<void> {
    this.closed = true;
    await Promise.all(this.list().map((kernel) => this.shutdown(kernel.id).catch(() => undefined)));
    rmSync(this.runtimeDir, { recursive: true, force: true });
  }

  /**
   * Culls kernels idle (or dead) for longer than `timeoutMs` that no client is connected to,
   * as jupyter_server does with cull_connected and cull_busy off.
   */
  async cull(timeoutMs: number): Promise<string[]> {
    const now = Date.now();
    const victims = this.list().filter(
      (k) => (k.executionState === "idle" || k.executionState === "dead") && k.connections.size === 0 && now - k.lastActivity.getTime() > timeoutMs,
    );
    for (const kernel of victims) {
      process.stderr.write(`[luci-server] culling kernel ${kernel.id} (idle for ${Math.round((now - kernel.lastActivity.getTime()) / 1000)} s)\n`);
      await this.shutdown(kernel.id).catch(() => undefined);
    }
    return victims.map((k) => k.id);
  }
}

function lastLines(log: string): string {
  const text = log.trim().split("\n").slice(-10).join("\n");
  return text ? `; its last log lines:\n${text}` : "";
}

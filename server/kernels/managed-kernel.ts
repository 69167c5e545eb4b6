// A kernel as the server knows it: its id and spec, its connection file (kept across restarts,
// so clients' sockets reconnect to the same ports), the current process, and what the kernel
// model reports (execution_state, last_activity, connections). A socket set of the server's own
// watches iopub for the execution state and sends kernel_info, interrupt and shutdown requests.
import { contentOf, headerOf, KernelSockets, parentOf, type RawMessage } from "./kernel-sockets.js";
import { KernelProcess, type LaunchOptions } from "./kernel-process.js";
import type { ConnectionInfo } from "../../kernel/protocol/connection.js";
import { errorMessage } from "../../kernel/common/errors.js";
import type { Kernelspec } from "./kernelspecs.js";

export type ExecutionState = "starting" | "idle" | "busy" | "restarting" | "dead" | "unknown";

export interface KernelModel {
  id: string;
  name: string;
  last_activity: string;
  execution_state: ExecutionState;
  connections: number;
}

/** A client's connection kept open, buffering, after its WebSocket closed. */
export interface BufferingConnection {
  readonly sessionKey: string | undefined;
  dispose(): void;
}

/** What a WebSocket connection to the kernel must hear about beyond the kernel's own messages. */
export interface KernelConnection {
  /** A status the server announces (restarting, dead), as jupyter_server does on iopub. */
  announce(state: "restarting" | "starting" | "dead"): void;
  /** The kernel was shut down: close the connection. */
  close(): void;
}

export class ManagedKernel {
  executionState: ExecutionState = "starting";
  lastActivity = new Date();
  readonly connections = new Set<KernelConnection>();
  process!: KernelProcess;
  /** Set once the kernel is shut down for good: connections still being opened give up. */
  shutDown = false;
  /** True while the server itself stops the process (restart, shutdown): its exit is expected. */
  private stopping = false;
  private monitor: KernelSockets;
  /** One client that went away, buffering until it comes back (jupyter_server keeps one too). */
  private buffered?: BufferingConnection;
  private readonly replyWaiters = new Map<string, () => void>();
  /** Whether this process has answered once; a start that fails to bind is retried on new ports. */
  private answered = false;
  private portRetries = 0;
  private relaunching = false;

  constructor(
    readonly id: string,
    readonly spec: Kernelspec,
    private connection: ConnectionInfo,
    private launch: Omit<LaunchOptions, "argv">,
    private readonly hooks: {
      onDeath: (kernel: ManagedKernel) => void;
      /** New ports (and a rewritten connection file) after "Address already in use". */
      newPorts: (kernel: ManagedKernel) => Promise<ConnectionInfo>;
    },
  ) {
    this.monitor = this.openMonitor();
  }

  /**
   * The notebook moved (a session PATCH with a new path): the next process, at a restart, starts
   * in its folder with JPY_SESSION_NAME naming it, so the kernel finds its notebook and takes its
   * environment along (jupyter_server's update_env does the same for JPY_SESSION_NAME). The
   * running process is not told: it keeps the path it started with until it restarts.
   */
  relocate(where: { cwd: string; notebook?: string }): void {
    const env = { ...this.launch.env };
    if (where.notebook) env.JPY_SESSION_NAME = where.notebook;
    this.launch = { ...this.launch, cwd: where.cwd, env };
  }

  /** The connection info; it changes only if a first start could not bind its ports. */
  get info(): ConnectionInfo {
    return this.connection;
  }

  get model(): KernelModel {
    return {
      id: this.id,
      name: this.spec.name,
      last_activity: this.lastActivity.toISOString(),
      execution_state: this.executionState,
      connections: this.connections.size,
    };
  }

  get interruptMode(): "signal" | "message" {
    return this.spec.spec.interrupt_mode;
  }

  /** Starts (or starts again) the process on the same connection file. */
  spawn(): void {
    this.stopping = false;
    this.answered = false;
    this.executionState = "starting";
    this.lastActivity = new Date();
    const child = new KernelProcess({ ...this.launch, argv: this.spec.spec.argv });
    this.process = child;
    void child.exited.then(() => {
      if (this.process !== child || this.stopping) return;
      if (!this.answered && this.portRetries < 3 && /Address already in use/i.test(child.log())) {
        void this.relaunchOnNewPorts();
        return;
      }
      this.executionState = "dead";
      for (const connection of this.connections) connection.announce("dead");
      this.dropBuffered();
      this.hooks.onDeath(this);
    });
  }

  /** Another process took a port between our check and the kernel's bind: new ports, new start. */
  private async relaunchOnNewPorts(): Promise<void> {
    this.portRetries += 1;
    this.relaunching = true;
    try {
      this.connection = await this.hooks.newPorts(this);
      this.monitor.close();
      this.monitor = this.openMonitor();
      if (!this.stopping) this.spawn();
    } catch (err) {
      this.executionState = "dead";
      process.stderr.write(`[luci-server] kernel ${this.id}: ${errorMessage(err)}\n`);
    } finally {
      this.relaunching = false;
    }
  }

  private openMonitor(): KernelSockets {
    return new KernelSockets(this.connection, ["shell", "control", "iopub"], (message) => this.observe(message));
  }

  /**
   * Sends kernel_info_request until the kernel answers (requests wait in the DEALER's queue
   * until the kernel binds its port). Rejects if the process exits first or after `timeoutMs`.
   */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.executionState === "dead") throw new Error(`the kernel exited before it was ready${tail(this.process.log())}`);
      const child = this.process;
      if (!child.running && this.stopping) throw new Error("the kernel was stopped before it was ready");
      if (this.relaunching || !child.running) {
        // The exit handler decides: dead, or a relaunch on new ports.
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      const id = this.monitor.request("shell", "kernel_info_request", {});
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          this.replyWaiters.delete(id);
          resolve(false);
        }, 1000);
        this.replyWaiters.set(id, () => {
          clearTimeout(timer);
          resolve(true);
        });
        void child.exited.then(() => resolve(false));
      });
      if (answered) return;
    }
    throw new Error("the kernel did not answer kernel_info_request in time");
  }

  /** jupyter_client's interrupt_kernel: SIGINT to the group, or interrupt_request on control. */
  interrupt(): void {
    if (this.interruptMode === "signal") this.process.signal("SIGINT");
    else this.monitor.request("control", "interrupt_request", {});
  }

  /**
   * Stops the process: shutdown_request on control, then SIGKILL to the group if it has not
   * exited in `graceMs` (jupyter_client's shutdown_wait_time, shortened: our kernel exits at once).
   */
  async stopProcess(restart: boolean, graceMs = 3000): Promise<void> {
    this.stopping = true;
    const child = this.process;
    if (child.running) {
      this.monitor.request("control", "shutdown_request", { restart });
      if (!(await child.waitForExit(graceMs))) await child.kill();
    }
    // What the kernel started in a group of its own (the Python worker) watches the kernel and
    // exits with it; this covers anything left in the kernel's own group.
    child.killLeftovers();
  }

  closeSockets(): void {
    this.monitor.close();
    this.dropBuffered();
  }

  keepBuffered(connection: BufferingConnection): void {
    if (this.buffered && this.buffered !== connection) this.buffered.dispose();
    this.buffered = connection;
  }

  /** The buffering connection of this client, if it is the one kept and a `kind`; any other is dropped. */
  takeBuffered<T extends BufferingConnection>(sessionKey: string | undefined, kind: abstract new (...args: never[]) => T): T | undefined {
    const kept = this.buffered;
    this.buffered = undefined;
    if (kept instanceof kind && sessionKey && kept.sessionKey === sessionKey) return kept;
    kept?.dispose();
    return undefined;
  }

  dropBuffered(): void {
    this.buffered?.dispose();
    this.buffered = undefined;
  }

  /** Tracks execution_state and last activity from iopub, and answers waitReady's requests. */
  private observe(message: RawMessage): void {
    if (message.channel === "iopub") {
      this.answered = true;
      this.lastActivity = new Date();
      const header = headerOf(message);
      if (header.msg_type === "status" && this.executionState !== "dead") {
        const state = contentOf(message).execution_state;
        if (state === "idle" || state === "busy" || state === "starting") this.executionState = state;
      }
      return;
    }
    const parentId = message.channel === "shell" && this.replyWaiters.size > 0 ? parentOf(message).msg_id : undefined;
    if (typeof parentId === "string") {
      const waiter = this.replyWaiters.get(parentId);
      if (waiter) {
        this.replyWaiters.delete(parentId);
        this.answered = true;
        if (this.executionState === "starting") this.executionState = "idle";
        waiter();
      }
    }
  }
}

function tail(log: string): string {
  const text = log.trim().split("\n").slice(-15).join("\n");
  return text ? `:\n${text}` : "";
}

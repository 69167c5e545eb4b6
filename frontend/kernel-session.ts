// The notebook's kernel session: found again by path (a reload reconnects to the same kernel)
// or started with the notebook's kernelspec. It reports the kernel's status (starting, idle,
// busy, restarting, dead, ...) and runs code with the cell id in the request's metadata, as
// JupyterLab does, so the kernel finds the cell's recorded code.
import { KernelMessage, type Kernel, type Session } from "@jupyterlab/services";
import type { Services } from "./services.js";

export type KernelState = Kernel.Status | "disconnected" | "connecting" | "none";

export interface ExecuteHandlers {
  onIOPub: (msg: KernelMessage.IIOPubMessage) => void;
  onStdin?: (msg: KernelMessage.IStdinMessage, reply: (value: string) => void) => void;
}

export class KernelSession {
  private connection?: Session.ISessionConnection;
  private readonly listeners = new Set<(state: KernelState) => void>();
  state: KernelState = "none";
  language?: KernelMessage.ILanguageInfo;

  constructor(
    private readonly services: Services,
    public path: string,
    private kernelName: string,
  ) {}

  get kernel(): Kernel.IKernelConnection | null {
    return this.connection?.kernel ?? null;
  }

  onState(listener: (state: KernelState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  private setState(state: KernelState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  /** Set while the session starts: a cell run meanwhile (Run all at once) waits for the kernel. */
  private starting?: Promise<void>;

  start(): Promise<void> {
    this.starting = this.connect();
    return this.starting;
  }

  private async connect(): Promise<void> {
    this.setState("starting");
    const existing = await this.services.sessions.findByPath(this.path);
    this.connection = existing?.kernel
      ? this.services.sessions.connectTo({ model: existing })
      : await this.services.sessions.startNew({
          path: this.path,
          name: this.path.split("/").pop() ?? this.path,
          type: "notebook",
          kernel: { name: this.kernelName },
        });
    this.connection.statusChanged.connect((_, status) => this.setState(status));
    this.connection.connectionStatusChanged.connect((_, status) => {
      // A dead kernel's connection is disposed right after: it stays "dead", not "disconnected".
      if (this.state === "dead") return;
      if (status !== "connected") this.setState(status);
      else if (this.kernel) this.setState(this.kernel.status);
    });
    this.connection.kernelChanged.connect(() => void this.readInfo());
    if (this.kernel) this.setState(this.kernel.status === "unknown" ? "starting" : this.kernel.status);
    await this.readInfo();
  }

  private async readInfo(): Promise<void> {
    try {
      const info = await this.kernel?.info;
      this.language = info?.language_info;
      if (this.kernel) this.setState(this.kernel.status);
    } catch {
      /* the status listener reports a dead kernel */
    }
  }

  /** Runs code; resolves with the reply's content once the kernel is idle again. */
  async execute(
    code: string,
    cellId: string | undefined,
    handlers: ExecuteHandlers,
    options: { silent?: boolean; storeHistory?: boolean; stopOnError?: boolean } = {},
  ): Promise<KernelMessage.IExecuteReplyMsg["content"] & { replyMetadata: unknown }> {
    await this.starting?.catch(() => undefined); // its failure is reported where it started
    const kernel = this.kernel;
    if (!kernel) throw new Error("no kernel: restart it from the toolbar");
    const future = kernel.requestExecute(
      {
        code,
        silent: options.silent ?? false,
        store_history: options.storeHistory ?? true,
        allow_stdin: handlers.onStdin !== undefined,
        stop_on_error: options.stopOnError ?? true,
      },
      true,
      cellId ? { cellId } : {},
    );
    future.onIOPub = (msg) => handlers.onIOPub(msg);
    const onStdin = handlers.onStdin;
    if (onStdin)
      future.onStdin = (msg) =>
        onStdin(msg, (value) => {
          // The kernel sends only input_request on stdin; the reply names it as its parent.
          if (KernelMessage.isInputRequestMsg(msg)) future.sendInputReply({ status: "ok", value }, msg.header);
        });
    const reply = await future.done;
    return { ...reply.content, replyMetadata: reply.metadata };
  }

  async interrupt(): Promise<void> {
    await this.kernel?.interrupt();
  }

  /** Restarts the kernel; a dead one is replaced by a new kernel of the same kind in this session. */
  async restart(): Promise<void> {
    const kernel = this.kernel;
    if (!kernel || kernel.isDisposed || this.state === "dead") {
      await this.changeKernel(this.kernelName);
      return;
    }
    this.setState("restarting");
    await kernel.restart();
  }

  /** A new kernel, when the old one is dead or the kernelspec changed. */
  async changeKernel(name: string): Promise<void> {
    this.kernelName = name;
    this.setState("starting");
    await this.connection?.changeKernel({ name });
    await this.readInfo();
  }

  async rename(path: string): Promise<void> {
    this.path = path;
    await this.connection?.setPath(path);
    await this.connection?.setName(path.split("/").pop() ?? path);
  }

  async shutdown(): Promise<void> {
    this.connection?.dispose();
    this.connection = undefined;
  }
}

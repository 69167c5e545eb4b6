// A minimal Jupyter client over real ZeroMQ sockets (DEALER for shell/control/stdin with one
// identity, SUB for iopub, REQ for heartbeat), using the kernel's own wire code for signing.
import { randomUUID } from "node:crypto";
import { Dealer, Request, Subscriber } from "zeromq";
import { endpoint, type ConnectionInfo } from "../../kernel/protocol/connection.js";
import { Signer } from "../../kernel/protocol/signer.js";
import { decode, encode } from "../../kernel/protocol/wire.js";
import type { Header, JsonObject, Message } from "../../kernel/protocol/messages.js";

export type ReplyChannel = "shell" | "control" | "stdin";

export interface ExecuteResult {
  reply: Message;
  /** IOPub messages whose parent is the request, from busy to idle. */
  iopub: Message[];
}

export class KernelClient {
  readonly session = randomUUID();
  readonly identity = Buffer.from(randomUUID());
  readonly signer: Signer;
  readonly sockets: Record<ReplyChannel, Dealer>;
  readonly iopubSocket = new Subscriber();
  private readonly waiting = new Map<string, (m: Message) => void>();
  private readonly iopubByParent = new Map<string, Message[]>();
  private readonly idleWaiters = new Map<string, () => void>();
  readonly allIopub: Message[] = [];
  onInputRequest?: (m: Message) => void;
  private closed = false;

  constructor(readonly info: ConnectionInfo) {
    this.signer = new Signer(info.key, info.signature_scheme);
    const dealer = () => {
      const socket = new Dealer({ routingId: this.identity.toString(), linger: 0 });
      socket.reconnectInterval = 10;
      return socket;
    };
    this.sockets = { shell: dealer(), control: dealer(), stdin: dealer() };
  }

  async connect(): Promise<void> {
    const { info } = this;
    this.sockets.shell.connect(endpoint(info, info.shell_port));
    this.sockets.control.connect(endpoint(info, info.control_port));
    this.sockets.stdin.connect(endpoint(info, info.stdin_port));
    this.iopubSocket.reconnectInterval = 10;
    this.iopubSocket.connect(endpoint(info, info.iopub_port));
    this.iopubSocket.subscribe();
    for (const channel of ["shell", "control", "stdin"] as const) void this.readReplies(channel);
    void this.readIopub();
  }

  /** Sends kernel_info_request until a reply and an iopub message arrive (as jupyter_client does). */
  async waitForReady(timeoutMs = 20000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { msgId, reply } = this.request("shell", "kernel_info_request", {});
      const got = await Promise.race([reply, sleep(500).then(() => undefined)]);
      if (got) {
        await this.waitForIdle(msgId, 250).catch(() => undefined); // iopub may not be joined yet: ask again
        if ((this.iopubByParent.get(msgId) ?? []).length > 0) return got;
      }
    }
    throw new Error("the kernel did not answer kernel_info_request");
  }

  makeMessage(msgType: string, content: JsonObject, metadata: JsonObject = {}): { header: Header; frames: Buffer[] } {
    const header: Header = {
      msg_id: randomUUID(),
      session: this.session,
      username: "test",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: "5.3",
    };
    return { header, frames: encode([], header, {}, metadata, content, [], this.signer) };
  }

  /** Sends a request; `reply` resolves with the matching reply. */
  request(channel: ReplyChannel, msgType: string, content: JsonObject, metadata: JsonObject = {}) {
    const { header, frames } = this.makeMessage(msgType, content, metadata);
    const reply = new Promise<Message>((ok) => this.waiting.set(header.msg_id, ok));
    void this.sockets[channel].send(frames);
    return { msgId: header.msg_id, reply };
  }

  async sendRaw(channel: ReplyChannel, frames: Buffer[]): Promise<void> {
    await this.sockets[channel].send(frames);
  }

  /** Runs code and collects its iopub messages until idle. */
  async execute(code: string, options: JsonObject = {}, metadata: JsonObject = {}): Promise<ExecuteResult> {
    const { msgId, reply } = this.request(
      "shell",
      "execute_request",
      { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...options },
      metadata,
    );
    const [r] = await Promise.all([reply, this.waitForIdle(msgId)]);
    return { reply: r, iopub: this.iopubFor(msgId) };
  }

  iopubFor(msgId: string): Message[] {
    return this.iopubByParent.get(msgId) ?? [];
  }

  waitForIdle(msgId: string, timeoutMs = 60000): Promise<void> {
    if (this.iopubFor(msgId).some(isIdle)) return Promise.resolve();
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no idle for ${msgId}`)), timeoutMs);
      this.idleWaiters.set(msgId, () => {
        clearTimeout(timer);
        ok();
      });
    });
  }

  async heartbeat(timeoutMs = 2000): Promise<boolean> {
    const socket = new Request({ linger: 0 });
    socket.connect(endpoint(this.info, this.info.hb_port));
    try {
      await socket.send("ping");
      const [echo] = await Promise.race([socket.receive(), sleep(timeoutMs).then(() => [Buffer.from("")])]);
      return echo!.toString() === "ping";
    } finally {
      socket.close();
    }
  }

  close(): void {
    this.closed = true;
    for (const socket of [...Object.values(this.sockets), this.iopubSocket]) socket.close();
  }

  private async readReplies(channel: ReplyChannel): Promise<void> {
    try {
      for await (const frames of this.sockets[channel]) {
        const decoded = decode(frames, this.signer);
        if (!decoded.ok) throw new Error(`bad message from kernel on ${channel}: ${decoded.reason}`);
        const message = decoded.message;
        if (channel === "stdin") {
          this.onInputRequest?.(message);
          continue;
        }
        const parentId = message.parent_header.msg_id;
        const waiter = parentId ? this.waiting.get(parentId) : undefined;
        if (waiter) {
          this.waiting.delete(parentId!);
          waiter(message);
        }
      }
    } catch (err) {
      if (!this.closed) throw err;
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopubSocket) {
        const decoded = decode(frames, this.signer);
        if (!decoded.ok) throw new Error(`bad iopub message from kernel: ${decoded.reason}`);
        const message = decoded.message;
        this.allIopub.push(message);
        const parentId = message.parent_header.msg_id;
        if (!parentId) continue;
        const list = this.iopubByParent.get(parentId) ?? [];
        list.push(message);
        this.iopubByParent.set(parentId, list);
        if (isIdle(message)) this.idleWaiters.get(parentId)?.();
      }
    } catch (err) {
      if (!this.closed) throw err;
    }
  }
}

function isIdle(m: Message): boolean {
  return m.header.msg_type === "status" && m.content.execution_state === "idle";
}

export function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** The text of all stream messages of one name, in order. */
export function streamText(iopub: Message[], name = "stdout"): string {
  return iopub
    .filter((m) => m.header.msg_type === "stream" && m.content.name === name)
    .map((m) => m.content.text as string)
    .join("");
}

export function ofType(iopub: Message[], type: string): Message[] {
  return iopub.filter((m) => m.header.msg_type === type);
}

/** The data of every display_data and update_display_data, in order; with `mime`, those that carry it. */
export function displayData(iopub: Message[], mime?: string): Record<string, unknown>[] {
  return iopub
    .filter((m) => m.header.msg_type === "display_data" || m.header.msg_type === "update_display_data")
    .map((m) => m.content.data as Record<string, unknown>)
    .filter((d) => mime === undefined || mime in d);
}

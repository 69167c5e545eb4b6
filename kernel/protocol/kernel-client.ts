// A client of one kernel over ZeroMQ, as jupyter_client opens one: DEALER sockets for shell,
// control and stdin with one routing identity (so the replies and input requests come back to
// this client only), SUB for iopub, a REQ socket per heartbeat. Replies are matched to their
// requests by parent msg_id, and iopub messages are kept by parent, so execute() can return a
// cell's reply with its output from busy to idle. Used by the tests and the bench.
import { Dealer, Request, Subscriber } from "zeromq";
import { ClientSession, executeContent, isIdle } from "./client.js";
import { endpoint, type ConnectionInfo } from "./connection.js";
import type { Channel, JsonObject, Message } from "./messages.js";
import { SendQueue } from "./send-queue.js";
import type { RequestChannel } from "./transport.js";

export interface ExecuteResult {
  reply: Message;
  /** IOPub messages whose parent is the request, from busy to idle. */
  iopub: Message[];
}

export interface KernelClientOptions {
  username?: string;
  /**
   * Called for each message from the kernel that does not verify or parse, which is then
   * ignored. By default the reasons are kept in `rejected`; a test that wants a bad message to
   * fail it throws here (the rejection then ends the read loop and is not swallowed).
   */
  onRejected?: (channel: Channel, reason: string) => void;
}

export class KernelClient {
  readonly session: ClientSession;
  /** Every iopub message received, in order. */
  readonly allIopub: Message[] = [];
  /** Why messages from the kernel were ignored (with the default onRejected). */
  readonly rejected: string[] = [];
  /** Called with each input_request on stdin; answer it with input(). */
  onInputRequest?: (message: Message) => void;
  private readonly dealers: Record<RequestChannel, { socket: Dealer; queue: SendQueue }>;
  private readonly iopub = new Subscriber();
  private readonly replyWaiters = new Map<string, (message: Message) => void>();
  private readonly iopubByParent = new Map<string, Message[]>();
  private readonly idleWaiters = new Map<string, () => void>();
  private readonly onRejected: (channel: Channel, reason: string) => void;
  private closed = false;

  constructor(
    readonly info: ConnectionInfo,
    options: KernelClientOptions = {},
  ) {
    this.session = ClientSession.forConnection(info, options.username);
    this.onRejected = options.onRejected ?? ((channel, reason) => void this.rejected.push(`${channel}: ${reason}`));
    // The session id is the routing identity, as in jupyter_client.
    const identity = this.session.id;
    const dealer = (channel: RequestChannel) => {
      const socket = new Dealer({ routingId: identity, linger: 0 });
      socket.reconnectInterval = 10;
      // zeromq v6 allows one send in flight per socket: concurrent requests wait in a queue.
      return { socket, queue: new SendQueue(socket, `client ${channel}`) };
    };
    this.dealers = { shell: dealer("shell"), control: dealer("control"), stdin: dealer("stdin") };
  }

  /** Connects the sockets; ZeroMQ joins in the background, so see waitForReady. */
  connect(): void {
    const { info } = this;
    for (const channel of ["shell", "control", "stdin"] as const) {
      this.dealers[channel].socket.connect(endpoint(info, info[`${channel}_port`]));
      void this.readReplies(channel);
    }
    this.iopub.reconnectInterval = 10;
    this.iopub.connect(endpoint(info, info.iopub_port));
    this.iopub.subscribe();
    void this.readIopub();
  }

  /**
   * Sends kernel_info_request until a reply and an iopub message arrive, as jupyter_client
   * does: a SUB socket joins asynchronously and would otherwise miss a request's first output.
   */
  async waitForReady(timeoutMs = 20_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { msgId, reply } = this.request("shell", "kernel_info_request", {});
      const got = await Promise.race([reply, sleep(500).then(() => undefined)]);
      if (got) {
        await this.waitForIdle(msgId, 250).catch(() => undefined); // iopub may not be joined yet: ask again
        if (this.iopubFor(msgId).length > 0) return got;
      }
    }
    throw new Error("the kernel did not answer kernel_info_request");
  }

  /** Sends a request; `reply` resolves with the message whose parent it is (never, if none comes). */
  request(channel: RequestChannel, msgType: string, content: JsonObject, metadata: JsonObject = {}): { msgId: string; reply: Promise<Message> } {
    const message = this.session.request(msgType, content, { metadata });
    const msgId = message.header.msg_id;
    const reply = new Promise<Message>((resolve) => this.replyWaiters.set(msgId, resolve));
    this.dealers[channel].queue.push(this.session.frames(message));
    return { msgId, reply };
  }

  /**
   * Sends a comm message (comm_open, comm_msg, comm_close: no reply comes) and resolves with its
   * msg_id once the kernel has handled it (its idle); its iopub is then in iopubFor(msgId).
   */
  async comm(msgType: "comm_open" | "comm_msg" | "comm_close", content: JsonObject, buffers: Buffer[] = [], metadata: JsonObject = {}): Promise<string> {
    const message = this.session.request(msgType, content, { buffers, metadata });
    const msgId = message.header.msg_id;
    this.dealers.shell.queue.push(this.session.frames(message));
    await this.waitForIdle(msgId);
    return msgId;
  }

  /** Answers an input_request with the text the user typed (input_reply, the request as parent). */
  input(value: string, inputRequest: Message): void {
    const message = this.session.request("input_reply", { value }, { parent: inputRequest.header });
    this.dealers.stdin.queue.push(this.session.frames(message));
  }

  /** Sends frames as they are (a test's malformed or replayed message); resolves once ZeroMQ has them. */
  async sendFrames(channel: RequestChannel, frames: Buffer[]): Promise<void> {
    const { queue } = this.dealers[channel];
    queue.push(frames);
    await queue.flushed();
  }

  /** Runs code and collects its iopub messages until idle. `options` overrides execute_request's defaults. */
  async execute(code: string, options: JsonObject = {}, metadata: JsonObject = {}): Promise<ExecuteResult> {
    const { msgId, reply } = this.request("shell", "execute_request", executeContent(code, options), metadata);
    const [message] = await Promise.all([reply, this.waitForIdle(msgId)]);
    return { reply: message, iopub: this.iopubFor(msgId) };
  }

  /** The iopub messages received so far whose parent is `msgId`. */
  iopubFor(msgId: string): Message[] {
    return this.iopubByParent.get(msgId) ?? [];
  }

  waitForIdle(msgId: string, timeoutMs = 60_000): Promise<void> {
    if (this.iopubFor(msgId).some(isIdle)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no idle for ${msgId}`)), timeoutMs);
      this.idleWaiters.set(msgId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Whether the heartbeat socket echoes a ping within `timeoutMs`. */
  async heartbeat(timeoutMs = 2000): Promise<boolean> {
    const socket = new Request({ linger: 0 });
    socket.connect(endpoint(this.info, this.info.hb_port));
    try {
      await socket.send("ping");
      const [echo] = await Promise.race([socket.receive(), sleep(timeoutMs).then(() => [Buffer.alloc(0)])]);
      return echo!.toString() === "ping";
    } finally {
      socket.close();
    }
  }

  close(): void {
    this.closed = true;
    for (const { socket } of Object.values(this.dealers)) socket.close();
    this.iopub.close();
  }

  private async readReplies(channel: RequestChannel): Promise<void> {
    try {
      for await (const frames of this.dealers[channel].socket) {
        const decoded = this.session.read(frames);
        if (!decoded.ok) {
          this.onRejected(channel, decoded.reason);
          continue;
        }
        const message = decoded.message;
        if (channel === "stdin") {
          this.onInputRequest?.(message);
          continue;
        }
        const parentId = message.parent_header.msg_id;
        const waiter = parentId ? this.replyWaiters.get(parentId) : undefined;
        if (waiter) {
          this.replyWaiters.delete(parentId!);
          waiter(message);
        }
      }
    } catch (err) {
      if (!this.closed) throw err;
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const decoded = this.session.read(frames);
        if (!decoded.ok) {
          this.onRejected("iopub", decoded.reason);
          continue;
        }
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The client side of a kernel's ZeroMQ channels, as jupyter_client opens them: DEALER sockets
// for shell, control and stdin (one routing identity, so the kernel's replies and input
// requests come back to this set only), a SUB socket for iopub. Messages are passed on as raw
// frames once their signature is checked: the WebSocket side can often forward the JSON bytes
// as they are, without parsing and re-serialising them. Headers, signing and framing are
// kernel/protocol/client.ts's, as for every other client of a kernel.
import { Dealer, Subscriber } from "zeromq";
import { ClientSession } from "../../kernel/protocol/client.js";
import { endpoint, type ConnectionInfo } from "../../kernel/protocol/connection.js";
import type { JsonObject } from "../../kernel/protocol/messages.js";
import { errorMessage } from "../../kernel/common/errors.js";
import { isObject } from "../../kernel/common/json-file.js";
import { SendQueue } from "../../kernel/protocol/send-queue.js";

export type RequestChannel = "shell" | "control" | "stdin";
export type Channel = RequestChannel | "iopub";

/** A verified message: the four JSON frames exactly as the kernel sent them, and its buffers. */
export interface RawMessage {
  channel: Channel;
  /** header, parent_header, metadata, content: UTF-8 JSON. */
  parts: [Buffer, Buffer, Buffer, Buffer];
  buffers: Buffer[];
}

export type RawListener = (message: RawMessage) => void;

export class KernelSockets {
  readonly session: ClientSession;
  private readonly dealers = new Map<RequestChannel, { socket: Dealer; queue: SendQueue }>();
  private iopub?: Subscriber;
  private closed = false;
  private rejected = 0;

  constructor(
    private readonly info: ConnectionInfo,
    channels: readonly Channel[],
    private readonly listener: RawListener,
  ) {
    // One session per socket set: its signer's replay memory must not see the same iopub
    // message twice just because two sets subscribe to the same kernel.
    this.session = ClientSession.forConnection(info, "luci-server");
    const identity = this.session.id;
    for (const channel of channels) {
      if (channel === "iopub") {
        const socket = new Subscriber({ linger: 0 });
        socket.reconnectInterval = 20;
        socket.connect(endpoint(info, info.iopub_port));
        socket.subscribe();
        this.iopub = socket;
        void this.read(socket, "iopub");
      } else {
        const socket = new Dealer({ routingId: identity, linger: 0 });
        socket.reconnectInterval = 20;
        socket.connect(endpoint(info, info[`${channel}_port`]));
        this.dealers.set(channel, { socket, queue: new SendQueue(socket, `server ${channel}`) });
        void this.read(socket, channel);
      }
    }
  }

  /** Messages dropped because their signature was wrong (none, unless something is amiss). */
  get rejectedCount(): number {
    return this.rejected;
  }

  /** Signs and sends a client's message whose JSON parts are already serialised. */
  sendParts(channel: RequestChannel, parts: readonly Buffer[], buffers: readonly Buffer[] = []): void {
    const dealer = this.dealers.get(channel);
    if (!dealer || this.closed) return;
    dealer.queue.push(this.session.sign(parts, buffers));
  }

  /** Sends a request of the server's own (kernel_info, interrupt, shutdown); returns its msg_id. */
  request(channel: RequestChannel, msgType: string, content: JsonObject): string {
    const message = this.session.request(msgType, content);
    const dealer = this.dealers.get(channel);
    if (dealer && !this.closed) dealer.queue.push(this.session.frames(message));
    return message.header.msg_id;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { socket } of this.dealers.values()) socket.close();
    this.iopub?.close();
  }

  private async read(socket: Dealer | Subscriber, channel: Channel): Promise<void> {
    try {
      for await (const frames of socket) {
        const message = this.verify(frames, channel);
        if (message) this.listener(message);
      }
    } catch (err) {
      if (!this.closed) process.stderr.write(`[luci-server] ${channel} socket failed: ${errorMessage(err)}\n`);
    }
  }

  private verify(frames: Buffer[], channel: Channel): RawMessage | undefined {
    const checked = this.session.readRaw(frames);
    if (!checked.ok) return this.reject();
    return { channel, parts: checked.frames.parts, buffers: checked.frames.buffers };
  }

  private reject(): undefined {
    this.rejected += 1;
    return undefined;
  }
}

/** The parsed header of a raw message (small; parsed only where a decision needs it), its fields unchecked. */
export function headerOf(message: RawMessage): Record<string, unknown> {
  return parseObject(message.parts[0]);
}

export function parentOf(message: RawMessage): Record<string, unknown> {
  return parseObject(message.parts[1]);
}

export function contentOf(message: RawMessage): Record<string, unknown> {
  return parseObject(message.parts[3]);
}

function parseObject(frame: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(frame.toString("utf8"));
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

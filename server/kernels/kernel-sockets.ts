// The client side of a kernel's ZeroMQ channels, as jupyter_client opens them: DEALER sockets
// for shell, control and stdin (one routing identity, so the kernel's replies and input
// requests come back to this set only), a SUB socket for iopub. Messages are passed on as raw
// frames once their signature is checked: the WebSocket side can often forward the JSON bytes
// as they are, without parsing and re-serialising them.
import { randomUUID } from "node:crypto";
import { Dealer, Subscriber } from "zeromq";
import { endpoint, type ConnectionInfo } from "../../kernel/protocol/connection.js";
import type { Header } from "../../kernel/protocol/messages.js";
import { SendQueue } from "../../kernel/protocol/send-queue.js";
import { Signer } from "../../kernel/protocol/signer.js";
import { DELIMITER, encode } from "../../kernel/protocol/wire.js";

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
  readonly session = randomUUID();
  private readonly signer: Signer;
  private readonly dealers = new Map<RequestChannel, { socket: Dealer; queue: SendQueue }>();
  private iopub?: Subscriber;
  private closed = false;
  private rejected = 0;

  constructor(
    private readonly info: ConnectionInfo,
    channels: readonly Channel[],
    private readonly listener: RawListener,
  ) {
    // One Signer per socket set: its replay memory must not see the same iopub message twice
    // just because two sets subscribe to the same kernel.
    this.signer = new Signer(info.key, info.signature_scheme);
    const identity = randomUUID();
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
    const signature = Buffer.from(this.signer.sign(parts));
    dealer.queue.push([DELIMITER, signature, ...parts, ...buffers]);
  }

  /** Sends a request of the server's own (kernel_info, interrupt, shutdown); returns its msg_id. */
  request(channel: RequestChannel, msgType: string, content: object): string {
    const header: Header = {
      msg_id: randomUUID(),
      session: this.session,
      username: "luci-server",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: "5.3",
    };
    const dealer = this.dealers.get(channel);
    if (dealer && !this.closed) dealer.queue.push(encode([], header, {}, {}, content, [], this.signer));
    return header.msg_id;
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
      if (!this.closed) process.stderr.write(`[luci-server] ${channel} socket failed: ${(err as Error).message}\n`);
    }
  }

  private verify(frames: Buffer[], channel: Channel): RawMessage | undefined {
    const at = frames.findIndex((frame) => frame.equals(DELIMITER));
    if (at < 0 || frames.length < at + 6) return this.reject();
    const parts = frames.slice(at + 2, at + 6) as [Buffer, Buffer, Buffer, Buffer];
    if (this.signer.verify(frames[at + 1]!, parts)) return this.reject();
    return { channel, parts, buffers: frames.slice(at + 6) };
  }

  private reject(): undefined {
    this.rejected += 1;
    return undefined;
  }
}

/** The parsed header of a raw message (small; parsed only where a decision needs it). */
export function headerOf(message: RawMessage): Partial<Header> {
  return parseObject(message.parts[0]);
}

export function parentOf(message: RawMessage): Partial<Header> {
  return parseObject(message.parts[1]);
}

export function contentOf(message: RawMessage): Record<string, unknown> {
  return parseObject(message.parts[3]);
}

function parseObject(frame: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(frame.toString("utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

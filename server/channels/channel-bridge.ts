// One WebSocket client of one kernel (jupyter_server's ZMQChannelsWebsocketConnection): its own
// DEALER sockets (so its replies and stdin requests come back to it alone) and its own iopub
// subscription (so every client sees all output). The path of a message:
//   browser --WebSocket frame--> decode (v1 or legacy) --> sign with the kernel's key -->
//   DEALER (shell/control/stdin) --> kernel ROUTER;
//   kernel ROUTER/PUB --> DEALER/SUB --> verify signature --> encode --> WebSocket frame.
// Before the client is told the connection is open, the bridge "nudges" the kernel as
// jupyter_server does: kernel_info requests until both a shell reply and an iopub message
// arrive, which proves the iopub subscription is live (a SUB socket joins asynchronously and
// would otherwise miss the first output of the client's first request).
// When the WebSocket closes (a reload, a reconnect, a network blip), the bridge stays open for a
// while and buffers what the kernel sends: a client that comes back with the same session_id
// gets those messages first, as jupyter_server replays them (its "buffering" of a session).
// What waits for a client is bounded in bytes: a client that does not read (or reads slowly)
// while a kernel prints hundreds of megabytes would otherwise have the server hold all of it.
// Past `clientBuffer` bytes unsent, output messages (stream, display data, results) are dropped
// and the client is told once, on stderr of the cell, as jupyter_server's iopub rate limit does
// ("IOPub data rate exceeded"); other messages (status, replies, comms) still go, and past four
// times the limit the connection is closed (the client reconnects and gets the session buffer,
// which is bounded in bytes too).
import type { WebSocket } from "ws";
import { KernelSockets, type Channel, type RawMessage, type RequestChannel } from "../kernels/kernel-sockets.js";
import type { KernelConnection, ManagedKernel } from "../kernels/managed-kernel.js";
import type { ConnectionInfo } from "../../kernel/protocol/connection.js";
import { errorMessage } from "../../kernel/common/errors.js";
import { isObject } from "../../kernel/common/json-file.js";
import { decodeLegacy, decodeV1, encodeLegacy, encodeV1 } from "./ws-framing.js";

const REQUEST_CHANNELS: readonly string[] = ["shell", "control", "stdin"] satisfies RequestChannel[];

function isRequestChannel(channel: string): channel is RequestChannel {
  return REQUEST_CHANNELS.includes(channel);
}
/** Messages kept for a client that went away; past this, the buffer is dropped. */
const MAX_BUFFERED = 10_000;
/** Output a client may miss without the cell's result being lost: these are dropped first. */
const OUTPUT_TYPES = new Set(["stream", "display_data", "update_display_data", "execute_result"]);

interface BridgeLimits {
  /** Bytes waiting to be sent to a client (or kept for one that went away) before output is dropped. */
  clientBuffer: number;
}

export type Framing = "v1" | "legacy";

export class ChannelBridge implements KernelConnection {
  private sockets: KernelSockets;
  private info: ConnectionInfo;
  private ws?: WebSocket;
  private readonly early: RawMessage[] = [];
  /** msg_ids of the nudge's kernel_info requests: their replies and statuses are not forwarded. */
  private readonly nudges = new Set<string>();
  private nudgeSawShell = false;
  private nudgeSawIopub = false;
  private nudged?: () => void;
  private closed = false;
  private earlyBytes = 0;
  /** Output messages dropped since the client fell behind; 0 when it is keeping up. */
  private dropped = 0;

  constructor(
    private readonly kernel: ManagedKernel,
    private framing: Framing,
    /** The client's session_id (from the URL): a client that reconnects with it gets the buffer. */
    readonly sessionKey: string | undefined,
    private readonly limits: BridgeLimits,
  ) {
    this.info = kernel.info;
    this.sockets = this.openSockets();
  }

  private openSockets(): KernelSockets {
    return new KernelSockets(this.info, ["shell", "control", "stdin", "iopub"], (message) => this.fromKernel(message));
  }

  /** Resolves once the kernel answered on shell and iopub; rejects if it dies or is too slow. */
  async nudge(timeoutMs = 60_000): Promise<void> {
    const done = new Promise<void>((resolve) => (this.nudged = resolve));
    const deadline = Date.now() + timeoutMs;
    while (!(this.nudgeSawShell && this.nudgeSawIopub)) {
      if (this.closed) throw new Error("connection closed");
      if (this.kernel.executionState === "dead") throw new Error("the kernel is dead");
      if (this.kernel.shutDown) throw new Error("the kernel was shut down");
      if (Date.now() > deadline) throw new Error("the kernel did not answer");
      if (this.kernel.info !== this.info) {
        // The kernel was started again on other ports (its first ports were taken).
        this.sockets.close();
        this.info = this.kernel.info;
        this.sockets = this.openSockets();
      }
      this.nudges.add(this.sockets.request("shell", "kernel_info_request", {}));
      await Promise.race([done, sleep(500)]);
    }
  }

  /**
   * Attaches a WebSocket once the handshake is done (a new one, or the same client back after a
   * disconnection, possibly with the other framing); messages that came meanwhile follow.
   */
  attach(ws: WebSocket, framing: Framing = this.framing): void {
    this.ws = ws;
    this.framing = framing;
    this.kernel.connections.add(this);
    ws.on("message", (data, isBinary) => this.fromClient(toBuffer(data), isBinary));
    ws.once("close", () => this.detach(ws));
    ws.once("error", () => this.detach(ws));
    this.earlyBytes = 0;
    for (const message of this.early.splice(0)) this.fromKernel(message);
  }

  /** The client went away: keep buffering for it if it may come back, else close. */
  private detach(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    this.kernel.connections.delete(this);
    if (this.closed) return;
    if (this.sessionKey && !this.kernel.shutDown && this.kernel.executionState !== "dead") this.kernel.keepBuffered(this);
    else this.dispose();
  }

  /** A status the server itself publishes to this client, as jupyter_server does when the kernel restarts or dies. */
  announce(state: "restarting" | "starting" | "dead"): void {
    const { session } = this.sockets;
    this.send("iopub", session.parts(session.request("status", { execution_state: state })), []);
  }

  close(): void {
    this.ws?.close(1000, "kernel shut down");
    this.dispose();
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.early.length = 0;
    this.earlyBytes = 0;
    this.kernel.connections.delete(this);
    this.sockets.close();
  }

  private fromKernel(message: RawMessage): void {
    if (this.nudges.size > 0 && this.isNudgeTraffic(message)) return;
    // Not attached yet, gone, or closing: keep it (for attach, or for the client's return).
    if (!this.ws || this.ws.readyState !== this.ws.OPEN) {
      this.early.push(message);
      this.earlyBytes += sizeOf(message.parts, message.buffers);
      if (this.early.length > MAX_BUFFERED || this.earlyBytes > 4 * this.limits.clientBuffer) {
        process.stderr.write(
          `[luci-server] dropped the messages kept for a client of kernel ${this.kernel.id}: more than ${MAX_BUFFERED} or ${mb(4 * this.limits.clientBuffer)}\n`,
        );
        this.dispose();
      }
      return;
    }
    this.send(message.channel, message.parts, message.buffers);
  }

  private isNudgeTraffic(message: RawMessage): boolean {
    const parent = message.parts[1];
    for (const id of this.nudges) {
      if (!parent.includes(id)) continue;
      if (message.channel === "shell") this.nudgeSawShell = true;
      if (message.channel === "iopub") this.nudgeSawIopub = true;
      if (this.nudgeSawShell && this.nudgeSawIopub) this.nudged?.();
      return true;
    }
    // Any iopub message proves the subscription is live, not only the nudge's own.
    if (message.channel === "iopub") this.nudgeSawIopub = true;
    return false;
  }

  private send(channel: Channel, parts: readonly Buffer[], buffers: readonly Buffer[]): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    // bufferedAmount: bytes handed to the socket and not yet written to the network.
    const waiting = ws.bufferedAmount;
    const limit = this.limits.clientBuffer;
    if (waiting > limit) {
      if (channel === "iopub" && OUTPUT_TYPES.has(msgTypeOf(parts[0]))) {
        if (this.dropped++ === 0) this.tellDropping(parts[1], waiting);
        return;
      }
      if (waiting > 4 * limit) {
        process.stderr.write(`[luci-server] closed a client of kernel ${this.kernel.id}: it left ${mb(waiting)} unread\n`);
        ws.terminate();
        return;
      }
    } else if (this.dropped > 0 && waiting < limit / 2) {
      process.stderr.write(`[luci-server] a client of kernel ${this.kernel.id} caught up; ${this.dropped} output messages were dropped\n`);
      this.dropped = 0;
    }
    const frame = this.framing === "v1" ? encodeV1(channel, parts, buffers) : encodeLegacy(channel, parts, buffers);
    ws.send(frame, { binary: typeof frame !== "string" });
  }

  /** One stream message on stderr, in the cell whose output is being dropped (its parent header). */
  private tellDropping(parent: Buffer | undefined, waiting: number): void {
    const { session } = this.sockets;
    const text =
      `[luci-server] output was dropped: this client has not read ${mb(waiting)} of it yet (LUCI_SERVER_CLIENT_BUFFER is ${mb(this.limits.clientBuffer)}). ` +
      "Output will show again once it catches up.\n";
    const parts = session.parts(session.request("stream", { name: "stderr", text }));
    const ws = this.ws!;
    const frame =
      this.framing === "v1"
        ? encodeV1("iopub", [parts[0], parent ?? parts[1], parts[2], parts[3]], [])
        : encodeLegacy("iopub", [parts[0], parent ?? parts[1], parts[2], parts[3]], []);
    ws.send(frame, { binary: typeof frame !== "string" });
    process.stderr.write(`[luci-server] a client of kernel ${this.kernel.id} is not reading: output dropped until it catches up\n`);
  }

  private fromClient(data: Buffer, isBinary: boolean): void {
    let message;
    try {
      message = this.framing === "v1" ? decodeV1(data) : decodeLegacy(data, isBinary);
    } catch (err) {
      process.stderr.write(`[luci-server] dropped a malformed WebSocket message: ${errorMessage(err)}\n`);
      return;
    }
    const channel = message.channel;
    if (!isRequestChannel(channel)) {
      process.stderr.write(`[luci-server] dropped a message for channel ${JSON.stringify(channel)}\n`);
      return;
    }
    this.sockets.sendParts(channel, message.parts, message.buffers);
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function sizeOf(parts: readonly Buffer[], buffers: readonly Buffer[]): number {
  let bytes = 0;
  for (const part of parts) bytes += part.length;
  for (const buffer of buffers) bytes += buffer.length;
  return bytes;
}

/** The msg_type of a header (parsed only for a client that is behind: the header is small). */
function msgTypeOf(header: Buffer | undefined): string {
  try {
    const parsed: unknown = JSON.parse(header?.toString("utf8") ?? "");
    return isObject(parsed) && typeof parsed.msg_type === "string" ? parsed.msg_type : "";
  } catch {
    return "";
  }
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

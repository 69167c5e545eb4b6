// The WebSocket endpoint /api/kernels/{id}/channels. The handshake is checked like any API
// request (Host, Origin, token) and then held until the kernel answers (the nudge), as
// jupyter_server does; a refused handshake gets a plain HTTP status, never a socket.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { errorMessage } from "../../kernel/common/errors.js";
import { HttpError } from "../http/respond.js";
import type { KernelManager } from "../kernels/kernel-manager.js";
import type { ServerLimits } from "../limits.js";
import { ChannelBridge } from "./channel-bridge.js";
import { V1_PROTOCOL } from "./ws-framing.js";

const CHANNELS_PATH = /^\/api\/kernels\/(?<id>[^/]+)\/channels\/?$/;

export class ChannelsEndpoint {
  private readonly wss: WebSocketServer;

  constructor(
    private readonly kernels: KernelManager,
    private readonly limits: ServerLimits,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      // ws checks a frame's declared length before it buffers any of it, and closes the
      // connection (1009) when it is over: a client's message to a kernel is code, input or a
      // widget's state, megabytes at most.
      maxPayload: limits.maxMessage,
      // Offer v1 when the client lists it; otherwise no subprotocol (the legacy JSON form).
      handleProtocols: (protocols) => (protocols.has(V1_PROTOCOL) ? V1_PROTOCOL : false),
      perMessageDeflate: false,
    });
  }

  /** Whether `pathname` is a channels URL (the caller has checked Host, Origin and token). */
  matches(pathname: string): boolean {
    return CHANNELS_PATH.test(pathname);
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    const id = decodeURIComponent(CHANNELS_PATH.exec(url.pathname)!.groups!.id!);
    if (!this.kernels.has(id)) throw new HttpError(404, `Kernel does not exist: ${id}`);
    const kernel = this.kernels.get(id);
    const offered = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim());
    const framing = offered.includes(V1_PROTOCOL) ? "v1" : "legacy";
    const sessionKey = url.searchParams.get("session_id") || undefined;
    // The same client back (same session_id): its sockets are still open and subscribed, and
    // what the kernel sent meanwhile is waiting; no nudge is needed.
    const resumed = kernel.takeBuffered(sessionKey, ChannelBridge);
    const bridge = resumed ?? new ChannelBridge(kernel, framing, sessionKey, { clientBuffer: this.limits.clientBuffer });
    // Until the handshake completes, a socket that closes takes the bridge with it; after, the
    // bridge follows its WebSocket (and may keep buffering for the client).
    let attached = false;
    let gone = false;
    socket.once("close", () => {
      gone = true;
      if (!attached) bridge.dispose();
    });
    const accept = () =>
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        attached = true;
        bridge.attach(ws, framing);
      });
    if (resumed) {
      accept();
      return;
    }
    try {
      await bridge.nudge();
    } catch (err) {
      bridge.dispose();
      throw new HttpError(kernel.shutDown ? 404 : kernel.executionState === "dead" ? 409 : 503, errorMessage(err), { cause: err });
    }
    if (gone) return;
    accept();
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}

/** Answers a refused upgrade with an HTTP status line and a JSON body, then closes. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ message });
  const reason =
    status === 403 ? "Forbidden" : status === 404 ? "Not Found" : status === 409 ? "Conflict" : status === 503 ? "Service Unavailable" : "Bad Request";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

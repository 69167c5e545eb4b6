// A minimal kernel client over the server's WebSocket (v1.kernel.websocket.jupyter.org), for
// the benchmark: what a page does, without a browser. Collects replies and iopub by parent.
// Messages are built and read by kernel/protocol/client.ts; the server signs them.
import WebSocket from "ws";
import { ClientSession, executeContent, isIdle, readParts } from "../../kernel/protocol/client.js";
import type { JsonObject } from "../../kernel/protocol/messages.js";
import { decodeV1, encodeV1, V1_PROTOCOL } from "../../server/channels/ws-framing.js";

export interface WsMessage {
  channel: string;
  msgType: string;
  parentId: string | undefined;
  content: Record<string, unknown>;
}

export class WsKernelClient {
  private readonly session = new ClientSession({ username: "bench" });
  private readonly replies = new Map<string, (m: WsMessage) => void>();
  private readonly idle = new Map<string, () => void>();
  readonly byParent = new Map<string, WsMessage[]>();
  received = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => this.receive(data));
  }

  static async connect(url: string): Promise<WsKernelClient> {
    const ws = new WebSocket(url, [V1_PROTOCOL]);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`WebSocket refused: ${res.statusCode}`)));
    });
    return new WsKernelClient(ws);
  }

  /** Sends a request; resolves with the reply once the request's idle status arrived too. */
  request(channel: "shell" | "control", msgType: string, content: JsonObject): { msgId: string; done: Promise<WsMessage> } {
    const message = this.session.request(msgType, content);
    const msgId = message.header.msg_id;
    const reply = new Promise<WsMessage>((resolve) => this.replies.set(msgId, resolve));
    const idle = new Promise<void>((resolve) => this.idle.set(msgId, resolve));
    this.ws.send(encodeV1(channel, this.session.parts(message), []));
    return { msgId, done: Promise.all([reply, idle]).then(([r]) => r) };
  }

  /** An execute_request with jupyter_client's defaults. */
  execute(code: string): { msgId: string; done: Promise<WsMessage> } {
    return this.request("shell", "execute_request", executeContent(code));
  }

  close(): void {
    this.ws.close();
  }

  private receive(data: Buffer): void {
    this.received += 1;
    const raw = decodeV1(data);
    const decoded = readParts(raw.parts, raw.buffers);
    if (!decoded.ok) throw new Error(`the server sent a malformed message: ${decoded.reason}`);
    const { header, parent_header, content } = decoded.message;
    const message: WsMessage = { channel: raw.channel, msgType: header.msg_type, parentId: parent_header.msg_id, content };
    if (!message.parentId) return;
    if (raw.channel === "iopub") {
      const list = this.byParent.get(message.parentId) ?? [];
      list.push(message);
      this.byParent.set(message.parentId, list);
      if (isIdle(decoded.message)) {
        this.idle.get(message.parentId)?.();
        this.idle.delete(message.parentId);
      }
    } else {
      this.replies.get(message.parentId)?.(message);
      this.replies.delete(message.parentId);
    }
  }
}

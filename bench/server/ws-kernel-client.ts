// A minimal kernel client over the server's WebSocket (v1.kernel.websocket.jupyter.org), for
// the benchmark: what a page does, without a browser. Collects replies and iopub by parent.
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { decodeV1, encodeV1, V1_PROTOCOL } from "../../server/channels/ws-framing.js";

export interface WsMessage {
  channel: string;
  msgType: string;
  parentId: string | undefined;
  content: Record<string, unknown>;
}

export class WsKernelClient {
  private readonly session = randomUUID();
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
  request(channel: "shell" | "control", msgType: string, content: object): { msgId: string; done: Promise<WsMessage> } {
    const header = { msg_id: randomUUID(), msg_type: msgType, session: this.session, username: "bench", date: new Date().toISOString(), version: "5.3" };
    const reply = new Promise<WsMessage>((resolve) => this.replies.set(header.msg_id, resolve));
    const idle = new Promise<void>((resolve) => this.idle.set(header.msg_id, resolve));
    const parts = [header, {}, {}, content].map((p) => Buffer.from(JSON.stringify(p)));
    this.ws.send(encodeV1(channel, parts, []));
    return { msgId: header.msg_id, done: Promise.all([reply, idle]).then(([r]) => r) };
  }

  close(): void {
    this.ws.close();
  }

  private receive(data: Buffer): void {
    this.received += 1;
    const raw = decodeV1(data);
    const header = JSON.parse(raw.parts[0].toString()) as { msg_type: string };
    const parent = JSON.parse(raw.parts[1].toString()) as { msg_id?: string };
    const message: WsMessage = {
      channel: raw.channel,
      msgType: header.msg_type,
      parentId: parent.msg_id,
      content: JSON.parse(raw.parts[3].toString()) as Record<string, unknown>,
    };
    if (!message.parentId) return;
    if (raw.channel === "iopub") {
      const list = this.byParent.get(message.parentId) ?? [];
      list.push(message);
      this.byParent.set(message.parentId, list);
      if (message.msgType === "status" && message.content.execution_state === "idle") {
        this.idle.get(message.parentId)?.();
        this.idle.delete(message.parentId);
      }
    } else {
      this.replies.get(message.parentId)?.(message);
      this.replies.delete(message.parentId);
    }
  }
}

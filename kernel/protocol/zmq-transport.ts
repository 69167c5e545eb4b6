// The five Jupyter channels over ZeroMQ (zeromq v6): ROUTER sockets for shell, control and
// stdin, PUB for iopub, REP for the heartbeat. Messages that are malformed, unsigned or badly
// signed are logged and dropped here, so no layer above ever sees them.
import { Publisher, Reply, Router } from "zeromq";
import { RateLimitedLog, log } from "../common/log.js";
import { endpoint, type ConnectionInfo } from "./connection.js";
import { HeaderFactory } from "./header.js";
import type { Outgoing } from "./messages.js";
import { SendQueue } from "./send-queue.js";
import { Signer } from "./signer.js";
import type { MessageHandler, RequestChannel, Transport } from "./transport.js";
import { decode, encode } from "./wire.js";
import { errorMessage, errorStack } from "../common/errors.js";

export class ZmqTransport implements Transport {
  private readonly signer: Signer;
  private readonly headers = new HeaderFactory();
  private readonly routers: Record<RequestChannel, Router>;
  private readonly iopub = new Publisher();
  private readonly heartbeat = new Reply();
  private readonly queues: Record<RequestChannel | "iopub", SendQueue>;
  private readonly dropped = new RateLimitedLog("dropped message");
  private closed = false;

  constructor(private readonly info: ConnectionInfo) {
    this.signer = new Signer(info.key, info.signature_scheme);
    this.routers = { shell: new Router(), control: new Router(), stdin: new Router() };
    this.queues = {
      shell: new SendQueue(this.routers.shell, "shell"),
      control: new SendQueue(this.routers.control, "control"),
      stdin: new SendQueue(this.routers.stdin, "stdin"),
      iopub: new SendQueue(this.iopub, "iopub"),
    };
  }

  get session(): string {
    return this.headers.session;
  }

  async start(handler: MessageHandler): Promise<void> {
    const { info } = this;
    await Promise.all([
      this.routers.shell.bind(endpoint(info, info.shell_port)),
      this.routers.control.bind(endpoint(info, info.control_port)),
      this.routers.stdin.bind(endpoint(info, info.stdin_port)),
      this.iopub.bind(endpoint(info, info.iopub_port)),
      this.heartbeat.bind(endpoint(info, info.hb_port)),
    ]);
    for (const channel of ["shell", "control", "stdin"] as const) void this.receive(channel, handler);
    void this.echoHeartbeats();
  }

  send(channel: RequestChannel, route: readonly Buffer[], message: Outgoing): string {
    const header = this.headers.make(message.msgType);
    this.queues[channel].push(this.frames(route, message, header));
    return header.msg_id;
  }

  publish(message: Outgoing): void {
    const topic = Buffer.from(`kernel.${this.session}.${message.msgType}`);
    this.queues.iopub.push(this.frames([topic], message));
  }

  async flush(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.flushed()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    for (const socket of [...Object.values(this.routers), this.iopub, this.heartbeat]) {
      socket.linger = 200;
      socket.close();
    }
  }

  private frames(route: readonly Buffer[], message: Outgoing, header = this.headers.make(message.msgType)): Buffer[] {
    const parent = message.parent?.header ?? {};
    return encode(route, header, parent, message.metadata ?? {}, message.content, message.buffers ?? [], this.signer);
  }

  private async receive(channel: RequestChannel, handler: MessageHandler): Promise<void> {
    try {
      for await (const frames of this.routers[channel]) {
        const decoded = decode(frames, this.signer);
        if (!decoded.ok) {
          this.dropped.warn(`${channel}: ${decoded.reason}`);
          continue;
        }
        try {
          handler(channel, decoded.message);
        } catch (err) {
          log("error", `handling ${decoded.message.header.msg_type} on ${channel}: ${errorStack(err)}`);
        }
      }
    } catch (err) {
      if (!this.closed) log("error", `${channel} socket failed: ${errorMessage(err)}`);
    }
  }

  private async echoHeartbeats(): Promise<void> {
    try {
      for await (const frames of this.heartbeat) await this.heartbeat.send(frames);
    } catch (err) {
      if (!this.closed) log("error", `heartbeat failed: ${errorMessage(err)}`);
    }
  }
}

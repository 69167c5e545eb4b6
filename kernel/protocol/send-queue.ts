// zeromq v6 allows one send in flight per socket ("Socket is busy writing"): every socket
// gets one queue, and sends leave it strictly in order.
import { log } from "../common/log.js";
import { errorMessage } from "../common/errors.js";

interface Sendable {
  send(frames: Buffer[]): Promise<void>;
}

export class SendQueue {
  private readonly pending: Buffer[][] = [];
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly socket: Sendable,
    private readonly name: string,
  ) {}

  push(frames: Buffer[]): void {
    this.pending.push(frames);
    if (!this.draining) void this.drain();
  }

  /** Resolves once everything queued so far has been handed to ZeroMQ. */
  flushed(): Promise<void> {
    if (!this.draining && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.pending.length > 0) {
      const frames = this.pending.shift()!;
      try {
        await this.socket.send(frames);
      } catch (err) {
        log("warn", `could not send on ${this.name}: ${errorMessage(err)}`);
      }
    }
    this.draining = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

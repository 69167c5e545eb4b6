// One generation at a time, first come first served: the model has one context sequence, and a
// second generation at once would only share the same cores. A request whose client leaves while
// it waits is dropped from the queue at once (its signal fired), and never runs.

export type QueueResult<T> = { ran: true; value: T } | { ran: false };

interface Waiting {
  start: () => void;
}

export class GenerationQueue {
  private readonly waiting: Waiting[] = [];
  private busy = false;

  /** Requests waiting for their turn (not counting the one running). */
  get queued(): number {
    return this.waiting.length;
  }

  get running(): boolean {
    return this.busy;
  }

  /** Runs `job` when its turn comes; { ran: false } when `signal` fired before that. */
  async run<T>(signal: AbortSignal, job: () => Promise<T>): Promise<QueueResult<T>> {
    if (signal.aborted) return { ran: false };
    if (this.busy) {
      const started = await new Promise<boolean>((resolve) => {
        const entry: Waiting = {
          start: () => {
            signal.removeEventListener("abort", leave);
            resolve(true);
          },
        };
        const leave = () => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          resolve(false);
        };
        signal.addEventListener("abort", leave, { once: true });
        this.waiting.push(entry);
      });
      if (!started) return { ran: false };
    } else {
      this.busy = true;
    }
    try {
      return { ran: true, value: await job() };
    } finally {
      this.startNext();
    }
  }

  private startNext(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.busy = false;
  }
}

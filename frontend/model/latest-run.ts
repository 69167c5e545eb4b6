// Reruns for a control that moves continuously (a slider dragged, an arrow key held): one run
// after a short pause or at once on release, never one per step; a change while a run runs waits
// for it, and then only the latest value runs (the values in between are never run).

export interface RunSource {
  /** Starts a run of the latest values; undefined when there is nothing new to run. */
  start(): Promise<void> | undefined;
}

/** The timer functions used (the window's in the page; a test may pass Node's). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

export class LatestRun {
  private timer: number | undefined;
  private running = false;
  private again = false;

  constructor(
    private readonly source: RunSource,
    private readonly pauseMs: number,
    private readonly timers: Timers,
  ) {}

  /** Whether a run is under way. */
  get busy(): boolean {
    return this.running;
  }

  /** A run once the value has stopped changing for the pause (each call postpones it). */
  soon(): void {
    this.cancel();
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.now();
    }, this.pauseMs);
  }

  /** A run now, or, while one runs, as soon as it ends (with the values of that moment). */
  now(): void {
    this.cancel();
    if (this.running) {
      this.again = true;
      return;
    }
    const run = this.source.start();
    if (!run) return;
    this.running = true;
    // The source reports its own failures; the next run goes ahead either way.
    void run
      .catch(() => undefined)
      .then(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.now();
        }
      });
  }

  /** Drops a run asked for with soon() that has not started. */
  cancel(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

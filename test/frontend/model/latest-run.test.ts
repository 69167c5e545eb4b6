// Reruns of a moving control (frontend/model/latest-run.ts): one run after a pause or at once on
// release; a change during a run waits, then only the latest value runs.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LatestRun, type Timers } from "../../../frontend/model/latest-run.js";

/** A cell that records which values ran, each run ending when the test says. */
class FakeCell {
  value = 0;
  ran: number[] = [];
  private ends: (() => void)[] = [];
  private last: number | undefined;

  start(): Promise<void> | undefined {
    if (this.value === this.last) return undefined;
    this.last = this.value;
    this.ran.push(this.value);
    return new Promise((done) => this.ends.push(done));
  }

  async finish(): Promise<void> {
    this.ends.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
  }
}

const timers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms) as unknown as number,
  clearTimeout: (id) => clearTimeout(id),
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("LatestRun", () => {
  it("a slider dragged through many values runs once, after it is held still for the pause", async () => {
    const cell = new FakeCell();
    const runs = new LatestRun(cell, 400, timers);
    for (let v = 1; v <= 30; v++) {
      cell.value = v;
      runs.soon();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(cell.ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(400);
    expect(cell.ran).toEqual([30]);
  });

  it("released, it runs at once, and the pending pause does not run it again", async () => {
    const cell = new FakeCell();
    const runs = new LatestRun(cell, 400, timers);
    cell.value = 5;
    runs.soon();
    runs.now();
    expect(cell.ran).toEqual([5]);
    await cell.finish();
    await vi.advanceTimersByTimeAsync(1000);
    expect(cell.ran).toEqual([5]);
  });

  it("changes during a run wait for it; then only the latest runs", async () => {
    const cell = new FakeCell();
    const runs = new LatestRun(cell, 400, timers);
    cell.value = 1;
    runs.now();
    expect(runs.busy).toBe(true);
    for (const v of [2, 3, 4, 5]) {
      cell.value = v;
      runs.now();
    }
    expect(cell.ran).toEqual([1]);
    await cell.finish();
    expect(cell.ran).toEqual([1, 5]);
    await cell.finish();
    expect(runs.busy).toBe(false);
    expect(cell.ran).toEqual([1, 5]);
  });

  it("a failed run does not stop the next", async () => {
    let calls = 0;
    const runs = new LatestRun({ start: () => (++calls === 1 ? Promise.reject(new Error("kernel died")) : Promise.resolve()) }, 400, timers);
    runs.now();
    runs.now();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
    expect(runs.busy).toBe(false);
  });
});

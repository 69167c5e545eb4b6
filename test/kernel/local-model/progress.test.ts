// The pull's progress meter on a clock the test moves: at most one report per 250 ms (a final
// report excepted), and the speed measured over the last few seconds.
import { describe, expect, it } from "vitest";
import { ProgressMeter, type PullProgress } from "../../../kernel/local-model/pull/progress.js";

describe("ProgressMeter", () => {
  it("reports at most four times a second, always the final report, with the recent speed", () => {
    let now = 1_000_000;
    const reports: PullProgress[] = [];
    const meter = new ProgressMeter(
      (p) => reports.push(p),
      () => now,
    );
    const at = (bytes: number, final = false): void => meter.report({ phase: "download", bytes, total: 10_000_000, source: "s" }, bytes, final);
    // 100 reports 10 ms apart (1 s) at 1 MB/s: reports at 0, 250, 500, 750 ms (and 1000 ms).
    for (let i = 0; i <= 100; i++) {
      at(i * 10_000);
      now += 10;
    }
    expect(reports.map((r) => r.bytes)).toEqual([0, 250_000, 500_000, 750_000, 1_000_000]);
    expect(reports.at(-1)!.bytesPerSecond).toBe(1_000_000);
    // A final report goes out at once, even 10 ms after the last.
    at(1_010_000, true);
    expect(reports).toHaveLength(6);
    // The speed follows a change within the window (3 s): 4 s at 100 kB/s.
    for (let i = 0; i < 400; i++) {
      now += 10;
      at(1_010_000 + (i + 1) * 1_000);
    }
    expect(reports.at(-1)!.bytesPerSecond).toBeGreaterThan(90_000);
    expect(reports.at(-1)!.bytesPerSecond).toBeLessThan(110_000);
  });

  it("starts its speed afresh in a new phase", () => {
    let now = 0;
    const reports: PullProgress[] = [];
    const meter = new ProgressMeter(
      (p) => reports.push(p),
      () => now,
    );
    meter.report({ phase: "download", bytes: 0, total: 100, source: "s" }, 0);
    now += 1000;
    meter.report({ phase: "download", bytes: 100, total: 100, source: "s" }, 5_000_000, true);
    now += 1;
    meter.report({ phase: "verify", bytes: 0, total: 100, source: "s" }, 0, true);
    expect(reports.map((r) => [r.phase, r.bytesPerSecond])).toEqual([
      ["download", 0],
      ["download", 5_000_000],
      ["verify", 0],
    ]);
  });
});

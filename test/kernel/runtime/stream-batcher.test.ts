import { describe, expect, it, vi } from "vitest";
import { StreamBatcher } from "../../../kernel/runtime/stream-batcher.js";

describe("StreamBatcher", () => {
  it("merges a flood of writes into one message per stream run, in order", () => {
    const sent: [string, string][] = [];
    const batcher = new StreamBatcher((n, t) => sent.push([n, t]), 50);
    for (let i = 0; i < 10000; i++) batcher.add("stdout", `${i}\n`);
    batcher.add("stderr", "warn\n");
    batcher.add("stdout", "last\n");
    batcher.flush();
    expect(sent.map(([n]) => n)).toEqual(["stdout", "stderr", "stdout"]);
    expect(sent[0]![1].split("\n")).toHaveLength(10001);
  });

  it("sends held text after the delay without an explicit flush", () => {
    vi.useFakeTimers();
    try {
      const sent: string[] = [];
      const batcher = new StreamBatcher((_n, t) => sent.push(t), 50);
      batcher.add("stdout", "x");
      expect(sent).toEqual([]);
      vi.advanceTimersByTime(60);
      expect(sent).toEqual(["x"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("flushes at once past the size limit", () => {
    const sent: string[] = [];
    const batcher = new StreamBatcher((_n, t) => sent.push(t), 1000, 10);
    batcher.add("stdout", "0123456789ab");
    expect(sent).toEqual(["0123456789ab"]);
  });
});

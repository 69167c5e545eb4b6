import { describe, expect, it } from "vitest";
import { History, SESSION } from "../../../kernel/core/history.js";

function filled() {
  const h = new History();
  h.add(1, "a = 1");
  h.add(2, "print(a)");
  h.add(3, "a + 1");
  h.setOutput(3, "2");
  h.add(4, "a = 1");
  return h;
}

describe("History", () => {
  it("tail returns the last n entries", () => {
    expect(filled().query({ hist_access_type: "tail", n: 2 })).toEqual([
      [SESSION, 3, "a + 1"],
      [SESSION, 4, "a = 1"],
    ]);
  });

  it("range picks [start, stop) of this session, with outputs on request", () => {
    expect(filled().query({ hist_access_type: "range", session: 0, start: 2, stop: 4, output: true })).toEqual([
      [SESSION, 2, ["print(a)", null]],
      [SESSION, 3, ["a + 1", "2"]],
    ]);
    expect(filled().query({ hist_access_type: "range", session: 7, start: 1 })).toEqual([]);
  });

  it("search takes glob patterns and unique keeps the latest of duplicates", () => {
    expect(
      filled()
        .query({ hist_access_type: "search", pattern: "a*" })
        .map((r) => r[1]),
    ).toEqual([1, 3, 4]);
    expect(
      filled()
        .query({ hist_access_type: "search", pattern: "a = ?", unique: true })
        .map((r) => r[1]),
    ).toEqual([4]);
    expect(
      filled()
        .query({ hist_access_type: "search", pattern: "print(*)" })
        .map((r) => r[1]),
    ).toEqual([2]);
  });
});

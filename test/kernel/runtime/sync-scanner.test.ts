import { describe, expect, it } from "vitest";
import { SyncScanner } from "../../../kernel/runtime/sync-scanner.js";

const marker = (n: number) => `\x00\x1bLUCISYNCabc:${n}\x00`;

function scan(chunks: (string | Buffer)[]) {
  const out: (string | number)[] = [];
  const scanner = new SyncScanner(
    "abc",
    (t) => out.push(t),
    (n) => out.push(n),
  );
  for (const chunk of chunks) scanner.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  scanner.end();
  return { joined: out.filter((x) => typeof x === "string").join(""), markers: out.filter((x) => typeof x === "number"), seen: scanner.seen, out };
}

describe("SyncScanner", () => {
  it("separates text from markers and keeps their order", () => {
    const { out, seen } = scan([`a\n${marker(0)}b\n${marker(1)}`]);
    expect(out).toEqual(["a\n", 0, "b\n", 1]);
    expect(seen).toBe(1);
  });

  it("finds a marker split across chunks at every possible point", () => {
    const whole = `before${marker(7)}after`;
    for (let cut = 1; cut < whole.length; cut++) {
      const { joined, markers } = scan([whole.slice(0, cut), whole.slice(cut)]);
      expect(joined).toBe("beforeafter");
      expect(markers).toEqual([7]);
    }
  });

  it("decodes UTF-8 split across chunks", () => {
    const bytes = Buffer.from("héllo €");
    const { joined } = scan([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]);
    expect(joined).toBe("héllo €");
  });

  it("leaves NUL bytes that are not markers in the text", () => {
    expect(scan(["a\x00b", "\x00c"]).joined).toBe("a\x00b\x00c");
    expect(scan(["x\x00"]).joined).toBe("x\x00");
  });

  it("ignores a marker with another token", () => {
    const { joined, markers } = scan(["\x00\x1bLUCISYNCzzz:1\x00"]);
    expect(markers).toEqual([]);
    expect(joined).toBe("\x00\x1bLUCISYNCzzz:1\x00");
  });
});

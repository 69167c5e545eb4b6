import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Signer } from "../../../kernel/protocol/signer.js";

const frames = ["{}", "{}", "{}", '{"code":"1"}'].map((s) => Buffer.from(s));

describe("Signer", () => {
  it("signs the four frames with HMAC-SHA256 in order, as jupyter_client does", () => {
    const expected = createHmac("sha256", "secret");
    for (const f of frames) expected.update(f);
    expect(new Signer("secret").sign(frames)).toBe(expected.digest("hex"));
  });

  it("accepts a correct signature once and refuses its replay", () => {
    const signer = new Signer("secret");
    const signature = Buffer.from(signer.sign(frames));
    expect(signer.verify(signature, frames)).toBeUndefined();
    expect(signer.verify(signature, frames)).toBe("replayed signature");
  });

  it("refuses missing, wrong and truncated signatures", () => {
    const signer = new Signer("secret");
    const good = signer.sign(frames);
    expect(signer.verify(Buffer.alloc(0), frames)).toBe("unsigned message");
    expect(signer.verify(Buffer.from(good.replace(/^./, good[0] === "a" ? "b" : "a")), frames)).toBe("bad signature");
    expect(signer.verify(Buffer.from(good.slice(0, 10)), frames)).toBe("bad signature");
    expect(signer.verify(Buffer.from(new Signer("other").sign(frames)), frames)).toBe("bad signature");
  });

  it("checks over the raw bytes: the same JSON with other spacing does not verify", () => {
    const signer = new Signer("secret");
    const signature = Buffer.from(signer.sign(frames));
    const respaced = [...frames.slice(0, 3), Buffer.from('{"code": "1"}')];
    expect(signer.verify(signature, respaced)).toBe("bad signature");
  });

  it("with an empty key signs nothing and checks nothing (kernels.rst)", () => {
    const signer = new Signer("");
    expect(signer.sign(frames)).toBe("");
    expect(signer.verify(Buffer.alloc(0), frames)).toBeUndefined();
  });

  it("refuses an unknown signature scheme", () => {
    expect(() => new Signer("k", "hmac-nonsense")).toThrow(/unsupported signature scheme/);
    expect(() => new Signer("k", "sha256")).toThrow(/unsupported signature scheme/);
  });
});

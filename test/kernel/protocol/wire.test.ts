import { describe, expect, it } from "vitest";
import { HeaderFactory } from "../../../kernel/protocol/header.js";
import { Signer } from "../../../kernel/protocol/signer.js";
import { DELIMITER, decode, encode } from "../../../kernel/protocol/wire.js";

const signer = () => new Signer("key");
const headers = new HeaderFactory();

describe("wire format", () => {
  it("round-trips identities, the four dicts and buffers", () => {
    const header = headers.make("execute_request");
    const frames = encode([Buffer.from("id1")], header, { msg_id: "p" }, { m: 1 }, { code: "x" }, [Buffer.from("buf")], signer());
    const decoded = decode(frames, signer());
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.message.identities.map(String)).toEqual(["id1"]);
    expect(decoded.message.header).toEqual(header);
    expect(decoded.message.parent_header).toEqual({ msg_id: "p" });
    expect(decoded.message.metadata).toEqual({ m: 1 });
    expect(decoded.message.content).toEqual({ code: "x" });
    expect(decoded.message.buffers.map(String)).toEqual(["buf"]);
  });

  it("every header carries session, date and version 5.3", () => {
    const h = headers.make("status");
    expect(h.session).toBe(headers.session);
    expect(h.version).toBe("5.3");
    expect(Number.isNaN(Date.parse(h.date))).toBe(false);
    expect(h.msg_id).not.toBe(headers.make("status").msg_id);
  });

  const good = () => encode([], headers.make("kernel_info_request"), {}, {}, {}, [], signer());

  it.each([
    ["no delimiter", () => good().filter((f) => !f.equals(DELIMITER)), /delimiter/],
    ["too few frames", () => good().slice(0, 4), /too few frames/],
    ["broken JSON", () => resign(good(), 3, Buffer.from("{not json")), /content is not a JSON object/],
    ["JSON that is not an object", () => resign(good(), 0, Buffer.from("[1,2]")), /header is not a JSON object/],
    ["missing msg_type", () => resign(good(), 0, Buffer.from('{"msg_id":"a","session":"s"}')), /header.msg_type missing/],
    [
      "bad signature",
      () => {
        const f = good();
        f[1] = Buffer.from("0".repeat(64));
        return f;
      },
      /bad signature/,
    ],
    [
      "no signature",
      () => {
        const f = good();
        f[1] = Buffer.alloc(0);
        return f;
      },
      /unsigned/,
    ],
  ])("rejects %s with a reason", (_name, make, reason) => {
    const decoded = decode(make(), signer());
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });
});

/** Replaces one of the four signed frames and signs again, so only the replaced part is wrong. */
function resign(frames: Buffer[], index: number, replacement: Buffer): Buffer[] {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  const out = [...frames];
  out[at + 2 + index] = replacement;
  out[at + 1] = Buffer.from(signer().sign(out.slice(at + 2, at + 6)));
  return out;
}

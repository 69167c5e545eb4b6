// The client side of the protocol in-process: what a request carries, that the kernel's own
// decoder accepts it, and that a kernel's messages read back through the client, checked.
import { describe, expect, it } from "vitest";
import { ClientSession, executeContent, isIdle, readParts } from "../../../kernel/protocol/client.js";
import { loopbackConnection } from "../../../kernel/protocol/connection.js";
import { HeaderFactory } from "../../../kernel/protocol/header.js";
import { PROTOCOL_VERSION } from "../../../kernel/protocol/messages.js";
import { Signer } from "../../../kernel/protocol/signer.js";
import { DELIMITER, decode, encode } from "../../../kernel/protocol/wire.js";

const KEY = "secret";
const kernelHeaders = new HeaderFactory("kernel");

/** A message as the kernel would send it, answering `parent`. */
function fromKernel(msgType: string, content: object, parent: object = {}, key = KEY): Buffer[] {
  return encode([], kernelHeaders.make(msgType), parent, {}, content, [], new Signer(key));
}

describe("ClientSession", () => {
  it("builds requests whose headers carry its session, its user, a fresh msg_id, a date and the one protocol version", () => {
    const client = new ClientSession({ key: KEY, username: "ada" });
    const first = client.request("execute_request", { code: "1" }, { metadata: { cellId: "c1" } });
    const second = client.request("execute_request");
    expect(first.header).toMatchObject({ msg_type: "execute_request", session: client.id, username: "ada", version: PROTOCOL_VERSION });
    expect(Number.isNaN(Date.parse(first.header.date))).toBe(false);
    expect(first.header.msg_id).not.toBe(second.header.msg_id);
    expect(first).toMatchObject({ parent_header: {}, metadata: { cellId: "c1" }, content: { code: "1" }, buffers: [] });
    expect(second.content).toEqual({});
    expect(new ClientSession().id).not.toBe(client.id);
  });

  it("frames a request the kernel's decoder accepts, identities and buffers included", () => {
    const client = new ClientSession({ key: KEY });
    const request = client.request("comm_msg", { data: {} }, { buffers: [Buffer.from("raw")] });
    const decoded = decode(client.frames(request, [Buffer.from("route")]), new Signer(KEY));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.message.identities.map(String)).toEqual(["route"]);
    expect(decoded.message.header).toEqual(request.header);
    expect(decoded.message.content).toEqual({ data: {} });
    expect(decoded.message.buffers.map(String)).toEqual(["raw"]);
  });

  it("signs with the connection's key and scheme", () => {
    const info = { ...loopbackConnection([1, 2, 3, 4, 5], KEY, "luci"), signature_scheme: "hmac-sha512" };
    const client = ClientSession.forConnection(info);
    const frames = client.frames(client.request("kernel_info_request"));
    expect(frames[1]!.toString()).toHaveLength(128);
    expect(decode(frames, new Signer(KEY, "hmac-sha512")).ok).toBe(true);
    expect(decode(frames, new Signer(KEY)).ok).toBe(false);
  });

  it("without a key (a WebSocket client's session), signs nothing", () => {
    const client = new ClientSession();
    const frames = client.frames(client.request("kernel_info_request"));
    expect(frames[0]).toEqual(DELIMITER);
    expect(frames[1]).toEqual(Buffer.alloc(0));
    expect(decode(frames, new Signer("")).ok).toBe(true);
  });

  it("gives the four JSON parts for a WebSocket, which read back as the same message", () => {
    const client = new ClientSession();
    const request = client.request("execute_request", executeContent("x = 1"), { parent: { msg_id: "p" } });
    const parts = client.parts(request);
    expect(parts.map((part) => JSON.parse(part.toString()) as unknown)).toEqual([request.header, { msg_id: "p" }, {}, request.content]);
    const decoded = readParts(parts, [Buffer.from("b")]);
    expect(decoded.ok && decoded.message).toMatchObject({ header: request.header, parent_header: { msg_id: "p" }, content: request.content });
    expect(readParts([Buffer.from("[]"), parts[1], parts[2], parts[3]])).toEqual({ ok: false, reason: "header is not a JSON object" });
  });

  it("signs parts that are already serialised, as they are", () => {
    const client = new ClientSession({ key: KEY });
    const parts = [Buffer.from('{"msg_id":"a","msg_type":"x","session":"s"}'), Buffer.from("{}"), Buffer.from("{}"), Buffer.from('{"k": 1}')];
    const frames = client.sign(parts, [Buffer.from("buf")]);
    expect(frames.slice(2)).toEqual([...parts, Buffer.from("buf")]);
    const decoded = decode(frames, new Signer(KEY));
    expect(decoded.ok && decoded.message.content).toEqual({ k: 1 });
  });

  it("reads a kernel's reply, and refuses one signed with another key, unsigned, or replayed, with a reason", () => {
    const client = new ClientSession({ key: KEY });
    const request = client.request("kernel_info_request");
    const reply = fromKernel("kernel_info_reply", { status: "ok" }, request.header);
    const read = client.read(reply);
    expect(read.ok).toBe(true);
    if (read.ok) {
      expect(read.message.parent_header.msg_id).toBe(request.header.msg_id);
      expect(read.message.content).toEqual({ status: "ok" });
    }
    expect(client.read(reply)).toEqual({ ok: false, reason: "replayed signature" });
    expect(client.read(fromKernel("status", {}, {}, "other key"))).toEqual({ ok: false, reason: "bad signature" });
    const unsigned = fromKernel("status", {});
    unsigned[1] = Buffer.alloc(0);
    expect(client.read(unsigned)).toEqual({ ok: false, reason: "unsigned message" });
  });

  it("reads a kernel's frames raw: checked, the JSON left as the bytes that came", () => {
    const client = new ClientSession({ key: KEY });
    const frames = fromKernel("stream", { name: "stdout", text: "é" });
    const raw = client.readRaw(frames);
    expect(raw.ok).toBe(true);
    if (raw.ok) expect(raw.frames.parts).toEqual(frames.slice(2, 6));
    expect(client.readRaw(frames.slice(1))).toEqual({ ok: false, reason: "no <IDS|MSG> delimiter" });
  });
});

describe("execute requests and replies", () => {
  it("fills execute_request's content with jupyter_client's defaults, which options override", () => {
    expect(executeContent("print(1)")).toEqual({
      code: "print(1)",
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    expect(executeContent("x", { silent: true, allow_stdin: true })).toMatchObject({ code: "x", silent: true, allow_stdin: true, store_history: true });
  });

  it("knows the idle status that ends a request's output", () => {
    const status = (state: string) => ({ header: kernelHeaders.make("status"), content: { execution_state: state } });
    expect(isIdle(status("idle"))).toBe(true);
    expect(isIdle(status("busy"))).toBe(false);
    expect(isIdle({ header: kernelHeaders.make("stream"), content: { execution_state: "idle" } })).toBe(false);
  });
});

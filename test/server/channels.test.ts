// The kernel WebSocket without @jupyterlab/services' KernelConnection: the framings checked
// against the client library's own serializer, and the legacy JSON protocol (no subprotocol)
// spoken by hand to a real kernel.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
// The client library's own (de)serializer: what a browser page sends and expects.
import { deserialize, serialize } from "@jupyterlab/services/lib/kernel/serialize.js";
import type { KernelMessage } from "@jupyterlab/services";
import { ClientSession, executeContent, readParts } from "../../kernel/protocol/client.js";
import { decodeLegacy, decodeV1, encodeLegacy, encodeV1, V1_PROTOCOL } from "../../server/channels/ws-framing.js";
import { eventually, startTestServer, type TestServer } from "./server-harness.js";

const client = new ClientSession({ username: "test" });
const header = (msgType: string) => client.header(msgType);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("WebSocket framings", () => {
  it("v1: what the server encodes, @jupyterlab/services decodes, buffers included", () => {
    const h = header("display_data");
    const frame = encodeV1("iopub", [json(h), json({ msg_id: "p" }), json({ m: 1 }), json({ data: { "text/plain": "é" } })], [Buffer.from([1, 2, 3])]);
    const message = deserialize(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.length) as ArrayBuffer, V1_PROTOCOL);
    expect(message.channel).toBe("iopub");
    expect(message.header).toEqual(h);
    expect(message.parent_header).toEqual({ msg_id: "p" });
    expect(message.content).toEqual({ data: { "text/plain": "é" } });
    expect([...new Uint8Array((message.buffers![0] as DataView).buffer)]).toEqual([1, 2, 3]);
  });

  it("v1: what @jupyterlab/services encodes, the server decodes", () => {
    const h = header("execute_request");
    const wire = serialize(
      {
        channel: "shell",
        header: h,
        parent_header: {},
        metadata: {},
        content: { code: "x" },
        buffers: [new Uint8Array([9, 8])],
      } as unknown as KernelMessage.IMessage,
      V1_PROTOCOL,
    );
    const decoded = decodeV1(Buffer.from(wire as ArrayBuffer));
    expect(decoded.channel).toBe("shell");
    expect(JSON.parse(decoded.parts[0].toString())).toEqual(h);
    expect(JSON.parse(decoded.parts[3].toString())).toEqual({ code: "x" });
    expect(decoded.buffers).toEqual([Buffer.from([9, 8])]);
  });

  it("legacy: JSON text without buffers, the binary form with them, both ways", () => {
    const h = header("stream");
    const text = encodeLegacy("iopub", [json(h), json({}), json({}), json({ name: "stdout", text: "hi" })], []);
    expect(typeof text).toBe("string");
    expect(deserialize(text as unknown as ArrayBuffer)).toMatchObject({ channel: "iopub", msg_type: "stream", header: h, content: { text: "hi" } });
    const binary = encodeLegacy("iopub", [json(h), json({}), json({}), json({})], [Buffer.from([7])]) as Buffer;
    const parsed = deserialize(binary.buffer.slice(binary.byteOffset, binary.byteOffset + binary.length) as ArrayBuffer);
    expect([...new Uint8Array((parsed.buffers![0] as DataView).buffer)]).toEqual([7]);
    const back = decodeLegacy(
      Buffer.from(
        serialize({
          channel: "shell",
          header: h,
          parent_header: {},
          metadata: {},
          content: { a: 1 },
          buffers: [new Uint8Array([5])],
        } as unknown as KernelMessage.IMessage) as ArrayBuffer,
      ),
      true,
    );
    expect(back.channel).toBe("shell");
    expect(back.buffers).toEqual([Buffer.from([5])]);
    expect(JSON.parse(back.parts[3].toString())).toEqual({ a: 1 });
    // A legacy message that is JSON but not an object is refused (the bridge drops it).
    for (const text of ["null", "[1]", '"shell"']) expect(() => decodeLegacy(Buffer.from(text), false), text).toThrow(/not a JSON object/);
  });

  it("refuses malformed v1 frames instead of reading past the end", () => {
    expect(() => decodeV1(Buffer.alloc(4))).toThrow();
    const bad = Buffer.alloc(64);
    bad.writeBigUInt64LE(1000n, 0);
    expect(() => decodeV1(bad)).toThrow();
  });
});

describe("the legacy JSON protocol against a real kernel", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("runs a cell with text messages that carry a channel field", async () => {
    const started = await server.api("/api/kernels", { method: "POST", body: JSON.stringify({ name: "luci" }) });
    const { id } = (await started.json()) as { id: string };
    const ws = new WebSocket(`${server.running.baseUrl.replace(/^http/, "ws")}api/kernels/${id}/channels?session_id=legacy&token=${server.running.token}`);
    const received: Record<string, unknown>[] = [];
    let binaryFrames = 0;
    ws.on("message", (data, isBinary) => {
      if (isBinary) binaryFrames += 1;
      else
        received.push(
          JSON.parse((Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString()) as Record<string, unknown>,
        );
    });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    expect(ws.protocol).toBe("");
    const request = {
      header: header("execute_request"),
      parent_header: {},
      metadata: {},
      channel: "shell",
      buffers: [],
      content: executeContent("print('legacy ok')"),
    };
    ws.send(JSON.stringify(request));
    const reply = await eventually(() => received.find((m) => m.msg_type === "execute_reply"), 20_000, "execute_reply");
    expect(reply.channel).toBe("shell");
    expect((reply.parent_header as { msg_id: string }).msg_id).toBe(request.header.msg_id);
    expect((reply.content as { status: string }).status).toBe("ok");
    const stream = await eventually(() => received.find((m) => m.msg_type === "stream"), 10_000, "the stream");
    expect(stream).toMatchObject({ channel: "iopub", content: { name: "stdout", text: "legacy ok\n" } });
    expect(binaryFrames).toBe(0);
    ws.close();
  });
});

describe("a client that goes away and comes back", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  interface Seen {
    channel: string;
    msgType: string;
    parentId: string | undefined;
    content: Record<string, unknown>;
  }

  async function open(kernelId: string, sessionId: string): Promise<{ ws: WebSocket; seen: Seen[] }> {
    const ws = new WebSocket(
      `${server.running.baseUrl.replace(/^http/, "ws")}api/kernels/${kernelId}/channels?session_id=${sessionId}&token=${server.running.token}`,
      [V1_PROTOCOL],
    );
    const seen: Seen[] = [];
    ws.on("message", (data: Buffer) => {
      const m = decodeV1(data);
      const decoded = readParts(m.parts, m.buffers);
      if (!decoded.ok) throw new Error(`the server sent a malformed message: ${decoded.reason}`);
      const message = decoded.message;
      seen.push({ channel: m.channel, msgType: message.header.msg_type, parentId: message.parent_header.msg_id, content: message.content });
    });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return { ws, seen };
  }

  function execute(ws: WebSocket, code: string): string {
    const request = client.request("execute_request", executeContent(code));
    ws.send(encodeV1("shell", client.parts(request), []));
    return request.header.msg_id;
  }

  it("gets the reply and output it missed when it reconnects with its session_id, and no other client does", async () => {
    const started = await server.api("/api/kernels", { method: "POST", body: JSON.stringify({ name: "luci" }) });
    const { id } = (await started.json()) as { id: string };
    const first = await open(id, "client-a");
    // The cell prints only once the test releases it, which it does after client-a has gone, and
    // the test reconnects only once the cell has finished: its output can only come by replay.
    const release = join(mkdtempSync(join(tmpdir(), "luci-replay-")), "release");
    const msgId = execute(
      first.ws,
      `import os, time\ndeadline = time.monotonic() + 60\nwhile not os.path.exists(${JSON.stringify(release)}) and time.monotonic() < deadline:\n    time.sleep(0.02)\n` +
        "for i in range(3):\n    print(f'line {i}', flush=True)",
    );
    await eventually(() => first.seen.some((m) => m.parentId === msgId && m.msgType === "execute_input"), 30_000, "the cell to start");
    first.ws.close();
    const model = async () => (await (await server.api(`/api/kernels/${id}`)).json()) as { connections: number; execution_state: string };
    await eventually(async () => (await model()).connections === 0, 30_000, "the disconnection");
    // While nobody is connected the cell runs and finishes; its output waits for client-a.
    writeFileSync(release, "");
    await eventually(async () => (await model()).execution_state === "idle", 30_000, "the cell to finish");
    expect(first.seen.filter((m) => m.parentId === msgId && m.msgType === "stream")).toEqual([]);
    const back = await open(id, "client-a");
    const reply = await eventually(() => back.seen.find((m) => m.parentId === msgId && m.msgType === "execute_reply"), 30_000, "the missed reply");
    expect(reply.content.status).toBe("ok");
    // All of the cell's output reached client-a, and only through the reconnected socket.
    const printed = back.seen
      .filter((m) => m.parentId === msgId && m.msgType === "stream")
      .map((m) => m.content.text as string)
      .join("");
    expect(printed).toBe("line 0\nline 1\nline 2\n");
    back.ws.close();

    // Another client (another session_id) does not get client-a's buffer; the buffer is dropped.
    const second = await open(id, "client-b");
    const again = execute(second.ws, "print('b')");
    await eventually(() => second.seen.some((m) => m.parentId === again && m.msgType === "execute_reply"), 20_000, "client-b's reply");
    expect(second.seen.some((m) => m.parentId === msgId)).toBe(false);
    second.ws.close();
    expect((await server.api(`/api/kernels/${id}`, { method: "DELETE" })).status).toBe(204);
  });
});

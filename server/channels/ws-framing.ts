// The two ways a kernel message travels over the WebSocket (jupyter_server's
// kernels/connection/base.py):
// - v1.kernel.websocket.jupyter.org (binary): a little-endian u64 count n of offsets, n u64
//   offsets, then channel, header, parent_header, metadata, content and the buffers back to
//   back; offsets[i] is where part i starts, the last offset is the end. The JSON parts go
//   through untouched, so a message from the kernel is forwarded without being parsed.
// - the legacy form (no subprotocol): one JSON text message {header, parent_header, metadata,
//   content, channel, msg_id, msg_type, buffers: []}; with buffers, a binary message: a
//   big-endian u32 count, u32 offsets, the JSON, then the buffers.
import { isObject } from "../../kernel/common/json-file.js";
import type { Channel } from "../kernels/kernel-sockets.js";

export const V1_PROTOCOL = "v1.kernel.websocket.jupyter.org";

export interface WireParts {
  channel: string;
  /** header, parent_header, metadata, content as UTF-8 JSON. */
  parts: [Buffer, Buffer, Buffer, Buffer];
  buffers: Buffer[];
}

export function encodeV1(channel: Channel, parts: readonly Buffer[], buffers: readonly Buffer[]): Buffer {
  const pieces = [Buffer.from(channel, "utf8"), ...parts, ...buffers];
  const count = pieces.length + 1;
  const headerSize = 8 * (1 + count);
  const total = headerSize + pieces.reduce((sum, piece) => sum + piece.length, 0);
  const out = Buffer.allocUnsafe(total);
  out.writeBigUInt64LE(BigInt(count), 0);
  let offset = headerSize;
  pieces.forEach((piece, i) => {
    out.writeBigUInt64LE(BigInt(offset), 8 * (i + 1));
    piece.copy(out, offset);
    offset += piece.length;
  });
  out.writeBigUInt64LE(BigInt(offset), 8 * count);
  return out;
}

export function decodeV1(data: Buffer): WireParts {
  if (data.length < 8) throw new Error("message too short");
  const count = Number(data.readBigUInt64LE(0));
  if (count < 6 || 8 * (1 + count) > data.length) throw new Error("bad offset count");
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(Number(data.readBigUInt64LE(8 * (i + 1))));
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! < offsets[i - 1]! || offsets[i]! > data.length) throw new Error("bad offsets");
  }
  const slice = (i: number) => data.subarray(offsets[i], offsets[i + 1]);
  const buffers: Buffer[] = [];
  for (let i = 5; i < count - 1; i++) buffers.push(Buffer.from(slice(i)));
  return {
    channel: slice(0).toString("utf8"),
    parts: [Buffer.from(slice(1)), Buffer.from(slice(2)), Buffer.from(slice(3)), Buffer.from(slice(4))],
    buffers,
  };
}

/** The legacy JSON message; binary when there are buffers. */
export function encodeLegacy(channel: Channel, parts: readonly Buffer[], buffers: readonly Buffer[]): string | Buffer {
  // header, parent_header, metadata, content; a part the message lacks is an empty object.
  const part = (i: number): string => parts[i]?.toString("utf8") ?? "{}";
  const header: unknown = JSON.parse(part(0));
  const field = (name: string): string => (isObject(header) && typeof header[name] === "string" ? header[name] : "");
  const json =
    `{"header":${part(0)},"parent_header":${part(1)},"metadata":${part(2)},"content":${part(3)},` +
    `"channel":${JSON.stringify(channel)},"msg_id":${JSON.stringify(field("msg_id"))},"msg_type":${JSON.stringify(field("msg_type"))}` +
    (buffers.length === 0 ? `,"buffers":[]}` : "}");
  if (buffers.length === 0) return json;
  const pieces = [Buffer.from(json, "utf8"), ...buffers];
  const headerSize = 4 * (pieces.length + 1);
  const out = Buffer.allocUnsafe(headerSize + pieces.reduce((sum, p) => sum + p.length, 0));
  out.writeUInt32BE(pieces.length, 0);
  let offset = headerSize;
  pieces.forEach((piece, i) => {
    out.writeUInt32BE(offset, 4 * (i + 1));
    piece.copy(out, offset);
    offset += piece.length;
  });
  return out;
}

export function decodeLegacy(data: Buffer, isBinary: boolean): WireParts {
  let json: string;
  const buffers: Buffer[] = [];
  if (isBinary) {
    const count = data.readUInt32BE(0);
    if (count < 1 || 4 * (count + 1) > data.length) throw new Error("bad buffer count");
    const offsets: number[] = [];
    for (let i = 1; i <= count; i++) offsets.push(data.readUInt32BE(4 * i));
    json = data.subarray(offsets[0], offsets[1] ?? data.length).toString("utf8");
    for (let i = 1; i < count; i++) buffers.push(Buffer.from(data.subarray(offsets[i], offsets[i + 1] ?? data.length)));
  } else {
    json = data.toString("utf8");
  }
  const message: unknown = JSON.parse(json);
  if (!isObject(message)) throw new Error("not a JSON object");
  const part = (key: string) => Buffer.from(JSON.stringify(message[key] ?? {}), "utf8");
  return {
    channel: typeof message.channel === "string" ? message.channel : "",
    parts: [part("header"), part("parent_header"), part("metadata"), part("content")],
    buffers,
  };
}

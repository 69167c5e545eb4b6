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
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../http/json-depth.js";
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

/**
 * At most this many buffers in a message from a client (a widget's binary state has a few). The
 * count of offsets is checked against it before anything is read or allocated: a frame that
 * declares millions of offsets would otherwise cost a Buffer each.
 */
const MAX_BUFFERS = 1024;
/** channel, header, parent_header, metadata, content, the buffers, and the end. */
const MAX_V1_OFFSETS = 5 + MAX_BUFFERS + 1;

/**
 * The parts are views into `data`, not copies. Throws on any frame of the wrong shape: too few
 * or too many offsets, offsets out of the frame or going backwards.
 */
export function decodeV1(data: Buffer): WireParts {
  if (data.length < 8) throw new Error("message too short");
  const declared = data.readBigUInt64LE(0);
  if (declared < 6n || declared > BigInt(MAX_V1_OFFSETS)) throw new Error(`bad offset count ${declared} (6 to ${MAX_V1_OFFSETS})`);
  const count = Number(declared);
  const headerSize = 8 * (1 + count);
  if (headerSize > data.length) throw new Error("bad offset count");
  const offsets = new Array<number>(count);
  let previous = headerSize;
  for (let i = 0; i < count; i++) {
    const offset = data.readBigUInt64LE(8 * (i + 1));
    if (offset < BigInt(previous) || offset > BigInt(data.length)) throw new Error("bad offsets");
    offsets[i] = previous = Number(offset);
  }
  const slice = (i: number) => data.subarray(offsets[i], offsets[i + 1]);
  const buffers: Buffer[] = [];
  for (let i = 5; i < count - 1; i++) buffers.push(slice(i));
  return { channel: slice(0).toString("utf8"), parts: [slice(1), slice(2), slice(3), slice(4)], buffers };
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
    if (data.length < 4) throw new Error("message too short");
    const count = data.readUInt32BE(0);
    // Checked before anything is allocated, as in decodeV1: the JSON and at most MAX_BUFFERS buffers.
    if (count < 1 || count > 1 + MAX_BUFFERS || 4 * (count + 1) > data.length) throw new Error("bad buffer count");
    const offsets: number[] = [];
    let previous = 4 * (count + 1);
    for (let i = 1; i <= count; i++) {
      const offset = data.readUInt32BE(4 * i);
      if (offset < previous || offset > data.length) throw new Error("bad offsets");
      offsets.push((previous = offset));
    }
    json = data.subarray(offsets[0], offsets[1] ?? data.length).toString("utf8");
    for (let i = 1; i < count; i++) buffers.push(data.subarray(offsets[i], offsets[i + 1] ?? data.length));
  } else {
    json = data.toString("utf8");
  }
  if (nestedDeeperThan(json)) throw new Error(`JSON nested more than ${MAX_JSON_DEPTH} levels deep`);
  const message: unknown = JSON.parse(json);
  if (!isObject(message)) throw new Error("not a JSON object");
  const part = (key: string) => Buffer.from(JSON.stringify(message[key] ?? {}), "utf8");
  return {
    channel: typeof message.channel === "string" ? message.channel : "",
    parts: [part("header"), part("parent_header"), part("metadata"), part("content")],
    buffers,
  };
}

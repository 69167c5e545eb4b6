// The wire format: [identities..., "<IDS|MSG>", signature, header, parent, metadata, content, buffers...]
// decode() never throws: a frame list that is not a valid, signed message comes back as a
// rejection with a reason, so the transport can log it and act on nothing. It is two steps,
// unwrap (delimiter, frame count, signature) and parse (the four JSON objects), because a
// relay such as the server's WebSocket bridge checks signatures but forwards the JSON bytes
// as they came, without parsing them.
import type { Header, JsonObject, Message } from "./messages.js";
import type { Signer } from "./signer.js";
import { isObject } from "../common/json-file.js";

export const DELIMITER = Buffer.from("<IDS|MSG>");

/** A message's frames once its signature is checked: the four JSON parts still as bytes. */
export interface WireFrames {
  identities: Buffer[];
  /** header, parent_header, metadata, content: UTF-8 JSON. */
  parts: [Buffer, Buffer, Buffer, Buffer];
  buffers: Buffer[];
}

export type Unwrapped = { ok: true; frames: WireFrames } | { ok: false; reason: string };
export type Decoded = { ok: true; message: Message } | { ok: false; reason: string };

const REQUIRED_HEADER = ["msg_id", "msg_type", "session"] as const;
const PART_NAMES = ["header", "parent_header", "metadata", "content"] as const;

export function decode(frames: readonly Buffer[], signer: Signer): Decoded {
  const unwrapped = unwrap(frames, signer);
  return unwrapped.ok ? parse(unwrapped.frames) : unwrapped;
}

/** Finds the delimiter and checks the signature over the four JSON frames, as they travelled. */
export function unwrap(frames: readonly Buffer[], signer: Signer): Unwrapped {
  const at = frames.findIndex((frame) => frame.equals(DELIMITER));
  if (at < 0) return reject("no <IDS|MSG> delimiter");
  if (frames.length < at + 6) return reject(`too few frames (${frames.length - at - 1} after the delimiter, 5 needed)`);
  const parts: WireFrames["parts"] = [frames[at + 2]!, frames[at + 3]!, frames[at + 4]!, frames[at + 5]!];
  const problem = signer.verify(frames[at + 1]!, parts);
  if (problem) return reject(problem);
  return { ok: true, frames: { identities: frames.slice(0, at), parts, buffers: frames.slice(at + 6) } };
}

/** Parses the four JSON parts of a verified message (or of one that came over a WebSocket, unsigned). */
export function parse({ identities, parts, buffers }: WireFrames): Decoded {
  const [header, parent, metadata, content] = parts.map(parseObject);
  if (!header || !parent || !metadata || !content) {
    const index = [header, parent, metadata, content].indexOf(undefined);
    return reject(`${PART_NAMES[index] ?? "a part"} is not a JSON object`);
  }
  if (!isHeader(header)) {
    const missing = REQUIRED_HEADER.find((field) => typeof header[field] !== "string" || header[field] === "");
    return reject(`header.${missing ?? "msg_id"} missing`);
  }
  return { ok: true, message: { identities, header, parent_header: parent, metadata, content, buffers } };
}

export function encode(
  identities: readonly Buffer[],
  header: Header,
  parent: object,
  metadata: object,
  content: object,
  buffers: readonly Buffer[],
  signer: Signer,
): Buffer[] {
  const json = [header, parent, metadata, content].map((part) => Buffer.from(JSON.stringify(part)));
  return wrap(identities, json, buffers, signer);
}

/** Signs JSON parts that are already serialised (a relay's, or a test's deliberately odd ones) and frames them. */
export function wrap(identities: readonly Buffer[], parts: readonly Buffer[], buffers: readonly Buffer[], signer: Signer): Buffer[] {
  const signature = Buffer.from(signer.sign(parts));
  return [...identities, DELIMITER, signature, ...parts, ...buffers];
}

/**
 * A header with the fields the kernel relies on: msg_id, msg_type and session, non-empty strings.
 * username, date and version are passed on as the client sent them, unchecked: every Jupyter
 * client sends them, and nothing in Luci reads them.
 */
function isHeader(header: JsonObject): header is Header {
  return REQUIRED_HEADER.every((field) => typeof header[field] === "string" && header[field] !== "");
}

function parseObject(frame: Buffer): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(frame.toString("utf8"));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function reject(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

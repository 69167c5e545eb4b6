// The wire format: [identities..., "<IDS|MSG>", signature, header, parent, metadata, content, buffers...]
// decode() never throws: a frame list that is not a valid, signed message comes back as a
// rejection with a reason, so the transport can log it and act on nothing.
import type { Header, JsonObject, Message } from "./messages.js";
import type { Signer } from "./signer.js";

export const DELIMITER = Buffer.from("<IDS|MSG>");

export type Decoded = { ok: true; message: Message } | { ok: false; reason: string };

const REQUIRED_HEADER = ["msg_id", "msg_type", "session"] as const;

export function decode(frames: readonly Buffer[], signer: Signer): Decoded {
  const at = frames.findIndex((frame) => frame.equals(DELIMITER));
  if (at < 0) return reject("no <IDS|MSG> delimiter");
  if (frames.length < at + 6) return reject(`too few frames (${frames.length - at - 1} after the delimiter, 5 needed)`);
  const signature = frames[at + 1]!;
  const signed = frames.slice(at + 2, at + 6);
  const problem = signer.verify(signature, signed);
  if (problem) return reject(problem);

  const parts: JsonObject[] = [];
  for (const [index, frame] of signed.entries()) {
    const parsed = parseObject(frame);
    if (!parsed) return reject(`${["header", "parent_header", "metadata", "content"][index]} is not a JSON object`);
    parts.push(parsed);
  }
  const [header, parent, metadata, content] = parts as [JsonObject, JsonObject, JsonObject, JsonObject];
  for (const field of REQUIRED_HEADER) {
    if (typeof header[field] !== "string" || header[field] === "") return reject(`header.${field} missing`);
  }
  return {
    ok: true,
    message: {
      identities: frames.slice(0, at),
      header: header as Header,
      parent_header: parent,
      metadata,
      content,
      buffers: frames.slice(at + 6),
    },
  };
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
  const signature = Buffer.from(signer.sign(json));
  return [...identities, DELIMITER, signature, ...json, ...buffers];
}

function parseObject(frame: Buffer): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(frame.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

function reject(reason: string): Decoded {
  return { ok: false, reason };
}

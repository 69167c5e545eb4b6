// Reading a file the contents API serves. Only a regular file is read: a named pipe (a FIFO
// called notebook.ipynb) would block a synchronous read until something writes to it, and a
// device such as /dev/zero (reached through a link inside the root) never ends. The file is
// opened without blocking (O_NONBLOCK: opening a FIFO for reading waits for a writer otherwise),
// checked on the open descriptor (so it cannot be swapped between the check and the read), and
// read asynchronously, at most its size and at most MAX_READ.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { HttpError } from "../http/respond.js";

/** The largest file the API opens; a request body (a save) has the same limit. */
const MAX_READ = 256 * 1024 * 1024;

export async function readRegularFile(osPath: string, apiPath: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(osPath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new HttpError(404, `No such file: ${apiPath}`, { cause: err });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notRegular(apiPath);
    if (stats.size > MAX_READ) throw new HttpError(413, `${apiPath} is larger than ${MAX_READ / 1024 / 1024} MB and is not opened`);
    const bytes = Buffer.allocUnsafe(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break; // the file shrank meanwhile
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

export function notRegular(apiPath: string): HttpError {
  return new HttpError(400, `${apiPath} is not a regular file (a pipe, socket or device is never read)`);
}

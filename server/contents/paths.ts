// Every contents path stays inside the root. An API path is relative to the root, '/'-separated,
// as the client sent it (URL-decoded once). Refused with 404, as jupyter_server does for paths
// "outside root contents directory": '..' segments, absolute paths, NUL bytes, hidden names
// (a segment starting with '.': .git, .env, .ipynb_checkpoints). Refused with 403: a path whose
// real location (symlinks resolved) is outside the root's real location. The server's own
// hidden files (checkpoints in .ipynb_checkpoints/) go through the same real-location check
// (`internal`): a .ipynb_checkpoints that is a link out of the root (shipped in a cloned
// repository or an archive) would otherwise have checkpoints written, read and deleted wherever
// it points.
import { lstatSync, realpathSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { HttpError } from "../http/respond.js";

export interface ResolvedPath {
  /** The normalised API path: no leading or trailing slash, "" for the root. */
  api: string;
  /** Absolute OS path inside the root. */
  os: string;
}

export class RootedPaths {
  readonly root: string;
  private readonly realRoot: string;

  constructor(root: string) {
    this.root = root;
    this.realRoot = realpathSync(root);
  }

  /** `raw` is the path part after /api/contents, possibly with one leading slash. */
  resolve(raw: string): ResolvedPath {
    const trimmed = raw.startsWith("/") ? raw.slice(1) : raw;
    const api = trimmed.replace(/\/+$/, "");
    if (api.includes("\0")) throw new HttpError(400, "invalid path");
    if (api.startsWith("/") || isAbsolute(api) || /^[A-Za-z]:[\\/]/.test(api)) throw outside(raw);
    const segments = api === "" ? [] : api.split("/");
    for (const segment of segments) {
      if (segment === ".." || segment === "." || segment === "" || segment.includes("\\")) throw outside(raw);
      if (segment.startsWith(".")) throw new HttpError(404, `No such file or directory: ${api}`);
      // A file system's limit for one name (NAME_MAX); the temporary name of an atomic write adds ~20 bytes.
      if (Buffer.byteLength(segment) > 230) throw new HttpError(400, `name too long: ${segment.slice(0, 40)}…`);
    }
    const os = join(this.root, ...segments);
    const back = relative(this.root, os);
    if (back.startsWith("..") || isAbsolute(back)) throw outside(raw);
    this.checkReal(os, api);
    return { api, os };
  }

  /** The API path of a child entry of a resolved directory. */
  child(dir: ResolvedPath, name: string): ResolvedPath {
    return { api: dir.api === "" ? name : `${dir.api}/${name}`, os: join(dir.os, name) };
  }

  /**
   * A path of the server's own under a resolved path's folder (hidden names allowed: they are
   * ours, not the client's), with the same real-location check as resolve().
   */
  internal(beside: ResolvedPath, ...segments: string[]): string {
    const os = join(beside.os, "..", ...segments);
    const back = relative(this.root, os);
    if (back.startsWith("..") || isAbsolute(back)) throw outside(beside.api);
    this.checkReal(os, beside.api);
    return os;
  }

  /** Whether an OS path (a directory entry) really lies inside the root, symlinks resolved. */
  isInside(osPath: string): boolean {
    try {
      return within(this.realRoot, realpathSync(osPath));
    } catch {
      return false; // a broken symlink: not listed, not served
    }
  }

  /**
   * The deepest existing part of the path, symlinks resolved, must be inside the root; a
   * dangling symlink is refused too (a write through it would land wherever it points).
   */
  private checkReal(osPath: string, api: string): void {
    let probe = osPath;
    for (;;) {
      let isLink: boolean;
      try {
        isLink = lstatSync(probe).isSymbolicLink();
      } catch {
        const parent = join(probe, "..");
        if (parent === probe) return;
        probe = parent;
        continue;
      }
      let real: string;
      try {
        real = realpathSync(probe);
      } catch {
        if (isLink) throw new HttpError(403, `Permission denied: ${api} is a link to nowhere inside the root`);
        return;
      }
      if (!within(this.realRoot, real)) throw new HttpError(403, `Permission denied: ${api} is outside the root`);
      return;
    }
  }
}

function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function outside(raw: string): HttpError {
  return new HttpError(404, `${raw} is outside root contents directory`);
}

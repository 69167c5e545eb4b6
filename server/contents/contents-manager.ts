// The files of the notebook folder as Jupyter "contents" models (jupyter_server's
// FileContentsManager): directories, notebooks and files, read, saved, created, renamed and
// deleted. Paths are checked by RootedPaths first; every write is atomic; only regular files are
// read, asynchronously (read-regular.ts), and a notebook nested too deeply for the JSON
// functions to walk is refused before it is parsed.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, type Stats } from "node:fs";
import { createHash } from "node:crypto";
import { extname } from "node:path";
import { errorMessage } from "../../kernel/common/errors.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../http/json-depth.js";
import { HttpError } from "../http/respond.js";
import { writeFileAtomic } from "./atomic-write.js";
import { Checkpoints } from "./checkpoints.js";
import { emptyNotebook, serializeNotebook } from "./notebook-format.js";
import { RootedPaths, type ResolvedPath } from "./paths.js";
import { notRegular, readRegularFile } from "./read-regular.js";

type ContentType = "directory" | "notebook" | "file";

export interface ContentsModel {
  name: string;
  path: string;
  type: ContentType;
  writable: boolean;
  created: string;
  last_modified: string;
  size: number | null;
  mimetype: string | null;
  content: unknown;
  format: "json" | "text" | "base64" | null;
  /** sha256 of the file's bytes, when asked for with hash=1 (jupyter_server 2.11's field). */
  hash?: string | null;
  hash_algorithm?: string;
}

export interface GetOptions {
  content: boolean;
  hash?: boolean;
  type?: string | undefined;
  format?: string | undefined;
}

const MIME: Record<string, string> = {
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".py": "text/x-python",
  ".csv": "text/csv",
  ".json": "application/json",
  ".html": "text/html",
  ".css": "text/css",
  ".js": "application/javascript",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".pdf": "application/pdf",
  ".yaml": "text/yaml",
  ".yml": "text/yaml",
};

export class ContentsManager {
  readonly paths: RootedPaths;
  readonly checkpoints: Checkpoints;

  constructor(root: string) {
    this.paths = new RootedPaths(root);
    this.checkpoints = new Checkpoints(this.paths);
  }

  async get(raw: string, options: GetOptions): Promise<ContentsModel> {
    const path = this.paths.resolve(raw);
    const stats = statOrNull(path.os);
    if (!stats) throw new HttpError(404, `No such file or directory: ${path.api}`);
    if (!stats.isFile() && !stats.isDirectory()) throw notRegular(path.api);
    const type = typeOf(path, stats, options.type);
    if (options.type && options.type !== type) {
      throw new HttpError(400, `${path.api} is not a ${options.type === "directory" ? "directory" : options.type}`);
    }
    if (type === "directory") return this.directoryModel(path, stats, options.content);
    const bytes = options.content || options.hash ? await readRegularFile(path.os, path.api) : undefined;
    const content = options.content ? bytes : undefined;
    const model = type === "notebook" ? this.notebookModel(path, stats, content) : this.fileModel(path, stats, content, options.format);
    return bytes && options.hash ? { ...model, hash: createHash("sha256").update(bytes).digest("hex"), hash_algorithm: "sha256" } : model;
  }

  /** PUT: saves a model; `created` tells 201 from 200. */
  async save(raw: string, model: Record<string, unknown>): Promise<{ model: ContentsModel; created: boolean }> {
    const path = this.paths.resolve(raw);
    if (path.api === "") throw new HttpError(400, "cannot save the root folder");
    const type = model.type;
    if (type !== "notebook" && type !== "file" && type !== "directory") throw new HttpError(400, "No file type provided");
    if (model.chunk !== undefined) throw new HttpError(400, "chunked uploads are not supported");
    if (type !== "directory" && model.content === undefined) throw new HttpError(400, "No file content provided");
    const existed = existsSync(path.os);
    this.requireParent(path);
    if (existed && type !== "directory" && statSync(path.os).isDirectory()) throw new HttpError(400, `${path.api} is a directory`);
    if (type === "directory") {
      if (existed && !statSync(path.os).isDirectory()) throw new HttpError(400, `${path.api} exists and is not a directory`);
      mkdirSync(path.os, { recursive: true });
    } else if (type === "notebook") {
      let text: string;
      try {
        text = serializeNotebook(model.content);
      } catch (err) {
        throw new HttpError(400, `Unacceptable notebook: ${errorMessage(err)}`, { cause: err });
      }
      writeFileAtomic(path.os, text);
    } else {
      writeFileAtomic(path.os, fileBytes(model.content, model.format));
    }
    // The model's type then follows the file (a "notebook" saved as notes.txt is a file), as in jupyter_server.
    return { model: await this.get(path.api, { content: false }), created: !existed };
  }

  /** POST: a new untitled notebook, file or directory in folder `raw`, or a copy of `copyFrom`. */
  async create(raw: string, body: { type?: unknown; ext?: unknown; copy_from?: unknown }): Promise<ContentsModel> {
    const dir = this.paths.resolve(raw);
    const dirStats = statOrNull(dir.os);
    if (!dirStats?.isDirectory()) throw new HttpError(404, `No such directory: ${dir.api}`);
    if (typeof body.copy_from === "string" && body.copy_from !== "") {
      const source = this.paths.resolve(body.copy_from);
      const stats = statOrNull(source.os);
      if (!stats) throw new HttpError(404, `No such file: ${source.api}`);
      if (stats.isDirectory()) throw new HttpError(400, "cannot copy a directory");
      const bytes = await readRegularFile(source.os, source.api);
      const ext = extname(source.os);
      const base = source.os.slice(source.os.lastIndexOf("/") + 1, source.os.length - ext.length);
      const target = this.freeName(dir, (n) => `${base}-Copy${n}${ext}`, 1);
      writeFileAtomic(target.os, bytes);
      return this.get(target.api, { content: false });
    }
    const type = body.type === undefined ? "file" : body.type;
    if (type === "directory") {
      const target = this.freeName(dir, (n) => (n === 0 ? "Untitled Folder" : `Untitled Folder ${n}`), 0);
      mkdirSync(target.os);
      return this.get(target.api, { content: false });
    }
    if (type === "notebook") {
      const target = this.freeName(dir, (n) => `Untitled${n === 0 ? "" : n}.ipynb`, 0);
      writeFileAtomic(target.os, serializeNotebook(emptyNotebook()));
      return this.get(target.api, { content: false });
    }
    if (type !== "file") throw new HttpError(400, `unknown type ${JSON.stringify(type)}`);
    const ext = typeof body.ext === "string" ? body.ext : "";
    const target = this.freeName(dir, (n) => `untitled${n === 0 ? "" : n}${ext}`, 0);
    writeFileAtomic(target.os, "");
    return this.get(target.api, { content: false });
  }

  /** PATCH: rename (move) within the root. */
  async rename(raw: string, newRaw: string): Promise<ContentsModel> {
    const from = this.paths.resolve(raw);
    const to = this.paths.resolve(newRaw);
    if (from.api === "" || to.api === "") throw new HttpError(400, "cannot rename the root folder");
    if (!existsSync(from.os)) throw new HttpError(404, `No such file or directory: ${from.api}`);
    if (from.os === to.os) return this.get(to.api, { content: false });
    if (existsSync(to.os)) throw new HttpError(409, `File already exists: ${to.api}`);
    if (to.api.startsWith(`${from.api}/`)) throw new HttpError(400, `cannot move ${from.api} into itself`);
    this.requireParent(to);
    this.checkpoints.check(from);
    this.checkpoints.check(to);
    renameSync(from.os, to.os);
    this.checkpoints.renamed(from, to);
    return this.get(to.api, { content: false });
  }

  /** DELETE: a file, or a directory that holds nothing but checkpoints. */
  delete(raw: string): void {
    const path = this.paths.resolve(raw);
    if (path.api === "") throw new HttpError(400, "cannot delete the root folder");
    const stats = statOrNull(path.os);
    if (!stats) throw new HttpError(404, `File or directory does not exist: ${path.api}`);
    if (stats.isDirectory()) {
      const rest = readdirSync(path.os).filter((name) => name !== ".ipynb_checkpoints");
      if (rest.length > 0) throw new HttpError(400, `Directory ${path.api} not empty`);
      rmSync(path.os, { recursive: true, force: true });
      return;
    }
    this.checkpoints.check(path);
    rmSync(path.os);
    this.checkpoints.removeAll(path);
  }

  private requireParent(path: ResolvedPath): void {
    const parent = path.api.includes("/") ? path.api.slice(0, path.api.lastIndexOf("/")) : "";
    const resolved = this.paths.resolve(parent);
    if (!statOrNull(resolved.os)?.isDirectory()) throw new HttpError(404, `No such directory: ${parent}`);
  }

  private freeName(dir: ResolvedPath, name: (n: number) => string, first: number): ResolvedPath {
    for (let n = first; n < 10_000; n++) {
      const candidate = this.paths.child(dir, name(n));
      if (!existsSync(candidate.os)) return candidate;
    }
    throw new HttpError(409, "no free name");
  }

  private directoryModel(path: ResolvedPath, stats: Stats, withContent: boolean): ContentsModel {
    const model = baseModel(path, stats, "directory");
    if (!withContent) return model;
    const children: ContentsModel[] = [];
    for (const name of readdirSync(path.os).sort()) {
      if (name.startsWith(".")) continue;
      const child = this.paths.child(path, name);
      if (!this.paths.isInside(child.os)) continue; // a symlink out of the root is not listed
      const childStats = statOrNull(child.os);
      if (!childStats || !(childStats.isFile() || childStats.isDirectory())) continue;
      const type = typeOf(child, childStats, undefined);
      children.push({ ...baseModel(child, childStats, type), ...(type === "file" ? { mimetype: mimeOf(child.os) } : {}) });
    }
    return { ...model, content: children, format: "json" };
  }

  private notebookModel(path: ResolvedPath, stats: Stats, bytes: Buffer | undefined): ContentsModel {
    const model = baseModel(path, stats, "notebook");
    if (!bytes) return model;
    const text = bytes.toString("utf8");
    if (nestedDeeperThan(text)) throw new HttpError(400, `Unreadable Notebook: ${path.api} is nested more than ${MAX_JSON_DEPTH} levels deep`);
    let content: unknown;
    try {
      content = JSON.parse(text);
    } catch (err) {
      throw new HttpError(400, `Unreadable Notebook: ${path.api} ${errorMessage(err)}`, { cause: err });
    }
    return { ...model, content, format: "json" };
  }

  private fileModel(path: ResolvedPath, stats: Stats, bytes: Buffer | undefined, format: string | undefined): ContentsModel {
    const model = { ...baseModel(path, stats, "file"), mimetype: mimeOf(path.os) };
    if (!bytes) return model;
    if (format !== "base64") {
      const text = new TextDecoder("utf-8", { fatal: true });
      try {
        return { ...model, content: text.decode(bytes), format: "text", mimetype: model.mimetype ?? "text/plain" };
      } catch {
        if (format === "text") throw new HttpError(400, `${path.api} is not UTF-8 encoded`);
      }
    }
    return { ...model, content: bytes.toString("base64"), format: "base64", mimetype: model.mimetype ?? "application/octet-stream" };
  }
}

function baseModel(path: ResolvedPath, stats: Stats, type: ContentType): ContentsModel {
  return {
    name: path.api.slice(path.api.lastIndexOf("/") + 1),
    path: path.api,
    type,
    writable: (stats.mode & 0o200) !== 0,
    created: (stats.birthtimeMs > 0 ? stats.birthtime : stats.ctime).toISOString(),
    last_modified: stats.mtime.toISOString(),
    size: type === "directory" ? null : stats.size,
    mimetype: null,
    content: null,
    format: null,
    hash: null,
  };
}

function typeOf(path: ResolvedPath, stats: Stats, requested: string | undefined): ContentType {
  if (stats.isDirectory()) return "directory";
  if (requested === "file" || requested === "notebook") return requested;
  return path.os.toLowerCase().endsWith(".ipynb") ? "notebook" : "file";
}

function mimeOf(osPath: string): string | null {
  return MIME[extname(osPath).toLowerCase()] ?? null;
}

function fileBytes(content: unknown, format: unknown): Buffer {
  if (typeof content !== "string") throw new HttpError(400, "file content must be a string");
  if (format === "base64") return Buffer.from(content, "base64");
  if (format === "text" || format === undefined || format === null) return Buffer.from(content, "utf8");
  throw new HttpError(400, `Must specify format of file contents as 'text' or 'base64'`);
}

function statOrNull(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

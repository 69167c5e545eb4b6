// Sessions tie a path (a notebook) to a kernel (jupyter_server's SessionManager, kept in
// memory as jupyter_server keeps it in an in-memory SQLite table). Creating a session starts
// its kernel in the notebook's folder with JPY_SESSION_NAME = the notebook's absolute path;
// deleting it stops the kernel.
import { randomUUID } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { isObject } from "../../kernel/common/json-file.js";
import { HttpError } from "../http/respond.js";
import type { KernelManager } from "../kernels/kernel-manager.js";
import type { KernelModel } from "../kernels/managed-kernel.js";
import type { RootedPaths } from "../contents/paths.js";

interface SessionRecord {
  id: string;
  path: string;
  name: string;
  type: string;
  kernelId: string;
}

export interface SessionModel {
  id: string;
  path: string;
  name: string;
  type: string;
  kernel: KernelModel;
  notebook: { path: string; name: string };
}

export interface SessionRequest {
  path?: unknown;
  name?: unknown;
  type?: unknown;
  kernel?: unknown;
  /** Older clients send the path as notebook.path. */
  notebook?: unknown;
}

export class SessionManager {
  private readonly sessions = new Map<string, SessionRecord>();

  constructor(
    private readonly kernels: KernelManager,
    private readonly paths: RootedPaths,
  ) {}

  /** Sessions whose kernel is gone (shut down, culled) are forgotten, as jupyter_server does. */
  list(): SessionModel[] {
    return [...this.sessions.values()].flatMap((record) => {
      const model = this.modelOf(record);
      return model ? [model] : [];
    });
  }

  get(id: string): SessionModel {
    const record = this.sessions.get(id);
    const model = record && this.modelOf(record);
    if (!model) throw new HttpError(404, `Session not found: ${id}`);
    return model;
  }

  async create(body: SessionRequest): Promise<SessionModel> {
    const path = stringField(body.path, "path") ?? stringField(isObject(body.notebook) ? body.notebook.path : undefined, "notebook.path");
    if (path === undefined) throw new HttpError(400, "No path provided");
    const type = stringField(body.type, "type") ?? "notebook";
    const name = stringField(body.name, "name") ?? "";
    // As jupyter_server: a path that already has a session gets that session (and its kernel),
    // so a page opened twice, or reloaded, shares one kernel per notebook.
    // A session whose kernel died gets a new kernel of the same kind.
    const existing = this.list().find((session) => session.path === path);
    if (existing?.kernel.execution_state === "dead") return this.update(existing.id, { kernel: { name: existing.kernel.name } });
    if (existing) return existing;
    const kernelId = await this.kernelFor(body.kernel, path, type);
    const record: SessionRecord = { id: randomUUID(), path, name, type, kernelId };
    this.sessions.set(record.id, record);
    return this.get(record.id);
  }

  /** PATCH: a new path, name or type; a kernel {id} to use, or {name} to start (the old kernel is stopped). */
  async update(id: string, body: SessionRequest): Promise<SessionModel> {
    const record = this.sessions.get(id);
    if (!record || !this.modelOf(record)) throw new HttpError(404, `Session not found: ${id}`);
    const path = stringField(body.path, "path");
    const name = stringField(body.name, "name");
    const type = stringField(body.type, "type");
    const moved = (path !== undefined && path !== record.path) || (type !== undefined && type !== record.type);
    if (path !== undefined) record.path = path;
    if (name !== undefined) record.name = name;
    if (type !== undefined) record.type = type;
    // A renamed or moved notebook: its kernel restarts as the notebook's new path, as
    // jupyter_server's update_env makes it (the kernel then takes its environment along).
    if (moved && this.kernels.has(record.kernelId)) this.kernels.get(record.kernelId).relocate(this.placeFor(record.path, record.type));
    if (body.kernel !== undefined && body.kernel !== null) {
      const old = record.kernelId;
      const next = await this.kernelFor(body.kernel, record.path, record.type);
      record.kernelId = next;
      const stillUsed = [...this.sessions.values()].some((s) => s.kernelId === old);
      if (next !== old && !stillUsed && this.kernels.has(old)) await this.kernels.shutdown(old);
    }
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    const record = this.sessions.get(id);
    if (!record) throw new HttpError(404, `Session not found: ${id}`);
    this.sessions.delete(id);
    const stillUsed = [...this.sessions.values()].some((s) => s.kernelId === record.kernelId);
    if (!stillUsed && this.kernels.has(record.kernelId)) await this.kernels.shutdown(record.kernelId);
  }

  private async kernelFor(kernel: unknown, path: string, type: string): Promise<string> {
    const request = (typeof kernel === "object" && kernel !== null ? kernel : {}) as { id?: unknown; name?: unknown };
    if (typeof request.id === "string" && request.id !== "") return this.kernels.get(request.id).id;
    const name = typeof request.name === "string" ? request.name : undefined;
    return (await this.kernels.start(name, this.placeFor(path, type))).id;
  }

  /**
   * The kernel runs in the notebook's folder; a notebook path names the notebook for the kernel.
   * A path that is not a valid path inside the root (a console's made-up name) runs in the root.
   */
  private placeFor(path: string, type: string): { cwd: string; notebook?: string } {
    let resolved;
    try {
      resolved = this.paths.resolve(path);
    } catch {
      return { cwd: this.paths.root };
    }
    const folder = dirname(resolved.os);
    const cwd = existsSync(folder) && statSync(folder).isDirectory() ? folder : this.paths.root;
    return type === "notebook" || resolved.os.endsWith(".ipynb") ? { cwd, notebook: resolved.os } : { cwd };
  }

  private modelOf(record: SessionRecord): SessionModel | undefined {
    if (!this.kernels.has(record.kernelId)) {
      this.sessions.delete(record.id);
      return undefined;
    }
    const kernel = this.kernels.get(record.kernelId).model;
    return {
      id: record.id,
      path: record.path,
      name: record.name,
      type: record.type,
      kernel,
      notebook: { path: record.path, name: record.name },
    };
  }
}

function stringField(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new HttpError(400, `${name} must be a string`);
  return value;
}

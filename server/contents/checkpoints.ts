// Checkpoints as jupyter_server's FileCheckpoints keeps them: one per file, with the id
// "checkpoint", at <folder>/.ipynb_checkpoints/<name>-checkpoint<ext>. JupyterLab makes one when
// a notebook is opened and offers "Revert to checkpoint". The folder is hidden, so the contents
// API never serves it directly. Every checkpoint path comes from RootedPaths.internal, with the
// root checks of every other path: a .ipynb_checkpoints (or a checkpoint file) that is a link out
// of the root is refused (403) before anything is read, written or deleted.
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, extname } from "node:path";
import { HttpError } from "../http/respond.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { ResolvedPath, RootedPaths } from "./paths.js";
import { readRegularFile } from "./read-regular.js";

export interface CheckpointModel {
  id: string;
  last_modified: string;
}

const ID = "checkpoint";

export class Checkpoints {
  constructor(private readonly paths: RootedPaths) {}

  list(file: ResolvedPath): CheckpointModel[] {
    const path = this.pathOf(file);
    return existsSync(path) ? [model(path)] : [];
  }

  async create(file: ResolvedPath): Promise<CheckpointModel> {
    const path = this.pathOf(file);
    if (!existsSync(file.os) || statSync(file.os).isDirectory()) throw new HttpError(404, `No such file: ${file.api}`);
    const bytes = await readRegularFile(file.os, file.api);
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, bytes);
    return model(path);
  }

  async restore(file: ResolvedPath, id: string): Promise<void> {
    const path = this.existing(file, id);
    writeFileAtomic(file.os, await readRegularFile(path, `${file.api}@${id}`));
  }

  delete(file: ResolvedPath, id: string): void {
    rmSync(this.existing(file, id));
  }

  /** Throws (403) if the file's checkpoint may not be touched: call before renaming or deleting the file. */
  check(file: ResolvedPath): void {
    this.pathOf(file);
  }

  renamed(from: ResolvedPath, to: ResolvedPath): void {
    const path = this.pathOf(from);
    if (!existsSync(path)) return;
    const target = this.pathOf(to);
    mkdirSync(dirname(target), { recursive: true });
    renameSync(path, target);
  }

  removeAll(file: ResolvedPath): void {
    rmSync(this.pathOf(file), { force: true });
  }

  private existing(file: ResolvedPath, id: string): string {
    const path = this.pathOf(file);
    if (id !== ID || !existsSync(path)) throw new HttpError(404, `Checkpoint does not exist: ${file.api}@${id}`);
    return path;
  }

  private pathOf(file: ResolvedPath): string {
    const ext = extname(file.os);
    return this.paths.internal(file, ".ipynb_checkpoints", `${basename(file.os, ext)}-${ID}${ext}`);
  }
}

function model(path: string): CheckpointModel {
  return { id: ID, last_modified: statSync(path).mtime.toISOString() };
}

// Checkpoints as jupyter_server's FileCheckpoints keeps them: one per file, with the id
// "checkpoint", at <folder>/.ipynb_checkpoints/<name>-checkpoint<ext>. JupyterLab makes one when
// a notebook is opened and offers "Revert to checkpoint". The folder is hidden, so the contents
// API never serves it directly.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { HttpError } from "../http/respond.js";
import { writeFileAtomic } from "./atomic-write.js";

export interface CheckpointModel {
  id: string;
  last_modified: string;
}

const ID = "checkpoint";

export class Checkpoints {
  list(file: string): CheckpointModel[] {
    const path = checkpointPath(file);
    return existsSync(path) ? [model(path)] : [];
  }

  create(file: string): CheckpointModel {
    if (!existsSync(file) || statSync(file).isDirectory()) throw new HttpError(404, `No such file: ${basename(file)}`);
    const path = checkpointPath(file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, readFileSync(file));
    return model(path);
  }

  restore(file: string, id: string): void {
    const path = this.existing(file, id);
    writeFileAtomic(file, readFileSync(path));
  }

  delete(file: string, id: string): void {
    rmSync(this.existing(file, id));
  }

  renamed(from: string, to: string): void {
    const path = checkpointPath(from);
    if (!existsSync(path)) return;
    const target = checkpointPath(to);
    mkdirSync(dirname(target), { recursive: true });
    renameSync(path, target);
  }

  removeAll(file: string): void {
    rmSync(checkpointPath(file), { force: true });
  }

  private existing(file: string, id: string): string {
    const path = checkpointPath(file);
    if (id !== ID || !existsSync(path)) throw new HttpError(404, `Checkpoint does not exist: ${basename(file)}@${id}`);
    return path;
  }
}

function checkpointPath(file: string): string {
  const ext = extname(file);
  const name = basename(file, ext);
  return join(dirname(file), ".ipynb_checkpoints", `${name}-${ID}${ext}`);
}

function model(path: string): CheckpointModel {
  return { id: ID, last_modified: statSync(path).mtime.toISOString() };
}

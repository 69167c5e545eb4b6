// Settings remembered per notebook on this machine (the model a notebook uses, its executor and
// container limits): one JSON file per kind in the user's Luci data folder, keyed by the
// notebook's path, changed under a lock and replaced atomically so a crash mid-write loses nothing.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { withLock } from "../environments/file-lock.js";
import { luciDataDir } from "./user-data.js";
import { writeJsonAtomic } from "./json-file.js";

export class NotebookState<T extends object> {
  constructor(
    private readonly fileName: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get file(): string {
    const dir = this.env.LUCI_STATE_DIR || luciDataDir(this.env);
    return join(dir, this.fileName);
  }

  /** What is remembered for the notebook ({} for none, or an unreadable file). */
  get(notebookPath: string | undefined): Partial<T> {
    if (!notebookPath) return {};
    return this.readAll()[notebookPath] ?? {};
  }

  /** Replaces what is remembered for the notebook (undefined fields are dropped). */
  async set(notebookPath: string, value: Partial<T>): Promise<void> {
    const file = this.file;
    mkdirSync(dirname(file), { recursive: true });
    await withLock(`${file}.lock`, async () => {
      const all = this.readAll();
      all[notebookPath] = JSON.parse(JSON.stringify(value)) as Partial<T>;
      writeJsonAtomic(file, all);
    });
  }

  private readAll(): Record<string, Partial<T>> {
    try {
      const file = this.file;
      const parsed: unknown = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
      return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, Partial<T>>) : {};
    } catch {
      return {}; // an unreadable file only means nothing is remembered
    }
  }
}

// Settings remembered per notebook on this machine (the model a notebook uses, its executor and
// container limits): one JSON file per kind in the user's Luci data folder, keyed by the
// notebook's path, changed under a lock and replaced atomically so a crash mid-write loses nothing.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { withLock } from "./file-lock.js";
import { luciDataDir } from "./user-data.js";
import { setting } from "./settings.js";
import { isObject, readJson, writeJsonAtomic } from "./json-file.js";
import { parseShape, type Shape } from "./shape.js";

export class NotebookState<T extends object> {
  /**
   * `entryShape` checks each notebook's entry as it is read (the file is outside the kernel: an
   * older Luci, a person or a crash may have left anything there); an entry that fails it is
   * left out, as an unreadable file is.
   */
  constructor(
    private readonly fileName: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly entryShape: Shape<Partial<T>>,
  ) {}

  get file(): string {
    const dir = setting(this.env, "LUCI_STATE_DIR") ?? luciDataDir(this.env);
    return join(dir, this.fileName);
  }

  /** What is remembered for the notebook ({} for none, or an unreadable file). */
  get(notebookPath: string | undefined): Partial<T> {
    if (!notebookPath) return {};
    return this.readAll()[notebookPath] ?? {};
  }

  /** Replaces what is remembered for the notebook (undefined fields are dropped: JSON has none). */
  async set(notebookPath: string, value: Partial<T>): Promise<void> {
    const file = this.file;
    mkdirSync(dirname(file), { recursive: true });
    await withLock(`${file}.lock`, async () => {
      const all = this.readAll();
      all[notebookPath] = value;
      writeJsonAtomic(file, all);
    });
  }

  private readAll(): Record<string, Partial<T>> {
    const parsed = readJson(this.file); // undefined for a missing or unreadable file
    const all: Record<string, Partial<T>> = {};
    if (!isObject(parsed)) return all; // an unreadable file only means nothing is remembered
    for (const [notebookPath, entry] of Object.entries(parsed)) {
      const value = this.entry(entry);
      if (value) all[notebookPath] = value;
    }
    return all;
  }

  private entry(value: unknown): Partial<T> | undefined {
    const checked = parseShape(this.entryShape, value);
    return checked.ok ? checked.value : undefined;
  }
}

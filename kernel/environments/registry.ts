// The registry of luci environments, environments.json in the environments folder: one record
// per notebook. Every change is a read-modify-write under an inter-process lock, written to a
// temporary file and renamed over the old one, so that readers never see half a file and ten
// kernels starting together never lose each other's records.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { withLock } from "../common/file-lock.js";
import { writeJsonAtomic } from "../common/json-file.js";

export type EnvironmentState = "creating" | "installing" | "ready";

export interface EnvironmentRecord {
  /** What the environment belongs to: the notebook's absolute path, or a folder's. */
  key: string;
  /** Folder name under the environments folder: luci_<notebook>_<hash>. */
  name: string;
  notebook: string;
  /** The base interpreter it was made from, and its version. */
  interpreter: string;
  python_version: string;
  /** Installed distributions and their versions (from a freeze after each change). */
  packages: Record<string, string>;
  /** What the notebook asked for (requirements, imports, %pip install), as requirement strings. */
  requested: string[];
  state: EnvironmentState;
  tool: "uv" | "pip";
  created: string;
  last_used: string;
}

interface RegistryFile {
  version: 1;
  environments: Record<string, EnvironmentRecord>;
}

export class Registry {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, "environments.json");
  }

  /** A consistent snapshot (no lock needed: writes are atomic renames). */
  read(): RegistryFile {
    if (!existsSync(this.file)) return empty();
    try {
      const parsed = JSON.parse(readFileSync(this.file, "utf8")) as RegistryFile;
      if (parsed && parsed.version === 1 && typeof parsed.environments === "object") return parsed;
      throw new Error("not a registry (version 1)");
    } catch (err) {
      throw new RegistryError(`the registry ${this.file} cannot be read: ${(err as Error).message}`);
    }
  }

  get(key: string): EnvironmentRecord | undefined {
    return this.read().environments[key];
  }

  list(): EnvironmentRecord[] {
    return Object.values(this.read().environments);
  }

  /** Changes the registry under the lock; `change` may return a value. */
  async update<T>(change: (environments: Record<string, EnvironmentRecord>) => T): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    return withLock(`${this.file}.lock`, async () => {
      const data = this.read();
      const result = change(data.environments);
      this.write(data);
      return result;
    });
  }

  private write(data: RegistryFile): void {
    writeJsonAtomic(this.file, data);
  }
}

export class RegistryError extends Error {}

function empty(): RegistryFile {
  return { version: 1, environments: {} };
}

// The registry of luci environments, environments.json in the environments folder: one record
// per notebook. Every change is a read-modify-write under an inter-process lock, written to a
// temporary file and renamed over the old one, so that readers never see half a file and ten
// kernels starting together never lose each other's records.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { array, literal, number, object, oneOf, optional, parseShape, record, string } from "../common/shape.js";
import { processAlive } from "../common/process-alive.js";
import { errorMessage } from "../common/errors.js";
import { withLock } from "../common/file-lock.js";
import { writeJsonAtomic } from "../common/json-file.js";
import { CellFailure } from "../common/cell-failure.js";

type EnvironmentState = "creating" | "installing" | "ready";

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
  /** The folder's requirements.txt, when it was not installed because the notebook was not trusted (installed once it is). */
  requirements_skipped?: string;
  state: EnvironmentState;
  tool: "uv" | "pip";
  created: string;
  last_used: string;
  /**
   * The kernels that use it (each writes itself here when it prepares the environment; the
   * dead are dropped at the next write): `luci env gc` leaves an environment a live kernel uses
   * alone, and a kernel restarted as a renamed notebook finds its environment by its connection
   * file (the same across restarts, in jupyter_client and in luci serve).
   */
  kernels?: KernelUse[];
  /**
   * Ids of the notebook's cells (the execute_request's cellId, and nbformat 4.5's ids in its file),
   * the latest CELL_IDS_KEPT: a notebook renamed or moved while no kernel ran is found by them.
   */
  cells?: string[];
}

/** How many cell ids a record keeps. */
export const CELL_IDS_KEPT = 200;

/** A kernel process using an environment. */
export interface KernelUse {
  pid: number;
  host: string;
  /** The kernel's connection file (absolute), when it was started with one. */
  connection?: string;
}

interface RegistryFile {
  version: 1;
  environments: Record<string, EnvironmentRecord>;
}

// The file as it is read is checked against these (another kernel, an older Luci or a hand edit
// may have written it): a record of another shape makes the whole file a RegistryError rather
// than a wrong type further on. Fields a record has beyond these are kept (passthrough), so
// that a kernel does not drop what a newer one wrote.
const RegistryFileShape = object({
  version: literal(1),
  environments: record(
    object({
      key: string,
      name: string,
      notebook: string,
      interpreter: string,
      python_version: string,
      packages: record(string),
      requested: array(string),
      requirements_skipped: optional(string),
      state: oneOf(["creating", "installing", "ready"] as const),
      tool: oneOf(["uv", "pip"] as const),
      created: string,
      last_used: string,
      kernels: optional(array(object({ pid: number, host: string, connection: optional(string) }))),
      cells: optional(array(string)),
    }),
  ),
});

/**
 * Where environment records are kept, behind the one interface NotebookEnvironment uses: the
 * registry file here; another store (a server's database, a cluster's) implements the same.
 */
export interface EnvironmentStore {
  get(key: string): EnvironmentRecord | undefined;
  list(): EnvironmentRecord[];
  /** A read-modify-write that no other writer interleaves with; `change` may return a value. */
  update<T>(change: (environments: Record<string, EnvironmentRecord>) => T): Promise<T>;
}

export class Registry implements EnvironmentStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, "environments.json");
  }

  /** A consistent snapshot (no lock needed: writes are atomic renames). */
  read(): RegistryFile {
    if (!existsSync(this.file)) return empty();
    try {
      const parsed = parseShape(RegistryFileShape, JSON.parse(readFileSync(this.file, "utf8")));
      if (parsed.ok) return parsed.value;
      throw new Error(`not a registry (version 1): ${parsed.reason}`);
    } catch (err) {
      throw new RegistryError(`the registry ${this.file} cannot be read: ${errorMessage(err)}`, { cause: err });
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

/** This kernel's connection file (absolute), set once at its start (`luci kernel -f FILE`). */
let kernelConnection: string | undefined;

export function setKernelConnection(file: string): void {
  kernelConnection = file;
}

/** This kernel process, as an environment's record names its users. */
export function thisKernel(): KernelUse {
  return { pid: process.pid, host: hostname(), ...(kernelConnection ? { connection: kernelConnection } : {}) };
}

/**
 * Whether a kernel still runs: a process of this machine that is alive (a recycled pid keeps an
 * environment a little longer, never less), or one of another machine (which cannot be asked).
 */
function kernelAlive(use: KernelUse): boolean {
  return use.host !== hostname() || processAlive(use.pid);
}

/** The kernels of a record that still run. */
export function liveKernels(record: EnvironmentRecord): KernelUse[] {
  return (record.kernels ?? []).filter(kernelAlive);
}

/**
 * The record's users with `me` added: the dead dropped, and an earlier process of the same kernel
 * (a restart: the same connection file) replaced.
 */
export function withKernel(kernels: KernelUse[] | undefined, me: KernelUse): KernelUse[] {
  const others = (kernels ?? []).filter(
    (use) => kernelAlive(use) && use.pid !== me.pid && !(me.connection && use.host === me.host && use.connection === me.connection),
  );
  return [...others, me];
}

/** The registry file cannot be read (damaged, or not a registry): the message names it. */
export class RegistryError extends CellFailure {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("RegistryError", message, options);
  }
}

function empty(): RegistryFile {
  return { version: 1, environments: {} };
}

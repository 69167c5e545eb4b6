// Trust in recorded code, as `jupyter trust` does it for outputs. Each user has a secret key
// (32 random bytes, hex, mode 0600) in their Luci data folder; a record the user's kernel makes
// is signed with it (HMAC-SHA256 over the record's canonical JSON without `signature`). A record
// that verifies with the key is "mine"; a record whose digest the user has trusted (by trusting
// the notebook it came in) is "trusted"; anything else, a colleague's record or one whose code
// was edited in the .ipynb, is "untrusted": shown, never run by itself.
//
// Folder: $LUCI_TRUST_DIR, else $XDG_DATA_HOME/luci/trust, else ~/.local/share/luci/trust.
// trusted.json is changed under an inter-process lock and replaced atomically (temp file and
// rename), so readers never see half a file and concurrent `luci trust` runs lose no digest.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errorCode } from "../../common/errors.js";
import { withLock } from "../../common/file-lock.js";
import { isJsonObject } from "./json.js";
import { readNotebookRecords } from "./notebook-records.js";
import { recordDigest, signedText, type LuciRecord, type UnsignedRecord } from "./record.js";
import { luciDataDir } from "../../common/user-data.js";
import { setting } from "../../common/settings.js";
import { CellFailure } from "../../common/cell-failure.js";

export type TrustVerdict = "mine" | "trusted" | "untrusted";

/** The entries of trusted.json's digests that have the shape this file writes; any other (a hand edit) trusts nothing. */
function trustedEntries(digests: Record<string, unknown>): TrustedFile["digests"] {
  return Object.fromEntries(
    Object.entries(digests).flatMap(([digest, entry]): [string, TrustedFile["digests"][string]][] => {
      if (!isJsonObject(entry) || typeof entry.trusted !== "string") return [];
      return [[digest, typeof entry.notebook === "string" ? { notebook: entry.notebook, trusted: entry.trusted } : { trusted: entry.trusted }]];
    }),
  );
}

export function trustDir(env: NodeJS.ProcessEnv = process.env): string {
  return setting(env, "LUCI_TRUST_DIR") ?? join(luciDataDir(env), "trust");
}

interface TrustedFile {
  version: 1;
  /** digest -> where and when it was trusted */
  digests: Record<string, { notebook?: string; trusted: string }>;
}

export class TrustStore {
  private keyBytes?: Buffer;
  private trustedCache?: { stamp: string; digests: Set<string> };

  constructor(readonly dir: string = trustDir()) {}

  get keyPath(): string {
    return join(this.dir, "key");
  }

  get trustedPath(): string {
    return join(this.dir, "trusted.json");
  }

  /** The user's key, created (0600, in a 0700 folder) on first use. */
  key(): Buffer {
    if (this.keyBytes) return this.keyBytes;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    let text: string;
    try {
      text = readFileSync(this.keyPath, "utf8");
    } catch (err) {
      if (errorCode(err) !== "ENOENT") throw err;
      text = this.createKey();
    }
    const hex = text.trim();
    if (!/^[0-9a-f]{64}$/i.test(hex)) {
      throw new CellFailure(
        "TrustKeyDamaged",
        `the Luci trust key ${this.keyPath} is damaged (expected 64 hex digits); remove it to make a new one (records signed with the old key will then need trusting again)`,
      );
    }
    this.keyBytes = Buffer.from(hex, "hex");
    return this.keyBytes;
  }

  /**
   * Writes a new key to a private temp file and links it into place: link fails if another
   * process made the key first, and then that key is the one used. The key file is never seen
   * half-written.
   */
  private createKey(): string {
    const text = `${randomBytes(32).toString("hex")}\n`;
    const temp = join(this.dir, `.key.${process.pid}.${randomBytes(4).toString("hex")}`);
    writeFileSync(temp, text, { mode: 0o600, flag: "wx" });
    chmodSync(temp, 0o600); // whatever the umask
    try {
      linkSync(temp, this.keyPath);
      return text;
    } catch (err) {
      if (errorCode(err) !== "EEXIST") throw err;
      return readFileSync(this.keyPath, "utf8");
    } finally {
      try {
        unlinkSync(temp);
      } catch {
        /* gone */
      }
    }
  }

  signature(record: UnsignedRecord | LuciRecord | Record<string, unknown>): string {
    return createHmac("sha256", this.key()).update(signedText(record), "utf8").digest("hex");
  }

  /** The record with this user's signature (a signed record's signature is replaced, never nested). */
  sign(record: UnsignedRecord | LuciRecord): LuciRecord {
    const unsigned: UnsignedRecord & { signature?: string } = { ...record };
    delete unsigned.signature;
    return { ...unsigned, signature: this.signature(unsigned) };
  }

  verify(record: LuciRecord | Record<string, unknown>): TrustVerdict {
    const given = (record as { signature?: unknown }).signature;
    if (typeof given === "string" && /^[0-9a-f]{64}$/i.test(given)) {
      const expected = Buffer.from(this.signature(record), "hex");
      const actual = Buffer.from(given, "hex");
      if (actual.length === expected.length && timingSafeEqual(actual, expected)) return "mine";
    }
    return this.trustedDigests().has(recordDigest(record)) ? "trusted" : "untrusted";
  }

  /** The trusted digests, re-read only when trusted.json changes. */
  trustedDigests(): Set<string> {
    let stamp: string;
    try {
      const stat = statSync(this.trustedPath);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return new Set();
    }
    if (this.trustedCache?.stamp === stamp) return this.trustedCache.digests;
    const digests = new Set(Object.keys(this.readTrusted().digests));
    this.trustedCache = { stamp, digests };
    return digests;
  }

  private readTrusted(): TrustedFile {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.trustedPath, "utf8"));
      if (isJsonObject(parsed) && isJsonObject(parsed.digests)) return { version: 1, digests: trustedEntries(parsed.digests) };
    } catch {
      /* missing, or damaged by hand: start again */
    }
    return { version: 1, digests: {} };
  }

  /** Adds digests to trusted.json; returns how many were new. */
  async trustDigests(digests: Iterable<string>, notebook?: string): Promise<number> {
    const wanted = [...new Set(digests)];
    if (!wanted.length) return 0;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return withLock(
      `${this.trustedPath}.lock`,
      async () => {
        const file = this.readTrusted();
        const trusted = new Date().toISOString();
        let added = 0;
        for (const digest of wanted) {
          if (file.digests[digest]) continue;
          file.digests[digest] = notebook ? { notebook, trusted } : { trusted };
          added += 1;
        }
        if (added) {
          const temp = `${this.trustedPath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
          writeFileSync(temp, `${JSON.stringify(file, null, 1)}\n`, { mode: 0o600 });
          renameSync(temp, this.trustedPath);
        }
        this.trustedCache = undefined;
        return added;
      },
      { timeoutMs: 30_000 },
    );
  }

  /** Trusts every record in a notebook (`luci trust NOTEBOOK`, `%luci trust`); returns how many records it holds. */
  async trustNotebook(path: string): Promise<number> {
    const notebook = readNotebookRecords(path);
    const digests = new Set(notebook.cells.flatMap((cell) => cell.records.map(recordDigest)));
    await this.trustDigests(digests, notebook.path);
    return digests.size;
  }

  /** Trusts the records given (for a kernel that already holds them). */
  async trustRecords(records: Iterable<LuciRecord>, notebook?: string): Promise<number> {
    const digests = new Set([...records].map(recordDigest));
    await this.trustDigests(digests, notebook);
    return digests.size;
  }
}

const stores = new Map<string, TrustStore>();

/** The store for the trust folder the environment names (one instance per folder). */
export function defaultTrustStore(env: NodeJS.ProcessEnv = process.env): TrustStore {
  const dir = trustDir(env);
  let store = stores.get(dir);
  if (!store) stores.set(dir, (store = new TrustStore(dir)));
  return store;
}

export function signRecord(record: UnsignedRecord | LuciRecord, store: TrustStore = defaultTrustStore()): LuciRecord {
  return store.sign(record);
}

export function verifyRecord(record: LuciRecord | Record<string, unknown>, store: TrustStore = defaultTrustStore()): TrustVerdict {
  return store.verify(record);
}

export function trustNotebook(path: string, store: TrustStore = defaultTrustStore()): Promise<number> {
  return store.trustNotebook(path);
}

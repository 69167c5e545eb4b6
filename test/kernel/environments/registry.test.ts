// The registry (kernel/environments/registry.ts) with real files and real processes: concurrent
// updates from several processes all land, readers never see a half-written file, a corrupt file
// is a RegistryError naming it, and records round-trip.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Registry, RegistryError, type EnvironmentRecord } from "../../../kernel/environments/registry.js";
import { ROOT } from "../../support/kernel-process.js";

// Child processes run the built module (npm run build), the same code as the kernel runs.
const REGISTRY_JS = join(ROOT, "dist", "kernel", "environments", "registry.js");

beforeAll(() => {
  if (!existsSync(REGISTRY_JS)) throw new Error(`${REGISTRY_JS} is missing: run npm run build first`);
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "luci-registry-"));
}

function record(key: string, overrides: Partial<EnvironmentRecord> = {}): EnvironmentRecord {
  return {
    key,
    name: `luci_${key.replace(/\W+/g, "_")}_0123abcd`,
    notebook: key,
    interpreter: "/usr/bin/python3",
    python_version: "3.11.2",
    packages: { numpy: "1.26.4", "scikit-learn": "1.4.2" },
    requested: ["numpy", "scikit-learn==1.4.2"],
    state: "ready",
    tool: "uv",
    created: "2026-01-02T03:04:05.000Z",
    last_used: "2026-01-02T03:04:06.000Z",
    ...overrides,
  };
}

// (node -e puts the arguments after "--" at process.argv[1] on.)
/** Adds `count` records named <tag>-<i>, each in its own update; each update also bumps a counter. */
const WRITER = `
import { existsSync } from "node:fs";
const { Registry } = await import(process.env.REGISTRY_JS);
const [dir, tag, count, go] = process.argv.slice(1);
process.stdout.write("ready\\n");
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 1));
const registry = new Registry(dir);
for (let i = 0; i < Number(count); i++) {
  await registry.update((all) => {
    all[tag + "-" + i] = { key: tag + "-" + i, name: "n", notebook: tag, interpreter: "python3", python_version: "3",
      packages: {}, requested: [], state: "ready", tool: "uv", created: "", last_used: "" };
    // A whole record: Registry.read checks every record's shape.
    const counter = all["counter"] ?? { key: "counter", name: "n", notebook: "counter", interpreter: "python3", python_version: "3",
      packages: {}, requested: [], state: "ready", tool: "uv", created: "", last_used: "" };
    counter.requested = [String(Number(counter.requested[0] ?? "0") + 1)];
    all["counter"] = counter;
  });
}
`;

/** Reads the file (raw JSON.parse, then Registry.read) in a loop until STOP exists; prints counts. */
const READER = `
import { existsSync, readFileSync } from "node:fs";
const { Registry } = await import(process.env.REGISTRY_JS);
const [dir, stop] = process.argv.slice(1);
const registry = new Registry(dir);
let reads = 0;
const bad = [];
process.stdout.write("ready\\n");
while (!existsSync(stop)) {
  try {
    const parsed = JSON.parse(readFileSync(registry.file, "utf8"));
    if (parsed.version !== 1 || typeof parsed.environments !== "object") bad.push("not a registry");
    registry.read();
    reads++;
  } catch (error) {
    bad.push(String(error));
  }
  if (reads % 50 === 0) await new Promise((r) => setImmediate(r));
}
process.stdout.write(JSON.stringify({ reads, bad: bad.slice(0, 5), badCount: bad.length }) + "\\n");
`;

function node(script: string, args: string[]): ChildProcess & { out: () => string } {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, "--", ...args], {
    env: { ...process.env, REGISTRY_JS: pathToFileURL(REGISTRY_JS).href },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  return Object.assign(child, { out: () => out + (err ? `\n[stderr] ${err}` : "") });
}

async function waitForLine(child: ChildProcess & { out: () => string }, line: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!child.out().split("\n").includes(line)) {
    if (child.exitCode !== null) throw new Error(`child exited before "${line}": ${child.out()}`);
    if (Date.now() > deadline) throw new Error(`no "${line}" from child: ${child.out()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("Registry", () => {
  it("concurrent updates from several processes all land, while the file is always valid JSON for a reader", async () => {
    const dir = tempDir();
    const registry = new Registry(dir);
    await registry.update((all) => {
      all["seed"] = record("seed");
    });
    const go = join(dir, "go");
    const stop = join(dir, "stop");
    const writers = [0, 1, 2, 3, 4].map((n) => node(WRITER, [dir, `w${n}`, "25", go]));
    const reader = node(READER, [dir, stop]);
    await Promise.all([...writers, reader].map((child) => waitForLine(child, "ready")));
    writeFileSync(go, "");
    const codes = await Promise.all(writers.map(exited));
    expect(codes, writers.map((w) => w.out()).join("\n")).toEqual([0, 0, 0, 0, 0]);
    writeFileSync(stop, "");
    expect(await exited(reader)).toBe(0);
    const report = JSON.parse(reader.out().trim().split("\n").pop()!) as { reads: number; bad: string[]; badCount: number };
    expect(report.bad).toEqual([]);
    expect(report.badCount).toBe(0);
    expect(report.reads).toBeGreaterThan(50);

    const all = registry.read().environments;
    for (let n = 0; n < 5; n++) for (let i = 0; i < 25; i++) expect(all[`w${n}-${i}`]?.notebook).toBe(`w${n}`);
    expect(all["counter"]!.requested).toEqual(["125"]); // no read-modify-write was lost
    expect(all["seed"]).toEqual(record("seed"));
    expect(Object.keys(all)).toHaveLength(5 * 25 + 2);
    // no temporary files or locks are left behind
    expect(readdirSync(dir).sort()).toEqual(["environments.json", "go", "stop"]);
  });

  it("concurrent updates within one process all land", async () => {
    const dir = tempDir();
    const registry = new Registry(dir);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        registry.update((all) => {
          all[`k${i}`] = record(`k${i}`);
        }),
      ),
    );
    expect(
      registry
        .list()
        .map((r) => r.key)
        .sort(),
    ).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`).sort());
  });

  it("a corrupt file is a RegistryError whose message names the file, and update leaves the file as it was", async () => {
    const dir = tempDir();
    const registry = new Registry(dir);
    const corrupt = '{"version": 1, "environments": {"a": ';
    writeFileSync(registry.file, corrupt);
    expect(() => registry.read()).toThrow(RegistryError);
    expect(() => registry.read()).toThrow(registry.file);
    expect(() => registry.get("a")).toThrow(RegistryError);
    expect(() => registry.list()).toThrow(RegistryError);
    let changed = false;
    const error = await registry
      .update(() => {
        changed = true;
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toContain(registry.file);
    expect(changed).toBe(false);
    expect(readFileSync(registry.file, "utf8")).toBe(corrupt);
    expect(existsSync(`${registry.file}.lock`)).toBe(false); // the lock was released
  });

  it("valid JSON that is not a registry (another version, null, an array, a record of another shape) is a RegistryError too", () => {
    const dir = tempDir();
    const registry = new Registry(dir);
    const partial = JSON.stringify({ version: 1, environments: { a: { ...record("a"), packages: undefined } } });
    const wrongState = JSON.stringify({ version: 1, environments: { a: { ...record("a"), state: "gone" } } });
    for (const text of ['{"version": 2, "environments": {}}', "null", "[]", '{"version": 1}', partial, wrongState]) {
      writeFileSync(registry.file, text);
      expect(() => registry.read(), text).toThrow(RegistryError);
      expect(() => registry.read(), text).toThrow(registry.file);
    }
  });

  it("records round-trip through the file, and update returns what the change returns", async () => {
    const dir = join(tempDir(), "not", "yet");
    const registry = new Registry(dir);
    expect(registry.read()).toEqual({ version: 1, environments: {} });
    expect(registry.get("/nb/a.ipynb")).toBeUndefined();
    expect(registry.list()).toEqual([]);
    const a = record("/nb/a.ipynb");
    const b = record("/nb/b.ipynb", { state: "installing", tool: "pip", packages: {}, requested: [] });
    const returned = await registry.update((all) => {
      all[a.key] = a;
      all[b.key] = b;
      return Object.keys(all).length;
    });
    expect(returned).toBe(2);
    const fresh = new Registry(dir);
    expect(fresh.get(a.key)).toEqual(a);
    expect(fresh.get(b.key)).toEqual(b);
    expect(fresh.list()).toHaveLength(2);
    const onDisk: unknown = JSON.parse(readFileSync(join(dir, "environments.json"), "utf8"));
    expect(onDisk).toEqual({ version: 1, environments: { [a.key]: a, [b.key]: b } });
    await fresh.update((all) => {
      delete all[a.key];
    });
    expect(registry.list()).toEqual([b]);
  });

  it("makes the folder when it does not exist yet", async () => {
    const base = tempDir();
    const dir = join(base, "deep", "envs");
    await new Registry(dir).update((all) => {
      all["x"] = record("x");
    });
    expect(existsSync(join(dir, "environments.json"))).toBe(true);
    mkdirSync(join(base, "other"));
    expect(new Registry(join(base, "other")).list()).toEqual([]);
  });
});

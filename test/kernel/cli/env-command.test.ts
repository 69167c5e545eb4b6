// `luci env ...` run as a real process (dist/kernel/cli/luci.js) on a temporary environments
// folder: list, show, freeze, export, rm and gc on registry records the test writes itself;
// import, and export then import elsewhere, on real venvs built with uv from the test's own
// package index.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notebookIdentity } from "../../../kernel/environments/notebook-identity.js";
import type { EnvironmentRecord } from "../../../kernel/environments/registry.js";
import { LUCI_BIN, ROOT } from "../../support/kernel-process.js";
import { startPackageIndex, type PackageIndex } from "../../support/package-index.js";
import { readyRecord } from "../environments/memory-store.js";

const UV = process.env.LUCI_UV || join(ROOT, ".venv", "bin", "uv");
const DAY = 24 * 60 * 60 * 1000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  done: Promise<Result>;
  exited(): boolean;
}

/** Starts `luci env ARGS`; stdin is a pipe closed at once (not a terminal), or /dev/null. */
function start(args: string[], options: { cwd: string; envDir: string; indexUrl?: string; stdin?: "pipe" | "ignore" }): Running {
  const env: NodeJS.ProcessEnv = { ...process.env, LUCI_ENV_DIR: options.envDir, LUCI_UV: UV };
  delete env.LUCI_INDEX_URL;
  delete env.LUCI_EXTRA_INDEX_URL;
  if (options.indexUrl) env.LUCI_INDEX_URL = options.indexUrl;
  const child = spawn(process.execPath, [LUCI_BIN, "env", ...args], { cwd: options.cwd, env, stdio: [options.stdin ?? "pipe", "pipe", "pipe"] });
  child.stdin?.end();
  let stdout = "";
  let stderr = "";
  let exited = false;
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      exited = true;
      resolve({ code, stdout, stderr });
    });
  });
  return { done, exited: () => exited };
}

function luci(args: string[], options: Parameters<typeof start>[1]): Promise<Result> {
  return start(args, options).done;
}

/** A notebooks folder (the commands' cwd) and an environments folder. */
function workspace(): { notebooks: string; envs: string } {
  const base = mkdtempSync(join(tmpdir(), "luci-envcmd-"));
  mkdirSync(join(base, "notebooks"));
  return { notebooks: join(base, "notebooks"), envs: join(base, "envs") };
}

function writeNotebook(path: string): string {
  writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }));
  return path;
}

/** A registry record for a notebook, as the kernel writes one. */
function recordFor(notebook: string, fields: Partial<EnvironmentRecord> = {}): EnvironmentRecord {
  return readyRecord(notebook, { created: new Date(Date.now() - 10 * DAY).toISOString(), ...fields });
}

function writeRegistry(envs: string, records: EnvironmentRecord[]): void {
  mkdirSync(envs, { recursive: true });
  const environments = Object.fromEntries(records.map((r) => [r.key, r]));
  writeFileSync(join(envs, "environments.json"), JSON.stringify({ version: 1, environments }, null, 2));
}

function readRegistry(envs: string): Record<string, EnvironmentRecord> {
  return (JSON.parse(readFileSync(join(envs, "environments.json"), "utf8")) as { environments: Record<string, EnvironmentRecord> }).environments;
}

/** An environment folder holding one file of `bytes` bytes (not a working venv). */
function fakeFolder(envs: string, name: string, bytes = 1000): string {
  const dir = join(envs, name);
  mkdirSync(join(dir, "lib"), { recursive: true });
  writeFileSync(join(dir, "lib", "data.bin"), Buffer.alloc(bytes, 7));
  return dir;
}

describe("luci env on registry records", () => {
  it("prints its usage for help, and exits 2 on wrong usage", async () => {
    const { notebooks, envs } = workspace();
    const help = await luci(["help"], { cwd: notebooks, envDir: envs });
    expect(help.code).toBe(0);
    for (const command of ["list", "show", "rm", "gc", "freeze", "export", "import"]) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    expect((await luci([], { cwd: notebooks, envDir: envs })).code).toBe(2);
    const unknown = await luci(["frobnicate"], { cwd: notebooks, envDir: envs });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const missing = await luci(["show"], { cwd: notebooks, envDir: envs });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("NOTEBOOK|NAME is missing");
    expect((await luci(["list", "--bogus"], { cwd: notebooks, envDir: envs })).code).toBe(2);
    expect((await luci(["freeze", "a.ipynb", "-o"], { cwd: notebooks, envDir: envs })).stderr).toContain("-o needs a value");
  });

  it("list shows a table with notebook, state, Python, packages, last use and size, and --json the records", async () => {
    const { notebooks, envs } = workspace();
    const here = recordFor(writeNotebook(join(notebooks, "here.ipynb")), {
      packages: { "luci-alpha": "1.0.0", "luci-beta": "1.0.0" },
      last_used: new Date(Date.now() - 3 * DAY - 60_000).toISOString(),
    });
    const gone = recordFor(join(notebooks, "gone.ipynb"), { state: "installing" });
    writeRegistry(envs, [here, gone]);
    fakeFolder(envs, here.name, 300_000);
    fakeFolder(envs, "luci_orphan_0badf00d");

    const { code, stdout } = await luci(["list"], { cwd: notebooks, envDir: envs });
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^NAME\s+NOTEBOOK\s+STATE\s+PYTHON\s+PACKAGES\s+LAST USED\s+SIZE$/);
    const row = lines.find((l) => l.startsWith(here.name))!;
    expect(row).toContain(here.key);
    // Not a working venv: the registry says ready, the folder says otherwise.
    expect(row).toMatch(/\bbroken\s+3\.11\.7\s+2\s+3 days ago\s+3\d\d kB$/);
    const goneRow = lines.find((l) => l.startsWith(gone.name))!;
    expect(goneRow).toMatch(/gone\.ipynb \(missing\)\s+installing\s+3\.11\.7\s+0\s+just now\s+-$/);
    expect(stdout).toContain(`2 environments in ${envs}`);
    expect(stdout).toMatch(/1 leftover folder .*luci_orphan_0badf00d/);

    const json = await luci(["list", "--json"], { cwd: notebooks, envDir: envs });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([gone, here]);
  });

  it("list on an empty folder says there is nothing", async () => {
    const { notebooks, envs } = workspace();
    const { code, stdout } = await luci(["list"], { cwd: notebooks, envDir: envs });
    expect(code).toBe(0);
    expect(stdout).toBe(`No environments in ${envs}.\n`);
  });

  it("show finds an environment by notebook path (relative to cwd) or by name, and says why it is not healthy", async () => {
    const { notebooks, envs } = workspace();
    mkdirSync(join(notebooks, "sub"));
    const record = recordFor(writeNotebook(join(notebooks, "sub", "study.ipynb")), {
      packages: { "luci-beta": "1.0.0", "luci-alpha": "1.0.0" },
      requested: ["luci-alpha>=1"],
      tool: "pip",
    });
    writeRegistry(envs, [record]);
    fakeFolder(envs, record.name);

    const byPath = await luci(["show", "sub/study.ipynb"], { cwd: notebooks, envDir: envs });
    expect(byPath.code).toBe(0);
    const byName = await luci(["show", record.name], { cwd: tmpdir(), envDir: envs });
    expect(byName.stdout).toBe(byPath.stdout);
    const text = byPath.stdout;
    expect(text).toContain(`Environment ${record.name}`);
    expect(text).toContain(`Notebook:    ${record.key}\n`);
    expect(text).toContain(`Folder:      ${join(envs, record.name)} (`);
    expect(text).toMatch(/Health: +not healthy: its Python interpreter .*bin\/python is missing/);
    expect(text).toMatch(/Python: +3\.11\.7 \(made from python3;/);
    expect(text).toMatch(/Tool: +pip\n/);
    expect(text).toMatch(/Created: +\S+ \(10 days ago\)/);
    expect(text).toMatch(/Requested: +luci-alpha>=1\n/);
    expect(text).toMatch(/Packages: +2\n +luci-alpha +1\.0\.0\n +luci-beta +1\.0\.0\n$/);

    const json = JSON.parse((await luci(["show", record.name, "--json"], { cwd: notebooks, envDir: envs })).stdout) as { problem: string; size_bytes: number };
    expect(json).toMatchObject({ ...record, folder: join(envs, record.name), healthy: false });
    expect(json.problem).toMatch(/Python interpreter/);
    expect(json.size_bytes).toBeGreaterThan(0);

    const unknown = await luci(["show", "nothing-here.ipynb"], { cwd: notebooks, envDir: envs });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`luci env show: no environment for nothing-here.ipynb in ${envs} (luci env list shows them)\n`);
  });

  it("freeze and export read the registry record when the environment is not healthy", async () => {
    const { notebooks, envs } = workspace();
    const record = recordFor(writeNotebook(join(notebooks, "nb.ipynb")), {
      packages: { zeta: "3.0", "alpha-pkg": "1.2", mid: "0.1" },
      requested: ["alpha-pkg", "zeta<4"],
      python_version: "3.12.1",
    });
    writeRegistry(envs, [record]);

    const frozen = await luci(["freeze", "nb.ipynb"], { cwd: notebooks, envDir: envs });
    expect(frozen.code).toBe(0);
    expect(frozen.stdout).toBe("alpha-pkg==1.2\nmid==0.1\nzeta==3.0\n");
    const toFile = await luci(["freeze", record.name, "-o", "pins.txt"], { cwd: notebooks, envDir: envs });
    expect(toFile.stdout).toBe(`Wrote 3 pinned packages of ${record.name} to ${join(notebooks, "pins.txt")}\n`);
    expect(readFileSync(join(notebooks, "pins.txt"), "utf8")).toBe(frozen.stdout);

    const exported = await luci(["export", "nb.ipynb"], { cwd: notebooks, envDir: envs });
    expect(exported.code).toBe(0);
    const spec = JSON.parse(exported.stdout) as { packages: Record<string, string> };
    expect(spec).toEqual({
      luci_environment: 1,
      notebook: "nb.ipynb",
      python_version: "3.12.1",
      packages: { "alpha-pkg": "1.2", mid: "0.1", zeta: "3.0" },
      requested: ["alpha-pkg", "zeta<4"],
    });
    expect(Object.keys(spec.packages)).toEqual(["alpha-pkg", "mid", "zeta"]);
  });

  it("gc removes environments whose notebook was deleted and leftover folders, and keeps the rest; --dry-run only reports", async () => {
    const { notebooks, envs } = workspace();
    const kept = recordFor(writeNotebook(join(notebooks, "kept.ipynb")));
    const deleted = recordFor(writeNotebook(join(notebooks, "deleted.ipynb")));
    const folderKey: EnvironmentRecord = { ...recordFor(join(notebooks, "x.ipynb")), key: notebooks, notebook: notebooks, name: "luci_notebooks_12345678" };
    writeRegistry(envs, [kept, deleted, folderKey]);
    fakeFolder(envs, kept.name);
    fakeFolder(envs, deleted.name, 500_000);
    fakeFolder(envs, folderKey.name);
    fakeFolder(envs, "luci_leftover_deadbeef", 100_000);
    unlinkSync(join(notebooks, "deleted.ipynb"));

    const dry = await luci(["gc", "--dry-run"], { cwd: notebooks, envDir: envs });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Would remove ${deleted.name}: its notebook ${deleted.key} no longer exists (5`);
    expect(dry.stdout).toContain("Would remove luci_leftover_deadbeef: a leftover folder with no registry record");
    expect(dry.stdout).toMatch(/Would remove 2 environments from .*, freeing 6\d\d kB/);
    expect(existsSync(join(envs, deleted.name))).toBe(true);
    expect(existsSync(join(envs, "luci_leftover_deadbeef"))).toBe(true);
    expect(Object.keys(readRegistry(envs))).toHaveLength(3);

    const gc = await luci(["gc"], { cwd: notebooks, envDir: envs });
    expect(gc.code).toBe(0);
    expect(gc.stdout).toContain(`Removed ${deleted.name}: its notebook ${deleted.key} no longer exists`);
    expect(gc.stdout).toContain("Removed luci_leftover_deadbeef");
    expect(gc.stdout).toMatch(/Removed 2 environments from .*, freed 6\d\d kB\.\n$/);
    expect(gc.stdout).not.toContain(kept.name);
    expect(existsSync(join(envs, deleted.name))).toBe(false);
    expect(existsSync(join(envs, "luci_leftover_deadbeef"))).toBe(false);
    expect(existsSync(join(envs, kept.name))).toBe(true);
    expect(existsSync(join(envs, folderKey.name))).toBe(true);
    expect(Object.keys(readRegistry(envs)).sort()).toEqual([kept.key, notebooks].sort());

    const again = await luci(["gc"], { cwd: notebooks, envDir: envs });
    expect(again.stdout).toMatch(/^Nothing to remove/);
  });

  it("rm refuses without --yes when stdin is not a terminal, and removes nothing", async () => {
    const { notebooks, envs } = workspace();
    const record = recordFor(writeNotebook(join(notebooks, "nb.ipynb")));
    writeRegistry(envs, [record]);
    fakeFolder(envs, record.name);
    for (const stdin of ["pipe", "ignore"] as const) {
      const { code, stdout, stderr } = await luci(["rm", "nb.ipynb"], { cwd: notebooks, envDir: envs, stdin });
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/^luci env rm: not removing luci_nb_[0-9a-f]{8} without confirmation: .*pass --yes\n$/);
    }
    expect(existsSync(join(envs, record.name))).toBe(true);
    expect(readRegistry(envs)[record.key]).toEqual(record);
  });

  it("rm --yes waits for the environment's lock, then removes its folder and record", async () => {
    const { notebooks, envs } = workspace();
    const record = recordFor(writeNotebook(join(notebooks, "nb.ipynb")));
    const other = recordFor(writeNotebook(join(notebooks, "other.ipynb")));
    writeRegistry(envs, [record, other]);
    const dir = fakeFolder(envs, record.name, 200_000);
    // A live process (this one) holds the lock, as a kernel installing into it would.
    writeFileSync(`${dir}.lock`, `${process.pid} ${hostname()} ${new Date().toISOString()}\n`);
    const running = start(["rm", "nb.ipynb", "--yes"], { cwd: notebooks, envDir: envs });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(running.exited()).toBe(false);
    expect(existsSync(dir)).toBe(true);
    unlinkSync(`${dir}.lock`);
    const { code, stdout, stderr } = await running.done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/Waiting for process \d+, which is working on luci_nb_/);
    expect(stdout).toMatch(
      new RegExp(`^Removed ${record.name}, the environment of ${record.key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}; freed 2\\d\\d kB\\.\\n$`),
    );
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(`${dir}.lock`)).toBe(false);
    expect(Object.keys(readRegistry(envs))).toEqual([other.key]);
  });

  it("rm removes a leftover folder by name", async () => {
    const { notebooks, envs } = workspace();
    writeRegistry(envs, []);
    const dir = fakeFolder(envs, "luci_stray_01234567");
    const { code, stdout } = await luci(["rm", "luci_stray_01234567", "-y"], { cwd: notebooks, envDir: envs });
    expect(code).toBe(0);
    expect(stdout).toContain("a leftover folder with no registry record");
    expect(existsSync(dir)).toBe(false);
  });
});

const run = promisify(execFile);

async function pythonSays(python: string, code: string): Promise<string> {
  return (await run(python, ["-c", code])).stdout;
}

describe("luci env import and export on real environments (uv, a package index of our own)", () => {
  let index: PackageIndex;
  const { notebooks, envs } = workspace();
  const spec = {
    luci_environment: 1,
    notebook: "analysis.ipynb",
    python_version: "3.11.7",
    // Not the newest luci-beta: the pins decide, not the resolver.
    packages: { "luci-alpha": "1.0.0", "luci-beta": "1.0.0" },
    requested: ["luci-alpha"],
  };
  const notebook = join(notebooks, "analysis.ipynb");
  const name = notebookIdentity(notebook).environmentName;
  const python = join(envs, name, "bin", "python");

  beforeAll(async () => {
    if (!existsSync(UV)) throw new Error(`uv is needed at ${UV} (bash .ci/run installs it into .venv)`);
    index = await startPackageIndex([
      { name: "luci-alpha", version: "1.0.0", requires: ["luci-beta>=1"] },
      { name: "luci-beta", version: "1.0.0" },
      { name: "luci-beta", version: "1.1.0" },
    ]);
    writeNotebook(notebook);
    writeFileSync(join(notebooks, "spec.json"), JSON.stringify(spec));
  });
  afterAll(async () => {
    await index?.close();
  });

  it("import builds the notebook's environment from the spec, printing progress", async () => {
    const { code, stdout, stderr } = await luci(["import", "spec.json"], { cwd: notebooks, envDir: envs, indexUrl: index.url });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`Importing spec.json into ${name} for ${notebook} (2 packages)`);
    expect(stdout).toContain(`Building ${name} from the spec (2 pinned packages).`);
    expect(stdout).toMatch(/with uv… done in [\d.]+ s \(Python 3\.\d+/);
    expect(stdout).toMatch(/Reinstalling 2 packages… done in [\d.]+ s/);
    expect(stdout).toContain(`Environment ${name} is ready: 2 packages`);
    const record = readRegistry(envs)[notebook]!;
    expect(record).toMatchObject({ name, state: "ready", tool: "uv", packages: spec.packages, requested: ["luci-alpha"] });
    expect(await pythonSays(python, "import luci_alpha, luci_beta; print(luci_alpha.VALUE, '|', luci_beta.VALUE)")).toBe(
      "luci-alpha 1.0.0 | luci-beta 1.0.0\n",
    );
  });

  it("show says healthy, and freeze asks the environment itself when it is healthy", async () => {
    const shown = await luci(["show", "analysis.ipynb"], { cwd: notebooks, envDir: envs });
    expect(shown.stdout).toMatch(/Health: +healthy\n/);
    expect(shown.stdout).toMatch(/Tool: +uv\n/);
    const saved = readFileSync(join(envs, "environments.json"), "utf8");
    const registry = JSON.parse(saved) as { environments: Record<string, { packages: Record<string, string> }> };
    registry.environments[notebook]!.packages = { "not-really-there": "0.0.1" };
    writeFileSync(join(envs, "environments.json"), JSON.stringify(registry));
    try {
      const frozen = await luci(["freeze", name], { cwd: tmpdir(), envDir: envs });
      expect(frozen.code).toBe(0);
      expect(frozen.stdout).toBe("luci-alpha==1.0.0\nluci-beta==1.0.0\n");
    } finally {
      writeFileSync(join(envs, "environments.json"), saved);
    }
  });

  it("export, then import into another environments folder, gives the same packages", async () => {
    const exported = await luci(["export", "analysis.ipynb", "-o", "carried.json"], { cwd: notebooks, envDir: envs });
    expect(exported.code).toBe(0);
    const carried = JSON.parse(readFileSync(join(notebooks, "carried.json"), "utf8")) as { python_version: string };
    expect(carried).toMatchObject({ luci_environment: 1, notebook: "analysis.ipynb", packages: spec.packages, requested: ["luci-alpha"] });
    expect(carried.python_version).toMatch(/^3\.\d+\.\d+$/);

    const elsewhere = workspace();
    mkdirSync(join(elsewhere.notebooks, "copy"));
    const copy = writeNotebook(join(elsewhere.notebooks, "copy", "analysis-copy.ipynb"));
    const imported = await luci(["import", join(notebooks, "carried.json"), "--notebook", "copy/analysis-copy.ipynb"], {
      cwd: elsewhere.notebooks,
      envDir: elsewhere.envs,
      indexUrl: index.url,
    });
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const record = readRegistry(elsewhere.envs)[copy]!;
    expect(record.state).toBe("ready");
    expect(record.packages).toEqual(readRegistry(envs)[notebook]!.packages);
    const copyPython = join(elsewhere.envs, notebookIdentity(copy).environmentName, "bin", "python");
    expect(await pythonSays(copyPython, "import luci_beta; print(luci_beta.VALUE)")).toBe("luci-beta 1.0.0\n");
    const frozen = await luci(["freeze", "copy/analysis-copy.ipynb"], { cwd: elsewhere.notebooks, envDir: elsewhere.envs });
    expect(frozen.stdout).toBe("luci-alpha==1.0.0\nluci-beta==1.0.0\n");
  });

  it("import over an existing environment replaces its package list and rebuilds it", async () => {
    const before = readRegistry(envs)[notebook]!;
    writeFileSync(join(envs, name, "stale-file"), "from the old environment");
    const newer = { ...spec, packages: { "luci-alpha": "1.0.0", "luci-beta": "1.1.0" }, requested: ["luci-alpha", "luci-beta>=1.1"] };
    writeFileSync(join(notebooks, "newer.json"), JSON.stringify(newer));
    const { code, stdout } = await luci(["import", "newer.json", "--notebook", "analysis.ipynb"], { cwd: notebooks, envDir: envs, indexUrl: index.url });
    expect(code).toBe(0);
    expect(stdout).toContain(`Environment ${name} is ready: 2 packages`);
    const after = readRegistry(envs);
    expect(Object.keys(after)).toEqual([notebook]);
    expect(after[notebook]).toMatchObject({ state: "ready", packages: newer.packages, requested: newer.requested, created: before.created });
    expect(existsSync(join(envs, name, "stale-file"))).toBe(false);
    expect(await pythonSays(python, "import luci_beta; print(luci_beta.VALUE)")).toBe("luci-beta 1.1.0\n");
  });

  it("import fails with exit 1 and a one-line reason when a pinned version is not in the index", async () => {
    writeNotebook(join(notebooks, "broken.ipynb"));
    writeFileSync(join(notebooks, "missing.json"), JSON.stringify({ ...spec, notebook: "broken.ipynb", packages: { "luci-beta": "9.9.9" } }));
    const { code, stderr } = await luci(["import", "missing.json"], { cwd: notebooks, envDir: envs, indexUrl: index.url });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^luci env import: the environment could not be built: .*luci-beta.*\n$/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("import refuses a file that is not a spec", async () => {
    writeFileSync(join(notebooks, "not-a-spec.json"), JSON.stringify({ packages: { a: "1" } }));
    const { code, stderr } = await luci(["import", "not-a-spec.json"], { cwd: notebooks, envDir: envs });
    expect(code).toBe(1);
    expect(stderr).toContain("is not a luci environment spec");
    writeFileSync(join(notebooks, "flag.json"), JSON.stringify({ ...spec, packages: { "--index-url": "http://example.invalid" } }));
    expect((await luci(["import", "flag.json"], { cwd: notebooks, envDir: envs })).code).toBe(1);
  });
});

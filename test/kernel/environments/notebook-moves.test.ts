// A notebook renamed or moved while its kernel runs keeps its environment: movedFrom finds the
// environment by the kernel's connection file (the same across a restart), and NotebookEnvironment
// moves the registry's record to the new path under its lock, keeping the venv's folder; renamed
// while no kernel ran, adoptedBy finds it by the cell ids of the notebook's file. Over an
// in-memory store and a scripted installer, with real notebook files in a temporary folder.
import { mkdirSync, mkdtempSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EnvironmentInstaller } from "../../../kernel/environments/installer.js";
import { NotebookEnvironment } from "../../../kernel/environments/notebook-environment.js";
import { adoptedBy, movedFrom, notebookIdentity } from "../../../kernel/environments/notebook-identity.js";
import { Progress } from "../../../kernel/environments/progress.js";
import { setKernelConnection, withKernel, type EnvironmentRecord, type KernelUse } from "../../../kernel/environments/registry.js";
import { MemoryStore, readyRecord } from "./memory-store.js";

class ScriptedInstaller implements EnvironmentInstaller {
  readonly tool = "uv" as const;
  readonly python = "/scripted/bin/python";
  readonly origin = "/usr/bin/python3";
  made = false;
  dirs: string[] = [];
  calls: string[] = [];
  exists() {
    return this.made;
  }
  create() {
    mkdirSync(this.dirs.at(-1)!, { recursive: true });
    this.made = true;
    this.calls.push("create");
    return Promise.resolve("3.11.7");
  }
  install() {
    return Promise.resolve();
  }
  uninstall() {
    return Promise.resolve();
  }
  freeze() {
    return Promise.resolve({});
  }
  pip() {
    return Promise.resolve("");
  }
}

const silent = new Progress(undefined);

function folder(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), "luci-moves-")));
}

function notebook(path: string): string {
  writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }));
  return path;
}

function record(path: string, kernels: KernelUse[]): EnvironmentRecord {
  return readyRecord(path, { kernels });
}

const me: KernelUse = { pid: process.pid, host: hostname(), connection: "/run/kernel-1.json" };

describe("movedFrom: the environment a renamed notebook's kernel used", () => {
  it("is found by the kernel's connection file, when the old notebook is gone", () => {
    const dir = folder();
    const old = record(join(dir, "Untitled1.ipynb"), [{ ...me, pid: 999_999_999 }]); // the kernel's earlier process
    const identity = movedFrom(notebookIdentity(notebook(join(dir, "Loans.ipynb"))), [old], me);
    expect(identity).toEqual({ key: join(dir, "Loans.ipynb"), kind: "notebook", environmentName: old.name, formerKey: old.key });
  });

  it("is not taken when the old notebook still exists (a copy), another kernel used it, or the new path has its own", () => {
    const dir = folder();
    const target = notebookIdentity(notebook(join(dir, "Loans.ipynb")));
    const stillThere = record(notebook(join(dir, "Original.ipynb")), [me]);
    expect(movedFrom(target, [stillThere], me)).toEqual(target);
    const otherKernel = record(join(dir, "Gone.ipynb"), [{ ...me, connection: "/run/kernel-2.json" }]);
    expect(movedFrom(target, [otherKernel], me)).toEqual(target);
    const otherHost = record(join(dir, "Gone.ipynb"), [{ ...me, host: `${hostname()}-elsewhere` }]);
    expect(movedFrom(target, [otherHost], me)).toEqual(target);
    const own = record(target.key, []);
    expect(movedFrom(target, [own, { ...record(join(dir, "Gone.ipynb"), [me]) }], me)).toEqual(target);
    expect(movedFrom(target, [record(join(dir, "Gone.ipynb"), [me])], { ...me, connection: undefined })).toEqual(target);
  });
});

describe("withKernel: the users written into a record", () => {
  it("adds this process, drops the dead and an earlier process of the same kernel, keeps other live kernels", () => {
    const otherLive: KernelUse = { pid: process.ppid, host: hostname(), connection: "/run/kernel-9.json" };
    const dead: KernelUse = { pid: 999_999_999, host: hostname(), connection: "/run/kernel-8.json" };
    const earlier: KernelUse = { ...me, pid: process.ppid };
    const elsewhere: KernelUse = { pid: 999_999_999, host: `${hostname()}-elsewhere` };
    expect(withKernel([otherLive, dead, earlier, elsewhere], me)).toEqual([otherLive, elsewhere, me]);
  });
});

describe("NotebookEnvironment of a renamed notebook", () => {
  it("keeps the venv (no second create) and moves the registry's record to the new path, under the same folder name", async () => {
    setKernelConnection("/run/kernel-1.json");
    const dir = folder();
    const envs = join(dir, "envs");
    const store = new MemoryStore();
    const installer = new ScriptedInstaller();
    const make = (path: string) =>
      new NotebookEnvironment({ dir: envs, basePython: "/usr/bin/python3" }, notebookIdentity(path), (d) => (installer.dirs.push(d), installer), store);

    const before = make(notebook(join(dir, "Untitled1.ipynb")));
    await before.ensure(silent);
    expect(installer.calls).toEqual(["create"]);
    expect(store.get(before.identity.key)?.kernels).toEqual([{ pid: process.pid, host: hostname(), connection: "/run/kernel-1.json" }]);

    renameSync(join(dir, "Untitled1.ipynb"), join(dir, "Loans.ipynb"));
    const after = make(join(dir, "Loans.ipynb")); // the kernel restarted with the new path
    expect(after.dir).toBe(before.dir);
    expect(after.isHealthy()).toBe(true);
    await after.ensure(silent);
    expect(installer.calls).toEqual(["create"]);
    expect(Object.keys(store.records)).toEqual([join(dir, "Loans.ipynb")]);
    expect(store.get(join(dir, "Loans.ipynb"))).toMatchObject({
      key: join(dir, "Loans.ipynb"),
      notebook: join(dir, "Loans.ipynb"),
      name: before.identity.environmentName,
    });

    // A new notebook in the old one's place is another notebook: its own environment.
    const fresh = make(notebook(join(dir, "Untitled1.ipynb")));
    expect(fresh.dir).not.toBe(before.dir);
  });
});

// A notebook renamed or moved while no kernel ran: the record of a notebook that is gone, unused,
// whose cell ids are those of the notebook's file, is adopted (adoptedBy), and moved under the lock.
function notebookWithIds(path: string, ids: string[]): string {
  const cells = ids.map((id) => ({ id, cell_type: "code", metadata: {}, source: `print(${JSON.stringify(id)})`, outputs: [], execution_count: null }));
  writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
  return path;
}

const dead: KernelUse = { pid: 999_999_999, host: hostname(), connection: "/run/kernel-gone.json" };
const otherLive: KernelUse = { pid: process.ppid, host: hostname(), connection: "/run/kernel-other.json" };

describe("adoptedBy: the environment of a notebook renamed or moved while no kernel ran", () => {
  it("adopts the gone notebook's record whose cell ids the notebook's file has, not another's", () => {
    const dir = folder();
    const target = notebookIdentity(notebookWithIds(join(dir, "Loans.ipynb"), ["a1", "b2", "c3"]));
    const other = readyRecord(join(dir, "Other.ipynb"), { kernels: [dead], cells: ["x9", "y8"] });
    const mine = readyRecord(join(dir, "sub", "Untitled.ipynb"), { kernels: [dead], cells: ["zz", "a1", "b2"] });
    const fewer = readyRecord(join(dir, "Older.ipynb"), { kernels: [dead], cells: ["c3"] });
    expect(adoptedBy(target, [other, mine, fewer])).toEqual({ ...target, environmentName: mine.name, formerKey: mine.key });
  });

  it("refuses when the old notebook still exists, no ids match, a running kernel uses it, two match as well, or the path has its own", () => {
    const dir = folder();
    const target = notebookIdentity(notebookWithIds(join(dir, "Loans.ipynb"), ["a1", "b2"]));
    const copied = readyRecord(notebookWithIds(join(dir, "Original.ipynb"), ["a1", "b2"]), { kernels: [dead], cells: ["a1", "b2"] });
    expect(adoptedBy(target, [copied])).toEqual(target);
    const unrelated = readyRecord(join(dir, "Gone.ipynb"), { kernels: [dead], cells: ["q1", "q2"] });
    expect(adoptedBy(target, [unrelated])).toEqual(target);
    const noIds = readyRecord(join(dir, "Gone.ipynb"), { kernels: [dead] });
    expect(adoptedBy(target, [noIds])).toEqual(target);
    const inUse = readyRecord(join(dir, "Gone.ipynb"), { kernels: [otherLive], cells: ["a1", "b2"] });
    expect(adoptedBy(target, [inUse])).toEqual(target);
    const twin1 = readyRecord(join(dir, "Gone1.ipynb"), { kernels: [dead], cells: ["a1"] });
    const twin2 = readyRecord(join(dir, "Gone2.ipynb"), { kernels: [dead], cells: ["b2"] });
    expect(adoptedBy(target, [twin1, twin2])).toEqual(target);
    const own = readyRecord(target.key, { cells: [] });
    expect(adoptedBy(target, [own, { ...inUse, kernels: [dead] }])).toEqual(target);
    const folderIdentity = { ...target, kind: "folder" as const };
    expect(adoptedBy(folderIdentity, [{ ...inUse, kernels: [dead] }])).toEqual(folderIdentity);
  });
});

describe("NotebookEnvironment of a notebook renamed while closed", () => {
  function setUp() {
    const dir = folder();
    const envs = join(dir, "envs");
    const store = new MemoryStore();
    const installer = new ScriptedInstaller();
    const make = (path: string) =>
      new NotebookEnvironment({ dir: envs, basePython: "/usr/bin/python3" }, notebookIdentity(path), (d) => (installer.dirs.push(d), installer), store);
    return { dir, store, installer, make };
  }

  it("records the cells' ids, and the next kernel at the new path adopts the environment: no second create, the record moved", async () => {
    const { dir, store, installer, make } = setUp();
    setKernelConnection("/run/kernel-first.json");
    const before = make(notebookWithIds(join(dir, "Untitled.ipynb"), ["saved-1"]));
    await before.ensure(silent);
    await before.noteCell("ran-2"); // a cell run but not yet saved in the file
    await before.noteCell("ran-2");
    expect(store.get(before.identity.key)?.cells).toEqual(["saved-1", "ran-2"]);
    store.records[before.identity.key]!.kernels = [dead]; // the kernel shut down

    renameSync(join(dir, "Untitled.ipynb"), join(dir, "Loans.ipynb"));
    notebookWithIds(join(dir, "Loans.ipynb"), ["ran-2", "new-3"]); // saved again, with a new cell
    setKernelConnection("/run/kernel-second.json"); // another kernel, another connection file
    const after = make(join(dir, "Loans.ipynb"));
    expect(after.dir).toBe(before.dir);
    expect(after.isHealthy()).toBe(true);
    await after.ensure(silent);
    expect(installer.calls).toEqual(["create"]);
    expect(Object.keys(store.records)).toEqual([join(dir, "Loans.ipynb")]);
    const moved = store.get(join(dir, "Loans.ipynb"))!;
    expect(moved).toMatchObject({ notebook: join(dir, "Loans.ipynb"), name: before.identity.environmentName });
    expect(moved.cells).toEqual(["saved-1", "ran-2", "new-3"]);
    expect(moved.kernels).toEqual([{ pid: process.pid, host: hostname(), connection: "/run/kernel-second.json" }]);
  });

  it("a copy (the old notebook still there) gets its own environment", async () => {
    const { dir, installer, make } = setUp();
    setKernelConnection("/run/kernel-first.json");
    const original = make(notebookWithIds(join(dir, "Report.ipynb"), ["a1", "b2"]));
    await original.ensure(silent);
    notebookWithIds(join(dir, "Report copy.ipynb"), ["a1", "b2"]);
    setKernelConnection("/run/kernel-second.json");
    const copy = make(join(dir, "Report copy.ipynb"));
    expect(copy.dir).not.toBe(original.dir);
    await copy.ensure(silent);
    expect(installer.calls).toEqual(["create", "create"]);
  });

  it("refuses under the lock when a kernel of another notebook took the environment meanwhile, and leaves its venv whole", async () => {
    const { dir, store, installer, make } = setUp();
    setKernelConnection("/run/kernel-first.json");
    const before = make(notebookWithIds(join(dir, "Untitled.ipynb"), ["a1"]));
    await before.ensure(silent);
    store.records[before.identity.key]!.kernels = [dead];
    renameSync(join(dir, "Untitled.ipynb"), join(dir, "Loans.ipynb"));
    setKernelConnection("/run/kernel-second.json");
    const after = make(join(dir, "Loans.ipynb"));
    expect(after.dir).toBe(before.dir);
    store.records[before.identity.key]!.kernels = [otherLive]; // taken before this kernel's first cell
    await expect(after.ensure(silent)).rejects.toThrow(/was taken by another notebook's kernel meanwhile: restart the kernel/);
    expect(installer.calls).toEqual(["create"]);
    expect(Object.keys(store.records)).toEqual([before.identity.key]);
    expect(before.isHealthy()).toBe(true);
  });
});

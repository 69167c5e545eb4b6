// A notebook renamed or moved while its kernel runs keeps its environment: movedFrom finds the
// environment by the kernel's connection file (the same across a restart), and NotebookEnvironment
// moves the registry's record to the new path under its lock, keeping the venv's folder. Over an
// in-memory store and a scripted installer, with real notebook files in a temporary folder.
import { mkdirSync, mkdtempSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EnvironmentInstaller } from "../../../kernel/environments/installer.js";
import { NotebookEnvironment } from "../../../kernel/environments/notebook-environment.js";
import { movedFrom, notebookIdentity } from "../../../kernel/environments/notebook-identity.js";
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

// NotebookEnvironment in-process, over the two interfaces it is built on: an EnvironmentStore
// (here in memory, where the registry file is by default) and an EnvironmentInstaller (scripted:
// the real ones are tested in installer.test.ts and through kernels). Checks the one install
// path: the environment is made first, the install runs under a progress line, what was asked
// for and what is installed are recorded in the store.
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EnvironmentInstaller } from "../../../kernel/environments/installer.js";
import { NotebookEnvironment } from "../../../kernel/environments/notebook-environment.js";
import { Progress } from "../../../kernel/environments/progress.js";
import { MemoryStore } from "./memory-store.js";

class ScriptedInstaller implements EnvironmentInstaller {
  readonly tool = "uv" as const;
  readonly python = "/scripted/bin/python";
  readonly origin = "/usr/bin/python3";
  made = false;
  dir = "";
  installed: Record<string, string> = {};
  calls: string[] = [];
  exists() {
    return this.made;
  }
  create() {
    mkdirSync(this.dir, { recursive: true }); // as a venv's creation makes its folder
    this.made = true;
    this.calls.push("create");
    return Promise.resolve("3.11.7");
  }
  install(specs: string[]) {
    this.calls.push(`install ${specs.join(" ")}`);
    for (const spec of specs) {
      const [name, version] = spec.split("==");
      this.installed[name!] = version ?? "1.0";
    }
    return Promise.resolve();
  }
  uninstall() {
    return Promise.resolve();
  }
  freeze() {
    return Promise.resolve({ ...this.installed });
  }
  pip() {
    return Promise.resolve("");
  }
}

describe("NotebookEnvironment over an EnvironmentStore", () => {
  it("install() makes the environment, installs, and records requested and installed packages in the store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "luci-store-"));
    const store = new MemoryStore();
    const installer = new ScriptedInstaller();
    const identity = { key: join(dir, "a.ipynb"), kind: "notebook" as const, environmentName: "luci_a_0000" };
    const env = new NotebookEnvironment({ dir, basePython: "/usr/bin/python3" }, identity, (folder) => Object.assign(installer, { dir: folder }), store);
    const lines: string[] = [];
    const progress = new Progress({
      stream: () => undefined,
      display: (data) => lines.push(String(data["text/plain"])),
      updateDisplay: (data) => lines.push(String(data["text/plain"])),
      clearOutput: () => undefined,
      result: () => undefined,
      error: () => undefined,
      input: () => Promise.reject(new Error("no input")),
    });
    const packages = await env.install(["pandas==2.2.3"], progress, { describe: (p) => `pandas ${p.pandas}` });
    expect(installer.calls).toEqual(["create", "install pandas==2.2.3"]);
    expect(packages).toEqual({ pandas: "2.2.3" });
    expect(store.get(identity.key)).toMatchObject({ state: "ready", python_version: "3.11.7", packages: { pandas: "2.2.3" }, requested: ["pandas==2.2.3"] });
    expect(env.isHealthy()).toBe(true);
    expect(lines.join("\n")).toContain("pandas 2.2.3");
    // A second install reuses the environment: no second create.
    await env.install(["numpy==2.1.0"], progress);
    expect(installer.calls).toEqual(["create", "install pandas==2.2.3", "install numpy==2.1.0"]);
    expect(store.get(identity.key)?.requested).toEqual(["pandas==2.2.3", "numpy==2.1.0"]);
  });
});

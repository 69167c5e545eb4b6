// `%luci env` and `!pip install ...` lines through a real kernel on a notebook environment
// (README, "Using it": "%pip ... act on the notebook's own environment (so do `!pip install ...`
// lines); `%luci env` describes it"), against a package index of the test's own on loopback.
// The package's import name (bang_mod) is not its distribution's (luci-bang-dist), so only the
// `!pip` line can have installed it: the import scan would look for "bang-mod".
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { startPackageIndex, type PackageIndex } from "../../support/package-index.js";
import { progressText, startNotebookKernel, workspace, writeNotebook } from "./environment-kernel.js";

let index: PackageIndex;
let kernel: StartedKernel;
const space = workspace();
const NOTEBOOK = join(space.notebooks, "bang.ipynb");

beforeAll(async () => {
  index = await startPackageIndex([
    { name: "luci-bang-dist", version: "1.0.0", modules: { "bang_mod/__init__.py": 'VALUE = "bang 1.0.0"\n' } },
    { name: "luci-bang-dist", version: "1.1.0", modules: { "bang_mod/__init__.py": 'VALUE = "bang 1.1.0"\n' } },
  ]);
  writeNotebook(space.notebooks, "bang.ipynb");
  kernel = await startNotebookKernel({ ...space, session: "bang.ipynb", indexUrl: index.url });
});
afterAll(async () => {
  await kernel?.stop();
  await index?.close();
});

function registryRecord() {
  const registry = JSON.parse(readFileSync(join(space.envs, "environments.json"), "utf8")) as {
    environments: Record<string, { name: string; packages: Record<string, string>; requested: string[] }>;
  };
  return registry.environments[NOTEBOOK]!;
}

describe("!pip install lines", () => {
  it("install into the notebook's own environment, recorded in its registry", async () => {
    const { reply, iopub } = await kernel.client.execute("!pip install luci-bang-dist==1.0.0");
    expect(reply.content.status).toBe("ok");
    expect(progressText(iopub)).toMatch(/Installing luci-bang-dist==1\.0\.0… done/);
    const where = await kernel.client.execute("import sys, bang_mod\nprint(bang_mod.VALUE)\nprint(bang_mod.__file__.startswith(sys.prefix), sys.prefix)");
    expect(where.reply.content.status).toBe("ok");
    const [value, inside] = streamText(where.iopub).split("\n");
    expect(value).toBe("bang 1.0.0");
    expect(inside).toMatch(new RegExp(`^True ${space.envs}/luci_bang_[0-9a-f]{8}$`));
    expect(registryRecord()).toMatchObject({ packages: { "luci-bang-dist": "1.0.0" }, requested: ["luci-bang-dist==1.0.0"] });
  });

  it("run in order with the code around them, in the forms models write (python -m pip, {sys.executable})", async () => {
    const { reply, iopub } = await kernel.client.execute(
      "print('before')\nversion = '1.1.0'\n!{sys.executable} -m pip install -U luci-bang-dist=={version} > /dev/null\nprint('after')",
    );
    expect(reply.content.status).toBe("ok");
    // The installer's own lines come between the cell's: the install ran where the line was.
    expect(streamText(iopub)).toMatch(/^before\n[\s\S]*luci-bang-dist==1\.1\.0[\s\S]*\nafter\n$/);
    expect(registryRecord().packages["luci-bang-dist"]).toBe("1.1.0");
    // A fresh Python of the same environment imports the new version.
    const fresh = await kernel.client.execute(
      "import subprocess, sys\nprint(subprocess.run([sys.executable, '-c', 'import bang_mod; print(bang_mod.VALUE)'], capture_output=True, text=True).stdout)",
    );
    expect(streamText(fresh.iopub)).toBe("bang 1.1.0\n\n");
  });

  it("a failed install stops the cell with the installer's words, and the kernel goes on", async () => {
    const { reply, iopub } = await kernel.client.execute("print('first')\n!pip install luci-not-on-this-index\nprint('not reached')");
    expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(String(reply.content.evalue)).toContain("luci-not-on-this-index");
    const out = streamText(iopub);
    expect(out).toMatch(/^first\n/);
    expect(out).not.toContain("not reached");
    const after = await kernel.client.execute("print('still here')");
    expect(streamText(after.iopub)).toBe("still here\n");
  });
});

describe("%luci env", () => {
  it("describes the notebook's environment: its name, folder, Python, tool and packages", async () => {
    const { reply, iopub } = await kernel.client.execute("%luci env");
    expect(reply.content.status).toBe("ok");
    const text = streamText(iopub);
    const name = registryRecord().name;
    expect(name).toMatch(/^luci_bang_[0-9a-f]{8}$/);
    expect(text).toContain(`Environment ${name} for ${NOTEBOOK}`);
    expect(text).toContain(`folder: ${join(space.envs, name)}`);
    expect(text).toMatch(/Python 3\.\d+\.\d+ from \S+, built with uv/);
    expect(text).toMatch(/\d+ packages:\n(.*\n)*\s+luci-bang-dist==1\.1\.0/);
  });

  it("with a fixed Python (LUCI_EXECUTOR=local), says there is no notebook environment", async () => {
    const local = await startKernel({ env: { LUCI_EXECUTOR: "local" } });
    try {
      const { reply, iopub } = await local.client.execute("%luci env");
      expect(reply.content.status).toBe("ok");
      expect(streamText(iopub)).toMatch(/fixed Python \(LUCI_EXECUTOR=local\), not a notebook environment/);
    } finally {
      await local.stop();
    }
  });
});

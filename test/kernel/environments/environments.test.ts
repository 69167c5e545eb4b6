// A notebook's own environment, end to end through a real kernel: created on first use, the
// imported package installed with progress in the cell, reused after a restart with nothing
// installed, and the registry describing it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ofType, streamText } from "../../support/kernel-client.js";
import type { StartedKernel } from "../../support/kernel-process.js";
import { startPackageIndex, type PackageIndex } from "../../support/package-index.js";
import { progressText, startNotebookKernel, workspace, writeNotebook } from "./environment-kernel.js";

let index: PackageIndex;
const space = workspace();
const kernels: StartedKernel[] = [];

beforeAll(async () => {
  index = await startPackageIndex([
    { name: "luci-demo-pkg", version: "1.2.3" },
    { name: "luci-dyn", version: "0.1.0" },
    { name: "luci-pinned", version: "1.0.0" },
    { name: "luci-pinned", version: "2.0.0" },
  ]);
});
afterAll(async () => {
  for (const k of kernels) await k.stop();
  await index?.close();
});

async function kernelFor(notebook: string): Promise<StartedKernel> {
  const kernel = await startNotebookKernel({ ...space, session: notebook, indexUrl: index.url });
  kernels.push(kernel);
  return kernel;
}

function registry() {
  return JSON.parse(readFileSync(join(space.envs, "environments.json"), "utf8")) as {
    version: number;
    environments: Record<string, { name: string; packages: Record<string, string>; state: string; requested: string[] }>;
  };
}

describe("notebook environments", () => {
  it("creates the environment, installs what the cell imports with progress shown, and runs it", async () => {
    writeNotebook(space.notebooks, "analysis.ipynb");
    const kernel = await kernelFor("analysis.ipynb");
    const { reply, iopub } = await kernel.client.execute("import luci_demo_pkg\nprint(luci_demo_pkg.VALUE)");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("luci-demo-pkg 1.2.3\n");
    const progress = progressText(iopub);
    expect(progress).toMatch(/Creating environment luci_analysis_[0-9a-f]{8} with uv… done in [\d.]+ s/);
    expect(progress).toMatch(/Installing luci-demo-pkg… done in [\d.]+ s \(luci-demo-pkg 1\.2\.3\)/);
    const record = registry().environments[join(space.notebooks, "analysis.ipynb")]!;
    expect(record).toMatchObject({ state: "ready", packages: { "luci-demo-pkg": "1.2.3" } });
    expect(record.requested).toContain("luci-demo-pkg");
    await kernel.stop();
  });

  it("after a restart, uses the same environment and installs nothing", async () => {
    const before = index.requests.length;
    const kernel = await kernelFor("analysis.ipynb");
    const { reply, iopub } = await kernel.client.execute("import luci_demo_pkg, sys\nprint(luci_demo_pkg.VALUE, sys.prefix)");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toMatch(/^luci-demo-pkg 1\.2\.3 .*luci_analysis_[0-9a-f]{8}\n$/);
    expect(ofType(iopub, "display_data")).toEqual([]);
    expect(index.requests.length).toBe(before);
    expect(readdirSync(space.envs).filter((n) => n.startsWith("luci_analysis_") && !n.endsWith(".lock"))).toHaveLength(1);
    await kernel.stop();
  });

  it("installs a module imported only at run time, and runs the cell once more, saying so", async () => {
    const kernel = await kernelFor("analysis.ipynb");
    const { reply, iopub } = await kernel.client.execute("import importlib\nname = 'luci' + '_dyn'\nprint(importlib.import_module(name).VALUE)");
    expect(reply.content.status).toBe("ok");
    expect(progressText(iopub)).toMatch(/imported luci_dyn while it ran.*running the cell once more/s);
    expect(streamText(iopub)).toContain("luci-dyn 0.1.0\n");
  });

  it("runs %pip install, list and uninstall on the notebook's environment", async () => {
    const kernel = await kernelFor("analysis.ipynb");
    const installed = await kernel.client.execute("%pip install luci-pinned==1.0.0");
    expect(installed.reply.content.status).toBe("ok");
    const check = await kernel.client.execute("import luci_pinned; print(luci_pinned.VALUE)");
    expect(streamText(check.iopub)).toBe("luci-pinned 1.0.0\n");
    expect(registry().environments[join(space.notebooks, "analysis.ipynb")]!.requested).toContain("luci-pinned==1.0.0");
    const listed = await kernel.client.execute("%pip list");
    expect(streamText(listed.iopub)).toMatch(/luci-pinned\s+1\.0\.0/);
    const removed = await kernel.client.execute("%pip uninstall luci-pinned");
    expect(removed.reply.content.status).toBe("ok");
    expect(registry().environments[join(space.notebooks, "analysis.ipynb")]!.packages["luci-pinned"]).toBeUndefined();
    const bad = await kernel.client.execute("%pip frobnicate");
    expect(bad.reply.content).toMatchObject({ status: "error", ename: "UsageError" });
  });

  it("reports an import the index does not have, with what was tried, and never guesses generic names", async () => {
    const kernel = await kernelFor("analysis.ipynb");
    const missing = await kernel.client.execute("import luci_no_such_thing");
    expect(missing.reply.content).toMatchObject({ status: "error", ename: "PackageInstallError" });
    expect(String(missing.reply.content.evalue)).toMatch(/luci_no_such_thing: could not be installed \(tried luci-no-such-thing\)/);
    const generic = await kernel.client.execute("import utils");
    expect(String(generic.reply.content.evalue)).toMatch(/utils: not installed, because .*generic/);
  });

  it("installs requirements.txt beside the notebook when the environment is created", async () => {
    writeNotebook(space.notebooks, "pinned.ipynb");
    const requirements = join(space.notebooks, "requirements.txt");
    const { writeFileSync, rmSync } = await import("node:fs");
    writeFileSync(requirements, "luci-pinned==1.0.0\n");
    try {
      const kernel = await kernelFor("pinned.ipynb");
      const { iopub } = await kernel.client.execute("import luci_pinned; print(luci_pinned.VALUE)");
      expect(progressText(iopub)).toMatch(/Installing requirements.txt \(1 package\)… done/);
      expect(streamText(iopub)).toBe("luci-pinned 1.0.0\n");
    } finally {
      rmSync(requirements);
    }
  });

  it("a requirements.txt that cannot be installed keeps failing in words, and is never silently dropped", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const folder = join(space.notebooks, "badreq");
    mkdirSync(folder);
    writeNotebook(folder, "bad.ipynb");
    writeFileSync(join(folder, "requirements.txt"), "luci-demo-pkg==1.2.3\nluci-not-on-index==2.0\n");
    const kernel = await startNotebookKernel({ ...space, notebooks: folder, session: "bad.ipynb", indexUrl: index.url });
    kernels.push(kernel);
    for (let attempt = 0; attempt < 2; attempt++) {
      const { reply } = await kernel.client.execute("print('should not run')");
      expect(reply.content).toMatchObject({ status: "error", ename: "PythonUnavailable" });
      expect(String(reply.content.evalue)).toMatch(/could not be prepared/);
    }
  });
});

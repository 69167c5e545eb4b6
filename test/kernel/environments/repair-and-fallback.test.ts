// An environment whose interpreter is gone is rebuilt from the registry at its next use; and
// without uv, environments are made with venv and pip.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamText } from "../../support/kernel-client.js";
import { startKernel } from "../../support/kernel-process.js";
import { startPackageIndex, type PackageIndex } from "../../support/package-index.js";
import { progressText, startNotebookKernel, workspace, writeNotebook } from "./environment-kernel.js";

let index: PackageIndex;
beforeAll(async () => {
  index = await startPackageIndex([{ name: "luci-demo-pkg", version: "1.2.3" }]);
});
afterAll(async () => {
  await index?.close();
});

describe("repair and fallback", () => {
  it("rebuilds an environment whose interpreter is gone, with its packages, and says so", async () => {
    const space = workspace();
    writeNotebook(space.notebooks, "fragile.ipynb");
    const first = await startNotebookKernel({ ...space, session: "fragile.ipynb", indexUrl: index.url });
    await first.client.execute("import luci_demo_pkg");
    await first.stop();
    const registry = JSON.parse(readFileSync(join(space.envs, "environments.json"), "utf8")) as { environments: Record<string, { name: string }> };
    const name = registry.environments[join(space.notebooks, "fragile.ipynb")]!.name;
    rmSync(join(space.envs, name, "bin", "python"));

    const second = await startNotebookKernel({ ...space, session: "fragile.ipynb", indexUrl: index.url });
    try {
      const { reply, iopub } = await second.client.execute("import luci_demo_pkg; print(luci_demo_pkg.VALUE)");
      expect(reply.content.status).toBe("ok");
      expect(progressText(iopub)).toMatch(
        /Repairing environment luci_fragile_[0-9a-f]{8}: its Python interpreter is missing\. Rebuilding it from the registry's package list \(1 package\)/,
      );
      expect(progressText(iopub)).toMatch(/Reinstalling 1 package… done/);
      expect(streamText(iopub)).toBe("luci-demo-pkg 1.2.3\n");
    } finally {
      await second.stop();
    }
  });

  it("without uv, makes the environment with venv and installs with pip", async () => {
    const space = workspace();
    writeNotebook(space.notebooks, "nouv.ipynb");
    const path = (process.env.PATH ?? "")
      .split(":")
      .filter((dir) => !dir.includes(".venv"))
      .join(":");
    const kernel = await startKernel({
      cwd: space.notebooks,
      env: { LUCI_EXECUTOR: "venv", LUCI_ENV_DIR: space.envs, LUCI_UV: "off", PATH: path, JPY_SESSION_NAME: "nouv.ipynb", LUCI_INDEX_URL: index.url },
    });
    try {
      const { reply, iopub } = await kernel.client.execute("import luci_demo_pkg; print(luci_demo_pkg.VALUE)");
      expect(reply.content.status).toBe("ok");
      expect(progressText(iopub)).toMatch(/Creating environment luci_nouv_[0-9a-f]{8} with venv and pip… done/);
      expect(streamText(iopub)).toBe("luci-demo-pkg 1.2.3\n");
    } finally {
      await kernel.stop();
    }
  });
});

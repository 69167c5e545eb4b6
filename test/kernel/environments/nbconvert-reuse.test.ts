// A notebook used in JupyterLab (which names it through JPY_SESSION_NAME) and then run by
// `jupyter nbconvert --execute` from its own folder (which names nothing) uses the same
// environment: nothing is installed again. And one install from the real public index.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamText } from "../../support/kernel-client.js";
import { LUCI_BIN, ROOT } from "../../support/kernel-process.js";
import { startPackageIndex, type PackageIndex } from "../../support/package-index.js";
import { UV, startNotebookKernel, workspace, writeNotebook } from "./environment-kernel.js";

const JUPYTER = join(ROOT, ".venv", "bin", "jupyter");
let index: PackageIndex;
beforeAll(async () => {
  index = await startPackageIndex([{ name: "luci-demo-pkg", version: "1.2.3" }]);
});
afterAll(async () => {
  await index?.close();
});

describe("one environment per notebook, whoever runs it", () => {
  it("nbconvert from the notebook's folder reuses the environment it had in JupyterLab", async () => {
    if (!existsSync(JUPYTER)) throw new Error(`nbconvert is needed at ${JUPYTER} (bash .ci/run installs it)`);
    const space = workspace();
    const cell = "import luci_demo_pkg\nprint(luci_demo_pkg.VALUE)";
    writeNotebook(space.notebooks, "report.ipynb", [cell]);
    writeNotebook(space.notebooks, "other.ipynb", ["print('another notebook in the folder')"]);

    const lab = await startNotebookKernel({ ...space, session: "report.ipynb", indexUrl: index.url });
    const first = await lab.client.execute(cell);
    expect(streamText(first.iopub)).toBe("luci-demo-pkg 1.2.3\n");
    await lab.stop();
    const requestsBefore = index.requests.length;

    const prefix = mkdtempSync(join(tmpdir(), "luci-spec-"));
    execFileSync(process.execPath, [LUCI_BIN, "install", "--prefix", prefix, "--python", "python3"], {
      env: { ...process.env, LUCI_UV: UV, LUCI_ENV_DIR: space.envs },
    });
    execFileSync(JUPYTER, ["nbconvert", "--to", "notebook", "--execute", "report.ipynb", "--output", "report-run.ipynb"], {
      cwd: space.notebooks,
      env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), LUCI_INDEX_URL: index.url },
      stdio: "pipe",
    });
    const executed = JSON.parse(readFileSync(join(space.notebooks, "report-run.ipynb"), "utf8")) as {
      cells: { outputs: { output_type: string; text?: string | string[] }[] }[];
    };
    const outputs = executed.cells[0]!.outputs;
    expect(outputs.map((o) => o.output_type)).toEqual(["stream"]); // no progress display: nothing was built or installed
    expect([outputs[0]!.text].flat().join("")).toBe("luci-demo-pkg 1.2.3\n");
    expect(index.requests.length).toBe(requestsBefore);
    const registry = JSON.parse(readFileSync(join(space.envs, "environments.json"), "utf8")) as { environments: object };
    expect(Object.keys(registry.environments)).toEqual([join(space.notebooks, "report.ipynb")]);
  });

  it("installs a real small package from the public index (PyPI)", async () => {
    const space = workspace();
    writeNotebook(space.notebooks, "pypi.ipynb");
    const kernel = await startNotebookKernel({ ...space, session: "pypi.ipynb" });
    try {
      const { reply, iopub } = await kernel.client.execute("import six\nprint('six', six.__version__)");
      expect(reply.content.status).toBe("ok");
      expect(streamText(iopub)).toMatch(/^six \d+\.\d+\.\d+\n$/);
    } finally {
      await kernel.stop();
    }
  });
});

// Issue 13, a notebook renamed while no kernel runs, through `luci serve` in its own process with
// the @jupyterlab/services client the page uses: a cell run in a new notebook (its id goes into the
// environment's record), the notebook saved and its kernel shut down, the file renamed with the
// contents API, a new session at the new path. Its kernel adopts the environment of the notebook
// that is gone (their cell ids match): `%luci env` names the same environment, the cell runs in the
// same venv, and only one venv exists, its record under the new path.
import { type ContentsManager, type KernelManager, type SessionManager } from "@jupyterlab/services";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UV, environmentFolders } from "../kernel/environments/environment-kernel.js";
import { runCell as run, saveOneCellNotebook, servicesManagers } from "../support/services-cells.js";
import { startChildServer, type ChildServer } from "./child-server.js";
import { eventually, quietJupyterLabServices } from "./server-harness.js";

quietJupyterLabServices();

const LUCI = resolve(import.meta.dirname, "..", "..", "dist", "kernel", "cli", "luci.js");
const PREFIX = "import sys\nprint(sys.prefix)";

let server: ChildServer;
let envs: string;
let contents: ContentsManager;
let kernels: KernelManager;
let sessions: SessionManager;

beforeAll(async () => {
  envs = mkdtempSync(join(tmpdir(), "luci-move-closed-envs-"));
  server = await startChildServer({ LUCI_EXECUTOR: "venv", LUCI_ENV_DIR: envs, LUCI_UV: UV });
  ({ contents, kernels, sessions } = await servicesManagers(server.base.href, server.token));
}, 60_000);

afterAll(async () => {
  sessions?.dispose();
  kernels?.dispose();
  await server?.close();
  if (envs) rmSync(envs, { recursive: true, force: true });
});

async function luciEnv(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [LUCI, "env", ...args], { env: { ...process.env, LUCI_ENV_DIR: envs } });
  return stdout;
}

describe("a notebook renamed while no kernel runs keeps its environment", () => {
  it("the kernel at the new path adopts the environment by the notebook's cell ids: the same venv, no second one", async () => {
    const created = await contents.newUntitled({ type: "notebook" });
    const first = await sessions.startNew({ path: created.path, type: "notebook", name: created.name, kernel: { name: "luci" } });
    const ran = await run(first, PREFIX, "cell-prefix");
    expect(ran.reply.content.status, ran.text).toBe("ok");
    const folders = environmentFolders(envs);
    expect(folders).toHaveLength(1);
    const environment = folders[0]!;
    expect(ran.stdout.trim()).toBe(join(envs, environment));
    await saveOneCellNotebook(contents, created.path, { id: "cell-prefix", source: PREFIX, outputs: ran.outputs });
    const [record] = JSON.parse(await luciEnv("list", "--json")) as { key: string; cells?: string[] }[];
    expect(record).toMatchObject({ key: join(server.root, created.path), cells: ["cell-prefix"] });

    // Closed: the kernel shut down and its process gone, then the file renamed in the file browser.
    const kernelId = first.kernel!.id;
    await first.shutdown();
    await eventually(async () => ((await server.api(`/api/kernels/${kernelId}`)).status === 404 ? true : undefined), 30_000, "the kernel to stop");
    await eventually(
      async () => ((await luciEnv("show", environment)).includes("no running kernel") ? true : undefined),
      30_000,
      "the kernel's process to exit",
    );
    const renamed = await contents.rename(created.path, "Loan analysis.ipynb");

    const second = await sessions.startNew({ path: renamed.path, type: "notebook", name: renamed.name, kernel: { name: "luci" } });
    const env = await run(second, "%luci env", "cell-env");
    expect(env.reply.content.status, env.text).toBe("ok");
    expect(env.text).toContain(`Environment ${environment} for ${join(server.root, "Loan analysis.ipynb")}`);
    const again = await run(second, PREFIX, "cell-prefix");
    expect(again.reply.content.status, again.text).toBe("ok");
    expect(again.stdout.trim()).toBe(join(envs, environment));
    expect(again.text).not.toContain("Creating environment");
    expect(environmentFolders(envs)).toEqual([environment]);
    const records = JSON.parse(await luciEnv("list", "--json")) as { key: string; name: string }[];
    expect(records.map((r) => [r.key, r.name])).toEqual([[join(server.root, "Loan analysis.ipynb"), environment]]);
    await second.shutdown();
  }, 300_000);
});

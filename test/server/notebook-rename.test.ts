// Issue 13, "a notebook's identity follows it", through `luci serve` in its own process with the
// @jupyterlab/services client the page uses: "+ New", a task run and saved with its record, a
// rename while the notebook is open (contents PATCH, then the session's path, as the page and
// JupyterLab do), a kernel restart. The restarted kernel knows the new path, keeps the same venv
// (no second one is made), and reruns the unchanged task from its record with no model call;
// `luci env list` shows the environment under the new name; `luci env gc` leaves an environment
// a running kernel uses alone, its notebook deleted (and removes it once no kernel does).
import { type ContentsManager, type KernelManager, type SessionManager, type Session } from "@jupyterlab/services";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECORD_MIME } from "../../kernel/pipeline/records/record.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../support/fake-model-server.js";
import { UV, environmentFolders } from "../kernel/environments/environment-kernel.js";
import { runCell as run, saveOneCellNotebook, renameAndRestart, servicesManagers } from "../support/services-cells.js";
import { startChildServer, type ChildServer } from "./child-server.js";
import { eventually, quietJupyterLabServices } from "./server-harness.js";

quietJupyterLabServices();

const LUCI = resolve(import.meta.dirname, "..", "..", "dist", "kernel", "cli", "luci.js");
const TASK = "work out the answer to everything and print it";

let model: FakeModelServer;
let server: ChildServer;
let envs: string;
let contents: ContentsManager;
let kernels: KernelManager;
let sessions: SessionManager;

beforeAll(async () => {
  model = await startFakeModelServer();
  envs = mkdtempSync(join(tmpdir(), "luci-rename-envs-"));
  server = await startChildServer({
    LUCI_EXECUTOR: "venv",
    LUCI_ENV_DIR: envs,
    LUCI_UV: UV,
    LUCI_LLM_BASE_URL: model.baseUrl,
    LUCI_LLM_MODEL: "fake-coder",
    LUCI_LLM_API_KEY: "test-key",
  });
  ({ contents, kernels, sessions } = await servicesManagers(server.base.href, server.token));
}, 60_000);

afterAll(async () => {
  sessions?.dispose();
  kernels?.dispose();
  await server?.close();
  await model?.close();
  if (envs) rmSync(envs, { recursive: true, force: true });
});

/** `luci env ARGS` against the test's environments folder. */
async function luciEnv(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [LUCI, "env", ...args], { env: { ...process.env, LUCI_ENV_DIR: envs } });
  return stdout;
}

describe("a notebook renamed while open keeps its environment and its records", () => {
  let session: Session.ISessionConnection;
  let firstEnvironment: string;
  let firstPath: string;

  it("+ New, a task run and saved with its record", async () => {
    const created = await contents.newUntitled({ type: "notebook" });
    firstPath = join(server.root, created.path);
    session = await sessions.startNew({ path: created.path, type: "notebook", name: created.name, kernel: { name: "luci" } });
    model.enqueue(answer({ code: "# Multiply six by seven\nanswer = 6 * 7\nprint(answer)" }));
    const first = await run(session, TASK, "task-cell");
    expect(first.reply.content.status, first.text).toBe("ok");
    expect(first.text).toContain("42");
    expect(model.chatRequests).toHaveLength(1);
    expect(first.outputs.some((o) => RECORD_MIME in ((o.data as Record<string, unknown> | undefined) ?? {}))).toBe(true);
    // The environment the kernel made for the new notebook, named after its first name.
    const folders = environmentFolders(envs);
    expect(folders).toHaveLength(1);
    firstEnvironment = folders[0]!;
    expect(firstEnvironment).toMatch(/^luci_Untitled/);
    // The page saves the notebook with the cell's outputs (so the record travels).
    await saveOneCellNotebook(contents, created.path, { id: "task-cell", source: TASK, outputs: first.outputs });
  }, 300_000);

  it("renamed and restarted, the kernel knows its new path, keeps its venv and reruns the task from its record", async () => {
    await renameAndRestart(contents, session, "Loan analysis.ipynb");

    const env = await run(session, "%luci env", "env-cell");
    expect(env.reply.content.status, env.text).toBe("ok");
    expect(env.text).toContain(`Environment ${firstEnvironment} for ${join(server.root, "Loan analysis.ipynb")}`);

    const rerun = await run(session, TASK, "task-cell");
    expect(rerun.reply.content.status, rerun.text).toBe("ok");
    expect(rerun.text).toContain("42");
    expect(model.chatRequests).toHaveLength(1); // no second model call: the record ran
    expect(environmentFolders(envs)).toEqual([firstEnvironment]); // the same venv, no new one

    const list = await luciEnv("list");
    expect(list).toContain(firstEnvironment);
    expect(list).toContain("Loan analysis.ipynb");
    expect(list).not.toContain("missing");
    const records = JSON.parse(await luciEnv("list", "--json")) as { key: string; name: string }[];
    expect(records.map((r) => [r.key, r.name])).toEqual([[join(server.root, "Loan analysis.ipynb"), firstEnvironment]]);
  }, 300_000);

  it("+ New again makes a notebook at the old path: it gets an environment of its own, and the renamed one's is untouched", async () => {
    const created = await contents.newUntitled({ type: "notebook" });
    expect(join(server.root, created.path)).toBe(firstPath);
    const other = await sessions.startNew({ path: created.path, type: "notebook", name: created.name, kernel: { name: "luci" } });
    const ran = await run(other, "import sys\nprint(sys.prefix)", "other-cell");
    expect(ran.reply.content.status, ran.text).toBe("ok");
    const folders = environmentFolders(envs);
    expect(folders).toHaveLength(2);
    const second = folders.find((name) => name !== firstEnvironment)!;
    expect(ran.stdout.trim()).toBe(join(envs, second));
    // The renamed notebook's kernel still runs in its own, whole environment.
    const mine = await run(session, "import sys\nprint(sys.prefix)", "python-cell");
    expect(mine.stdout.trim()).toBe(join(envs, firstEnvironment));
    expect(existsSync(join(envs, firstEnvironment, ".luci-ready"))).toBe(true);
    await other.shutdown();
  }, 120_000);

  it("luci env gc leaves an environment a running kernel uses alone, and removes it once none does", async () => {
    // The notebook deleted while its kernel runs: the registry names a notebook that is gone.
    await contents.delete(session.path);
    expect(await luciEnv("list")).toContain("(missing; a running kernel uses it)");
    const gc = await luciEnv("gc");
    expect(gc).toContain(`Kept ${firstEnvironment}`);
    expect(existsSync(join(envs, firstEnvironment, ".luci-ready"))).toBe(true);
    const still = await run(session, "print('still here')", "python-cell");
    expect(still.text).toContain("still here");

    // Once no kernel runs on it, the environment of a notebook that is gone is garbage.
    const kernelId = session.kernel!.id;
    await session.shutdown();
    await eventually(async () => ((await server.api(`/api/kernels/${kernelId}`)).status === 404 ? true : undefined), 30_000, "the kernel to stop");
    await eventually(
      async () => ((await luciEnv("show", firstEnvironment)).includes("no running kernel") ? true : undefined),
      30_000,
      "the kernel's process to exit",
    );
    const after = await luciEnv("gc");
    expect(after).toContain(`Removed ${firstEnvironment}`);
    expect(existsSync(join(envs, firstEnvironment))).toBe(false);
  }, 120_000);
});

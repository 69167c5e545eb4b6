// Issue 13 in real JupyterLab's server (jupyter_server from .venv, started as the JupyterLab tests
// start it), driven by @jupyterlab/services as JupyterLab's notebook panel drives it: a new
// notebook, a task run and saved with its record, a rename (contents PATCH, then the session's
// path and name, as JupyterLab's document context sends them), a kernel restart. jupyter_server
// does not tell the running kernel; its update_env gives the restarted kernel JPY_SESSION_NAME
// with the new path, and the kernel's connection file is the same: the kernel then knows its new
// path, keeps its environment, and reruns the unchanged task from its record with no model call.
import { type ContentsManager, type KernelManager, type SessionManager, type Session } from "@jupyterlab/services";
import { execFile } from "node:child_process";
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RECORD_MIME } from "../../kernel/pipeline/records/record.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../support/fake-model-server.js";
import { runCell as run, saveOneCellNotebook, renameAndRestart, servicesManagers } from "../support/services-cells.js";
import { UV, environmentFolders } from "../kernel/environments/environment-kernel.js";
import { luciKernelEnv } from "../frontend/support/page-server.js";
import { quietJupyterLabServices } from "../server/server-harness.js";
import { startLab, type Lab } from "./support/lab.js";

quietJupyterLabServices();

const LUCI = resolve(import.meta.dirname, "..", "..", "dist", "kernel", "cli", "luci.js");
const TASK = "work out the answer to everything and print it";

let model: FakeModelServer;
let lab: Lab | undefined;
let root: string;
let envs: string;
let contents: ContentsManager;
let kernels: KernelManager;
let sessions: SessionManager;

beforeAll(async () => {
  model = await startFakeModelServer();
  const temp = realpathSync(mkdtempSync(join(tmpdir(), "luci-lab-rename-")));
  root = join(temp, "notebooks");
  envs = join(temp, "environments");
  lab = await startLab(temp, {
    ...(process.env as Record<string, string>),
    ...luciKernelEnv(temp, model),
    LUCI_EXECUTOR: "venv",
    LUCI_ENV_DIR: envs,
    LUCI_UV: UV,
  });
  const url = new URL(lab.url);
  ({ contents, kernels, sessions } = await servicesManagers(`${url.origin}/`, url.searchParams.get("token")!));
}, 90_000);

afterEach((context) => {
  if (context.task.result?.state === "fail") console.log(`jupyter lab's log, its end:\n${lab?.log().slice(-6000)}`);
});

afterAll(async () => {
  sessions?.dispose();
  kernels?.dispose();
  await lab?.stop();
  await model?.close();
}, 30_000);

describe("a notebook renamed in JupyterLab keeps its environment and its records", () => {
  let session: Session.ISessionConnection;
  let firstEnvironment: string;

  it("a new notebook runs a task, saved with its record", async () => {
    const created = await contents.newUntitled({ type: "notebook" });
    session = await sessions.startNew({ path: created.path, type: "notebook", name: created.name, kernel: { name: "luci" } });
    model.enqueue(answer({ code: "# Multiply six by seven\nanswer = 6 * 7\nprint(answer)" }));
    const first = await run(session, TASK, "task-cell");
    expect(first.reply.content.status, first.text).toBe("ok");
    expect(first.stdout).toContain("42");
    expect(model.chatRequests).toHaveLength(1);
    expect(first.outputs.some((o) => RECORD_MIME in ((o.data as Record<string, unknown> | undefined) ?? {}))).toBe(true);
    expect(environmentFolders(envs)).toHaveLength(1);
    firstEnvironment = environmentFolders(envs)[0]!;
    await saveOneCellNotebook(contents, created.path, { id: "task-cell", source: TASK, outputs: first.outputs });
  }, 300_000);

  it("renamed and restarted, the kernel knows its new path, keeps its venv and reruns the task from its record", async () => {
    await renameAndRestart(contents, session, "Loan analysis.ipynb");

    const env = await run(session, "%luci env", "env-cell");
    expect(env.text).toContain(`Environment ${firstEnvironment} for ${join(root, "Loan analysis.ipynb")}`);
    const rerun = await run(session, TASK, "task-cell");
    expect(rerun.reply.content.status, rerun.text).toBe("ok");
    expect(rerun.stdout).toContain("42");
    expect(model.chatRequests).toHaveLength(1);
    expect(environmentFolders(envs)).toEqual([firstEnvironment]);

    const { stdout } = await promisify(execFile)(process.execPath, [LUCI, "env", "list", "--json"], { env: { ...process.env, LUCI_ENV_DIR: envs } });
    const records = JSON.parse(stdout) as { key: string; name: string }[];
    expect(records.map((r) => [r.key, r.name])).toEqual([[join(root, "Loan analysis.ipynb"), firstEnvironment]]);
    await session.shutdown();
  }, 300_000);
});

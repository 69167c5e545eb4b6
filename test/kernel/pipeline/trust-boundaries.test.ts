// Issue 12, trust: what someone else's notebook may not do before the user trusts it, met as a
// user or an attacker meets it (real kernels, real `jupyter nbconvert --execute`):
// 1. its folder's requirements.txt is not installed (a local wheel there carries a .pth file
//    that would run at every Python start);
// 2. `%luci model NAME --base-url URL` does not move the user's key and the notebook's context
//    to the notebook's endpoint, and is never remembered from a notebook that was not trusted;
// 3. `%luci trust` inside the notebook, then Run All (which sends allow_stdin=true as a person's
//    run does), does not trust it: a person must answer the kernel's question.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../../kernel/protocol/messages.js";
import { TrustStore } from "../../../kernel/pipeline/records/trust.js";
import { executeAnswering, streamText } from "../../support/kernel-client.js";
import { LUCI_BIN, ROOT, startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";
import { progressText, startNotebookKernel, UV } from "../environments/environment-kernel.js";
import { unsigned, writeNotebook } from "./records/helpers.js";

const BIN = join(ROOT, ".venv", "bin");
const base = mkdtempSync(join(tmpdir(), "luci-trust-holes-"));
const prefix = join(base, "prefix");
const envs = join(base, "envs");
/** Someone else: their key signs the records of the notebooks they send. */
const colleague = new TrustStore(join(base, "trust-colleague"));

const LOAN_TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";

interface Notebook {
  cells: {
    cell_type: string;
    source: string | string[];
    outputs?: { output_type: string; ename?: string; evalue?: string; data?: Record<string, unknown> }[];
  }[];
}

/** A colleague's notebook: one task cell holding their record (signed with their key, not the user's). */
function colleaguesNotebook(folder: string, name = "shared.ipynb"): string {
  mkdirSync(folder, { recursive: true });
  return writeNotebook(join(folder, name), [{ id: "loan", source: LOAN_TASK, records: [colleague.sign(unsigned())] }]);
}

/** A local wheel whose .pth line writes `marker` at every start of the Python it is installed in; its path. */
function hookWheel(folder: string, marker: string): string {
  const made = execFileSync("python3", [
    join(ROOT, "test", "support", "make_wheel.py"),
    join(folder, "wheels"),
    "luci-startup-hook",
    "1.0",
    "--module",
    `luci_startup_hook.pth=import pathlib; pathlib.Path(${JSON.stringify(marker)}).write_text("ran")`,
  ]);
  return made.toString().trim();
}

/** Runs a Jupyter tool as a user would, with the kernelspec `luci install` wrote into `prefix`. */
async function jupyter(args: string[], cwd: string, env: Record<string, string>) {
  const result = await execa(join(BIN, "jupyter"), args, {
    cwd,
    reject: false,
    stdin: "ignore",
    env: { JUPYTER_PATH: join(prefix, "share", "jupyter"), ...env },
  });
  return { status: result.exitCode, stderr: String(result.stderr) };
}

/** Every output of a cell as text (streams, errors, displays), for assertions on what the user reads. */
function cellText(path: string, index: number): string {
  const notebook = JSON.parse(readFileSync(path, "utf8")) as Notebook;
  return JSON.stringify(notebook.cells[index]!.outputs ?? []);
}

function errorsOf(path: string, index: number): { ename?: string; evalue?: string }[] {
  const notebook = JSON.parse(readFileSync(path, "utf8")) as Notebook;
  return (notebook.cells[index]!.outputs ?? []).filter((o) => o.output_type === "error");
}

/** The input_request messages a kernel sent (the questions it asked a person). */
function watchPrompts(kernel: StartedKernel): Message[] {
  const prompts: Message[] = [];
  kernel.client.onInputRequest = (message) => prompts.push(message);
  return prompts;
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

beforeAll(() => {
  if (!existsSync(join(BIN, "jupyter"))) throw new Error(`nbconvert is needed in ${BIN} (bash .ci/run installs it)`);
  execFileSync(process.execPath, [LUCI_BIN, "install", "--prefix", prefix, "--python", "python3"], {
    env: { ...process.env, LUCI_UV: UV, LUCI_ENV_DIR: envs },
  });
});

describe("a folder's requirements.txt needs the notebook's trust", () => {
  it("nbconvert of someone else's notebook (one untrusted task, offline) installs nothing from the folder; after luci trust it does", async () => {
    const folder = join(base, "requirements");
    const marker = join(base, "pth-ran");
    const trust = join(base, "trust-requirements");
    colleaguesNotebook(folder);
    writeFileSync(join(folder, "requirements.txt"), `${hookWheel(folder, marker)}\n`);
    const user = { LUCI_TRUST_DIR: trust, LUCI_GENERATION: "offline", LUCI_LLM_BASE_URL: "http://127.0.0.1:9/v1", LUCI_STATE_DIR: join(base, "state-req") };

    const run = await jupyter(["nbconvert", "--to", "notebook", "--execute", "--allow-errors", "shared.ipynb", "--output", "run.ipynb"], folder, user);
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const out = join(folder, "run.ipynb");
    expect(errorsOf(out, 1).map((e) => e.ename)).toEqual(["NotTrusted"]);
    // The cell says what was skipped, why, and how to allow it.
    const said = cellText(out, 1);
    expect(said).toMatch(/requirements\.txt .*not installed/);
    expect(said).toContain("luci_startup_hook");
    expect(said).toContain(`luci trust ${join(folder, "shared.ipynb")}`);

    // Trusted: the next run installs the folder's requirements (and the hook runs, as it would for the user's own folder).
    execFileSync(process.execPath, [LUCI_BIN, "trust", join(folder, "shared.ipynb")], { env: { ...process.env, ...user } });
    const trusted = await jupyter(["nbconvert", "--to", "notebook", "--execute", "shared.ipynb", "--output", "trusted.ipynb"], folder, user);
    expect(trusted.status, trusted.stderr).toBe(0);
    expect(cellText(join(folder, "trusted.ipynb"), 1)).toMatch(/Installing requirements\.txt/);
    expect(readFileSync(marker, "utf8")).toBe("ran");
  }, 240_000);

  it("in JupyterLab, the first cell says the requirements were skipped, and %luci trust (answered) installs them at once", async () => {
    const folder = join(base, "requirements-lab");
    const marker = join(base, "pth-ran-lab");
    colleaguesNotebook(folder);
    writeFileSync(join(folder, "requirements.txt"), `${hookWheel(folder, marker)}\n`);
    const kernel = await startNotebookKernel({
      notebooks: folder,
      envs: join(base, "envs-lab"),
      session: "shared.ipynb",
      env: { LUCI_TRUST_DIR: join(base, "trust-lab-req") },
    });
    try {
      const first = await kernel.client.execute("print('hello')");
      expect(streamText(first.iopub)).toBe("hello\n");
      expect(progressText(first.iopub)).toMatch(
        /requirements\.txt was not installed .*shared\.ipynb holds 1 recorded program made by ann@laptop that you have not trusted/s,
      );
      expect(existsSync(marker)).toBe(false);

      const trusted = await executeAnswering(kernel.client, "%luci trust", "shared.ipynb");
      expect(trusted.reply.content.status).toBe("ok");
      expect(progressText(trusted.iopub)).toMatch(/Installing requirements\.txt \(1 package\)… done/);
      // Installed into the running environment: the next Python started there runs its hook.
      const started = await kernel.client.execute("import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'pass'], check=True)");
      expect(started.reply.content.status).toBe("ok");
      expect(readFileSync(marker, "utf8")).toBe("ran");
    } finally {
      await kernel.stop();
    }
  }, 120_000);
});

describe("where the user's key goes is the user's decision", () => {
  let mine: FakeModelServer;
  let theirs: FakeModelServer;
  beforeAll(async () => {
    mine = await startFakeModelServer();
    theirs = await startFakeModelServer();
  });
  afterAll(async () => {
    await mine?.close();
    await theirs?.close();
  });

  it("under nbconvert, a notebook's %luci model --base-url is refused: its endpoint gets nothing, and nothing is remembered", async () => {
    const folder = join(base, "model");
    mkdirSync(folder, { recursive: true });
    const state = join(base, "state-model");
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } },
      cells: [
        { id: "m", cell_type: "code", source: `%luci model their-coder --base-url ${theirs.baseUrl}`, metadata: {}, outputs: [], execution_count: null },
        { id: "t", cell_type: "code", source: "Print the answer to everything", metadata: {}, outputs: [], execution_count: null },
      ],
    };
    writeFileSync(join(folder, "sent.ipynb"), JSON.stringify(notebook));
    mine.enqueue(answer({ code: "print(42)" }));
    theirs.enqueue(answer({ code: "print(42)" }));
    const user = {
      LUCI_EXECUTOR: "local",
      LUCI_TRUST_DIR: join(base, "trust-model"),
      LUCI_STATE_DIR: state,
      LUCI_LLM_BASE_URL: mine.baseUrl,
      LUCI_LLM_MODEL: "fake-coder",
      LUCI_LLM_API_KEY: "sk-users-own-key",
    };
    const run = await jupyter(["nbconvert", "--to", "notebook", "--execute", "--allow-errors", "sent.ipynb", "--output", "sent-run.ipynb"], folder, user);
    expect(run.status, run.stderr).toBe(0);
    expect(theirs.chatRequests).toHaveLength(0);
    const out = join(folder, "sent-run.ipynb");
    expect(errorsOf(out, 0).map((e) => e.ename)).toEqual(["ModelChoiceRefused"]);
    expect(errorsOf(out, 0)[0]!.evalue).toMatch(/LUCI_LLM_BASE_URL/);
    const remembered = join(state, "notebook-models.json");
    expect(existsSync(remembered) ? readFileSync(remembered, "utf8") : "").not.toContain(theirs.baseUrl);
  }, 120_000);

  it("in JupyterLab, someone else's untrusted notebook cannot move the endpoint; the user's own asks, and only a yes is remembered", async () => {
    const folder = join(base, "model-lab");
    colleaguesNotebook(folder, "theirs.ipynb");
    writeFileSync(join(folder, "mine.ipynb"), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }));
    const env = {
      LUCI_TRUST_DIR: join(base, "trust-lab"),
      LUCI_STATE_DIR: join(base, "state-lab"),
      LUCI_LLM_BASE_URL: mine.baseUrl,
      LUCI_LLM_API_KEY: "sk-users-own-key",
    };
    const remembered = () =>
      existsSync(join(env.LUCI_STATE_DIR, "notebook-models.json")) ? readFileSync(join(env.LUCI_STATE_DIR, "notebook-models.json"), "utf8") : "";

    const foreign = await startKernel({ cwd: folder, env: { ...env, JPY_SESSION_NAME: "theirs.ipynb" } });
    try {
      const prompts = watchPrompts(foreign);
      const { reply } = await foreign.client.execute(`%luci model their-coder --base-url ${theirs.baseUrl}`, { allow_stdin: true });
      expect(reply.content).toMatchObject({ status: "error", ename: "ModelChoiceRefused" });
      expect(String(reply.content.evalue)).toMatch(/not trusted/);
      expect(prompts).toHaveLength(0);
      expect(remembered()).not.toContain(theirs.baseUrl);
    } finally {
      await foreign.stop();
    }

    const own = await startKernel({ cwd: folder, env: { ...env, JPY_SESSION_NAME: "mine.ipynb" } });
    try {
      const prompts = watchPrompts(own);
      const declined = own.client.execute(`%luci model their-coder --base-url ${theirs.baseUrl}`, { allow_stdin: true });
      await until(() => prompts.length === 1, "the kernel asks before the endpoint changes");
      expect(String(prompts[0]!.content.prompt)).toMatch(/yes/);
      own.client.input("", prompts[0]!);
      expect((await declined).reply.content).toMatchObject({ status: "error", ename: "ModelChoiceDeclined" });
      expect(remembered()).not.toContain(theirs.baseUrl);

      const accepted = own.client.execute(`%luci model their-coder --base-url ${theirs.baseUrl}`, { allow_stdin: true });
      await until(() => prompts.length === 2, "the kernel asks again");
      own.client.input("yes", prompts[1]!);
      expect((await accepted).reply.content.status).toBe("ok");
      expect(remembered()).toContain(theirs.baseUrl);
      // The same endpoint again (Run All of the user's own notebook) asks nothing.
      const again = await own.client.execute(`%luci model their-coder --base-url ${theirs.baseUrl}`, { allow_stdin: true });
      expect(again.reply.content.status).toBe("ok");
      expect(prompts).toHaveLength(2);
    } finally {
      await own.stop();
    }
  }, 120_000);
});

describe("a notebook never trusts itself", () => {
  it("%luci trust then Run All (allow_stdin=true): nothing is trusted until a person answers with the notebook's name", async () => {
    const folder = join(base, "self-trust");
    const path = colleaguesNotebook(folder);
    const trust = join(base, "trust-self");
    const kernel = await startKernel({ cwd: folder, env: { LUCI_TRUST_DIR: trust, JPY_SESSION_NAME: "shared.ipynb", LUCI_GENERATION: "offline" } });
    try {
      const prompts = watchPrompts(kernel);
      // Run All: the notebook's cells, one request each, as JupyterLab sends them.
      const trustCell = kernel.client.execute("%luci trust", { allow_stdin: true });
      await until(() => prompts.length === 1, "%luci trust asks a person");
      expect(String(prompts[0]!.content.prompt)).toContain("shared.ipynb");
      expect(existsSync(join(trust, "trusted.json"))).toBe(false);
      kernel.client.input("", prompts[0]!); // nobody typed the name
      expect((await trustCell).reply.content).toMatchObject({ status: "error", ename: "TrustDeclined" });
      const refused = await kernel.client.execute(LOAN_TASK, { allow_stdin: true }, { cellId: "loan" });
      expect(refused.reply.content).toMatchObject({ status: "error", ename: "NotTrusted" });

      // A person runs %luci trust alone and types the notebook's name: now the records run.
      const accepted = kernel.client.execute("%luci trust", { allow_stdin: true });
      await until(() => prompts.length === 2, "%luci trust asks again");
      kernel.client.input("shared.ipynb", prompts[1]!);
      const trusted = await accepted;
      expect(trusted.reply.content.status).toBe("ok");
      expect(streamText(trusted.iopub)).toMatch(new RegExp(`Trusted 1 recorded program of ${path}`));
      const rerun = await kernel.client.execute(LOAN_TASK, { allow_stdin: true }, { cellId: "loan" });
      expect(rerun.reply.content.status).toBe("ok");
      expect(streamText(rerun.iopub)).toBe("1342.05\n");
    } finally {
      await kernel.stop();
    }
  }, 120_000);
});

// The stories of DESIGN.md that run without a person, through Jupyter's own tools and the
// installed kernelspec: nbconvert runs a task notebook (one model call, the code recorded in
// the output); papermill reruns that output with `-p rate 0.07` with the model server gone, wholly
// from the records; a copy run by someone else runs none of the recorded code until trusted.
// Each run's task cell says which values its parameters had and where they came from.
import { execFileSync } from "node:child_process";
import { execa } from "execa";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LUCI_BIN, ROOT } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

const BIN = join(ROOT, ".venv", "bin");
const LOAN_TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";
const LOAN_CODE = "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\nprint(f'{payment:.2f}')";

let server: FakeModelServer;
const base = mkdtempSync(join(tmpdir(), "luci-stories-"));
const prefix = join(base, "prefix");
const work = join(base, "work");
const myTrust = join(base, "trust-me");

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  data?: Record<string, string | string[]>;
  metadata?: { luci?: { parameters?: unknown } };
}
interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
}

/** Runs a Jupyter tool without blocking this process: the fake model server answers from here. */
async function run(tool: string, args: string[], env: Record<string, string>, cwd = work) {
  const result = await execa(join(BIN, tool), args, {
    cwd,
    reject: false,
    stdin: "ignore",
    env: { JUPYTER_PATH: join(prefix, "share", "jupyter"), LUCI_EXECUTOR: "local", LUCI_TRUST_DIR: myTrust, LUCI_LLM_MODEL: "fake-coder", ...env },
  });
  return { status: result.exitCode, stderr: String(result.stderr) };
}

/** The task cell's line "Parameters: …" (text and markdown) and its output. */
function parameterLine(path: string) {
  const notebook = JSON.parse(readFileSync(path, "utf8")) as Notebook;
  const outputs = notebook.cells.find((c) => [c.source].flat().join("") === LOAN_TASK)!.outputs ?? [];
  const text = (o: Output, mime: string) => [o.data?.[mime] ?? ""].flat().join("");
  const lines = outputs.filter((o) => text(o, "text/plain").startsWith("Parameters: "));
  return {
    plain: lines[0] ? text(lines[0], "text/plain") : "",
    markdown: lines[0] ? text(lines[0], "text/markdown") : "",
    line: lines[0],
    count: lines.length,
  };
}

function streamOf(path: string, cellIndex: number): string {
  const notebook = JSON.parse(readFileSync(path, "utf8")) as Notebook;
  return (notebook.cells[cellIndex]!.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === "stdout")
    .map((o) => [o.text ?? ""].flat().join(""))
    .join("");
}

beforeAll(async () => {
  if (!existsSync(join(BIN, "papermill"))) throw new Error(`papermill and nbconvert are needed in ${BIN} (bash .ci/run installs them)`);
  server = await startFakeModelServer();
  mkdirSync(work, { recursive: true });
  execFileSync(process.execPath, [LUCI_BIN, "install", "--prefix", prefix, "--no-uv"], { env: { ...process.env, LUCI_ENV_DIR: join(base, "envs") } });
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } },
    cells: [
      { id: "params", cell_type: "code", source: "rate = 0.05", metadata: { tags: ["parameters"] }, outputs: [], execution_count: null },
      { id: "loan", cell_type: "code", source: LOAN_TASK, metadata: {}, outputs: [], execution_count: null },
    ],
  };
  writeFileSync(join(work, "loan.ipynb"), JSON.stringify(notebook));
});
afterAll(async () => {
  await server?.close();
});

describe("headless stories", () => {
  it("nbconvert runs a task notebook with one model call and records the code in the output", async () => {
    server.enqueue(answer({ code: LOAN_CODE }));
    const result = await run("jupyter", ["nbconvert", "--to", "notebook", "--execute", "loan.ipynb", "--output", "loan-run.ipynb"], {
      LUCI_LLM_BASE_URL: server.baseUrl,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(streamOf(join(work, "loan-run.ipynb"), 1)).toBe("1342.05\n");
    expect(server.chatRequests).toHaveLength(1);
    // rate from the parameters cell (the same value as the task's), the others typed in the task.
    expect(parameterLine(join(work, "loan-run.ipynb")).plain).toBe(
      "Parameters: principal = 250000 (typed in the task) · rate = 0.05 (from the parameters cell) · years = 30 (typed in the task)",
    );
    expect(readFileSync(join(work, "loan-run.ipynb"), "utf8")).toContain("application/vnd.luci.record+json");
  });

  it("papermill -p rate 0.07 reruns it from the records, with the model server stopped", async () => {
    const result = await run("papermill", ["loan-run.ipynb", "loan-0.07.ipynb", "-p", "rate", "0.07"], {
      LUCI_LLM_BASE_URL: "http://127.0.0.1:9/v1",
      LUCI_GENERATION: "offline",
    });
    expect(result.status, result.stderr).toBe(0);
    const notebook = JSON.parse(readFileSync(join(work, "loan-0.07.ipynb"), "utf8")) as Notebook;
    const taskIndex = notebook.cells.findIndex((c) => [c.source].flat().join("") === LOAN_TASK);
    expect(streamOf(join(work, "loan-0.07.ipynb"), taskIndex)).toBe("1663.26\n");
    expect(server.chatRequests).toHaveLength(1); // still only the first run's call
    // papermill's -p arrives as an injected cell of assignments: the line shows its live value,
    // once (papermill's run replaced the nbconvert run's outputs), in text, markdown and metadata.
    const shown = parameterLine(join(work, "loan-0.07.ipynb"));
    expect(shown.plain).toContain("rate = 0.07 (from the parameters cell)");
    expect(shown.markdown).toContain("`rate = 0.07` (from the parameters cell)");
    expect(shown.line?.metadata?.luci?.parameters).toContainEqual({ name: "rate", value: "0.07", from: "parameters-cell" });
    expect(shown.count).toBe(1);
  });

  it("a copy run by someone else runs none of the recorded code until it is trusted", async () => {
    const elsewhere = join(base, "colleague");
    mkdirSync(elsewhere, { recursive: true });
    copyFileSync(join(work, "loan-run.ipynb"), join(elsewhere, "loan.ipynb"));
    const colleague = { LUCI_TRUST_DIR: join(base, "trust-colleague"), LUCI_GENERATION: "offline", LUCI_LLM_BASE_URL: "http://127.0.0.1:9/v1" };
    const refused = await run(
      "jupyter",
      ["nbconvert", "--to", "notebook", "--execute", "--allow-errors", "loan.ipynb", "--output", "untrusted.ipynb"],
      colleague,
      elsewhere,
    );
    expect(refused.status, refused.stderr).toBe(0);
    const untrusted = JSON.parse(readFileSync(join(elsewhere, "untrusted.ipynb"), "utf8")) as Notebook;
    expect(untrusted.cells[1]!.outputs!.some((o) => o.output_type === "error" && o.ename === "NotTrusted")).toBe(true);
    expect(streamOf(join(elsewhere, "untrusted.ipynb"), 1)).toBe("");

    execFileSync(process.execPath, [LUCI_BIN, "trust", join(elsewhere, "loan.ipynb")], { env: { ...process.env, ...colleague } });
    const trusted = await run("jupyter", ["nbconvert", "--to", "notebook", "--execute", "loan.ipynb", "--output", "trusted.ipynb"], colleague, elsewhere);
    expect(trusted.status, trusted.stderr).toBe(0);
    expect(streamOf(join(elsewhere, "trusted.ipynb"), 1)).toBe("1342.05\n");
  });
});

// The parameters line under real papermill: `-p rate 0.07` is injected as a cell of plain
// assignments, and the task's line says the value came from it, with the live value 0.07.
import { execFileSync } from "node:child_process";
import { execa } from "execa";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LUCI_BIN, ROOT } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

const BIN = join(ROOT, ".venv", "bin");
const LOAN_TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";
const LOAN_CODE = "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\nprint(f'{payment:.2f}')";

let server: FakeModelServer;
const base = mkdtempSync(join(tmpdir(), "luci-parameter-papermill-"));
const prefix = join(base, "prefix");
const work = join(base, "work");

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  metadata?: { luci?: { parameters?: unknown } };
}
interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
}

async function run(tool: string, args: string[], env: Record<string, string>) {
  const result = await execa(join(BIN, tool), args, {
    cwd: work,
    reject: false,
    stdin: "ignore",
    env: { JUPYTER_PATH: join(prefix, "share", "jupyter"), LUCI_EXECUTOR: "local", LUCI_TRUST_DIR: join(base, "trust"), LUCI_LLM_MODEL: "fake-coder", ...env },
  });
  return { status: result.exitCode, stderr: String(result.stderr) };
}

/** The task cell's outputs in a notebook that ran. */
function taskOutputs(path: string): Output[] {
  const notebook = JSON.parse(readFileSync(path, "utf8")) as Notebook;
  return notebook.cells.find((c) => [c.source].flat().join("") === LOAN_TASK)!.outputs ?? [];
}

function parameterLine(outputs: Output[]) {
  const line = outputs.find((o) => [o.data?.["text/plain"] ?? ""].flat().join("").startsWith("Parameters: "));
  return { plain: [line?.data?.["text/plain"] ?? ""].flat().join(""), markdown: [line?.data?.["text/markdown"] ?? ""].flat().join(""), line };
}

function printed(outputs: Output[]): string {
  return outputs
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

describe("the parameters line under papermill", () => {
  it("nbconvert: rate from the parameters cell (the same value as the task's)", async () => {
    server.enqueue(answer({ code: LOAN_CODE }));
    const result = await run("jupyter", ["nbconvert", "--to", "notebook", "--execute", "loan.ipynb", "--output", "loan-run.ipynb"], {
      LUCI_LLM_BASE_URL: server.baseUrl,
    });
    expect(result.status, result.stderr).toBe(0);
    const outputs = taskOutputs(join(work, "loan-run.ipynb"));
    expect(parameterLine(outputs).plain).toBe(
      "Parameters: principal = 250000 (typed in the task) · rate = 0.05 (from the parameters cell) · years = 30 (typed in the task)",
    );
    expect(printed(outputs)).toBe("1342.05\n");
  });

  it("papermill -p rate 0.07: the line shows 0.07 from the (injected) parameters cell, in text and markdown and in its metadata", async () => {
    const result = await run("papermill", ["loan-run.ipynb", "loan-0.07.ipynb", "-p", "rate", "0.07"], {
      LUCI_LLM_BASE_URL: "http://127.0.0.1:9/v1",
      LUCI_GENERATION: "offline",
    });
    expect(result.status, result.stderr).toBe(0);
    const outputs = taskOutputs(join(work, "loan-0.07.ipynb"));
    const shown = parameterLine(outputs);
    expect(shown.plain).toContain("rate = 0.07 (from the parameters cell)");
    expect(shown.markdown).toContain("`rate = 0.07` (from the parameters cell)");
    expect(shown.line?.metadata?.luci?.parameters).toContainEqual({ name: "rate", value: "0.07", from: "parameters-cell" });
    expect(printed(outputs)).toBe("1663.26\n");
    // One line per run: the papermill run replaced the nbconvert run's outputs.
    expect(outputs.filter((o) => [o.data?.["text/plain"] ?? ""].flat().join("").startsWith("Parameters: "))).toHaveLength(1);
    expect(server.chatRequests).toHaveLength(1);
  });
});

// `%luci sweep` headless, through Jupyter's own tools and the installed kernelspec: nbconvert
// --execute runs a notebook of a task, its sweep and a cell that reads sweep_results (one model
// call, for the task); the saved notebook holds the table (HTML, markdown, text) and the SVG
// chart; `nbconvert --to html` shows both.
import { execa } from "execa";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LUCI_BIN, ROOT } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

const BIN = join(ROOT, ".venv", "bin");
const LOAN_TASK = "Monthly payment of a loan of {principal=200000} at {rate=0.05} over {years=30} years";
const LOAN_CODE = "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\nprint(f'monthly payment: {payment:.2f}')";

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
}

let server: FakeModelServer;
const base = mkdtempSync(join(tmpdir(), "luci-sweep-nbconvert-"));
const prefix = join(base, "prefix");
const work = join(base, "work");
const env = () => ({
  JUPYTER_PATH: join(prefix, "share", "jupyter"),
  LUCI_EXECUTOR: "local",
  LUCI_TRUST_DIR: join(base, "trust"),
  LUCI_LLM_MODEL: "fake-coder",
  LUCI_LLM_BASE_URL: server.baseUrl,
});

beforeAll(async () => {
  if (!existsSync(join(BIN, "jupyter-nbconvert"))) throw new Error(`nbconvert is needed in ${BIN} (bash .ci/run installs it)`);
  server = await startFakeModelServer();
  mkdirSync(work, { recursive: true });
  execFileSync(process.execPath, [LUCI_BIN, "install", "--prefix", prefix, "--no-uv"], { env: { ...process.env, LUCI_ENV_DIR: join(base, "envs") } });
  const cell = (id: string, source: string) => ({ id, cell_type: "code", source, metadata: {}, outputs: [], execution_count: null });
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } },
    cells: [cell("loan", LOAN_TASK), cell("sweep", "%luci sweep rate=0.04,0.05 years=15,30"), cell("use", "print(len(sweep_results), sweep_results[-1])")],
  };
  writeFileSync(join(work, "sweep.ipynb"), JSON.stringify(notebook));
});
afterAll(async () => {
  await server?.close();
});

const text = (o: Output, mime: string) => [o.data?.[mime] ?? ""].flat().join("");

describe("%luci sweep under nbconvert", () => {
  it("saves the table and the chart in the notebook, and the next cell reads sweep_results", async () => {
    server.enqueue(answer({ code: LOAN_CODE }));
    const run = await execa(join(BIN, "jupyter"), ["nbconvert", "--to", "notebook", "--execute", "sweep.ipynb", "--output", "sweep-run.ipynb"], {
      cwd: work,
      reject: false,
      stdin: "ignore",
      env: env(),
    });
    expect(run.exitCode, String(run.stderr)).toBe(0);
    expect(server.chatRequests).toHaveLength(1); // the task's; the sweep asks nothing
    const saved = JSON.parse(readFileSync(join(work, "sweep-run.ipynb"), "utf8")) as { cells: { outputs: Output[] }[] };
    const outputs = saved.cells[1]!.outputs;
    const table = outputs.find((o) => text(o, "text/html").includes("luci-sweep"))!;
    expect(text(table, "text/plain")).toMatch(/^rate\s+years\s+monthly payment$/m);
    expect(text(table, "text/plain")).toMatch(/^0\.05\s+30\s+1073\.64$/m);
    expect(text(table, "text/markdown")).toContain("| 0.04 | 15 | 1479.38 |");
    const chart = outputs.find((o) => text(o, "image/svg+xml"))!;
    expect(text(chart, "text/plain")).toBe("Chart: monthly payment against rate, one line per years");
    // The progress line was updated in place: the saved notebook keeps its last text only.
    expect(outputs.filter((o) => text(o, "text/plain").startsWith("Scenario "))).toHaveLength(0);
    expect(outputs.some((o) => /^Ran 4 of 4 scenarios in [\d.]+ s, no model call/.test(text(o, "text/plain")))).toBe(true);
    const used = saved.cells[2]!.outputs.map((o) => [o.text ?? ""].flat().join("")).join("");
    expect(used).toBe("4 {'rate': 0.05, 'years': 30, 'monthly payment': 1073.64}\n");

    const html = await execa(join(BIN, "jupyter"), ["nbconvert", "--to", "html", "sweep-run.ipynb"], { cwd: work, reject: false, env: env() });
    expect(html.exitCode, String(html.stderr)).toBe(0);
    const page = readFileSync(join(work, "sweep-run.html"), "utf8");
    expect(page.match(/<tr data-scenario=/g)).toHaveLength(4);
    // nbconvert shows the SVG as an image of itself.
    const image = /data-mime-type="image\/svg\+xml"[^>]*>\s*<img[^>]*src="data:image\/svg\+xml;base64,([^"]+)"/.exec(page);
    expect(Buffer.from(image![1]!, "base64").toString("utf8")).toMatch(
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg".*<title>monthly payment against rate, one line per years<\/title>/,
    );
  });
});

// The same task notebook through `jupyter nbconvert --execute`, once with the "luci" kernelspec
// (the notebook's venv) and once with "luci-container" (its own container): the same results,
// cell by cell, including a package installed on the way and a file written to the folder.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answer, startFakeModelServer, type FakeModelServer } from "../../../support/fake-model-server.js";
import { containerEnv, LUCI_BIN, ROOT } from "../../../support/kernel-process.js";
import { startPackageIndex, type PackageIndex } from "../../../support/package-index.js";
import { requireEngine } from "./docker-support.js";

const BIN = join(ROOT, ".venv", "bin");
const LOAN_TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";
const LOAN_CODE = "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\nprint(f'{payment:.2f}')";
const SCHEDULE_TASK = "Write the first three months of the payment schedule to schedule.csv";
const SCHEDULE_CODE = [
  "import csv",
  "import luci_demo_pkg",
  "balance = principal",
  "with open('schedule.csv', 'w', newline='') as f:",
  "    out = csv.writer(f)",
  "    out.writerow(['month', 'interest', 'balance'])",
  "    for month in range(1, 4):",
  "        interest = balance * r",
  "        balance = balance - (payment - interest)",
  "        out.writerow([month, f'{interest:.2f}', f'{balance:.2f}'])",
  "print('wrote schedule.csv with', luci_demo_pkg.__name__)",
].join("\n");

let server: FakeModelServer;
let index: PackageIndex;
const base = mkdtempSync(join(tmpdir(), "luci-nbconvert-container-"));
const prefix = join(base, "prefix");
const settings: Record<string, string> = {
  ...containerEnv(),
  LUCI_ENV_DIR: join(base, "environments"),
  LUCI_STATE_DIR: join(base, "state"),
  LUCI_TRUST_DIR: join(base, "trust"),
};

interface Cell {
  source: string;
  outputs?: { output_type: string; name?: string; text?: string | string[]; ename?: string }[];
}

beforeAll(async () => {
  await requireEngine();
  if (!existsSync(join(BIN, "jupyter-nbconvert"))) throw new Error(`nbconvert is needed in ${BIN} (bash .ci/run installs it)`);
  server = await startFakeModelServer();
  index = await startPackageIndex([{ name: "luci-demo-pkg", version: "1.2.3" }]);
  execFileSync(process.execPath, [LUCI_BIN, "install", "--prefix", prefix, "--no-uv"], { env: { ...process.env, LUCI_ENV_DIR: settings.LUCI_ENV_DIR } });
});
afterAll(async () => {
  await server?.close();
  await index?.close();
});

/** Runs the notebook in a folder of its own with the given kernelspec; returns its cells' stdout and the CSV. */
async function runWith(kernel: string): Promise<{ stdout: string[]; errors: string[]; csv: string }> {
  const folder = join(base, kernel);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  chmodSync(folder, 0o777); // the container's user writes schedule.csv here
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: kernel, display_name: kernel, language: "python" } },
    cells: [
      { id: "params", cell_type: "code", source: "rate = 0.05", metadata: { tags: ["parameters"] }, outputs: [], execution_count: null },
      { id: "loan", cell_type: "code", source: LOAN_TASK, metadata: {}, outputs: [], execution_count: null },
      { id: "schedule", cell_type: "code", source: SCHEDULE_TASK, metadata: {}, outputs: [], execution_count: null },
      { id: "read", cell_type: "code", source: "%%python\nprint(open('schedule.csv').read().strip())", metadata: {}, outputs: [], execution_count: null },
    ],
  };
  writeFileSync(join(folder, "loan.ipynb"), JSON.stringify(notebook));
  server.enqueue(answer({ code: LOAN_CODE }));
  server.enqueue(answer({ code: SCHEDULE_CODE }));
  const { LUCI_EXECUTOR: _, ...env } = settings;
  const result = await execa(join(BIN, "jupyter"), ["nbconvert", "--to", "notebook", "--execute", "loan.ipynb", "--output", "run.ipynb"], {
    cwd: folder,
    reject: false,
    stdin: "ignore",
    env: { ...env, JUPYTER_PATH: join(prefix, "share", "jupyter"), LUCI_INDEX_URL: index.url, LUCI_LLM_BASE_URL: server.baseUrl, LUCI_LLM_MODEL: "fake-coder" },
  });
  expect(result.exitCode, String(result.stderr)).toBe(0);
  const cells = (JSON.parse(readFileSync(join(folder, "run.ipynb"), "utf8")) as { cells: Cell[] }).cells;
  return {
    stdout: cells.map((cell) =>
      (cell.outputs ?? [])
        .filter((o) => o.output_type === "stream" && o.name === "stdout")
        .map((o) => [o.text ?? ""].flat().join(""))
        .join(""),
    ),
    errors: cells.flatMap((cell) => (cell.outputs ?? []).filter((o) => o.output_type === "error").map((o) => o.ename ?? "")),
    csv: readFileSync(join(folder, "schedule.csv"), "utf8"),
  };
}

describe("a task notebook through nbconvert, in a venv and in a container", () => {
  it("gives the same results with either kernelspec", async () => {
    const venv = await runWith("luci");
    const container = await runWith("luci-container");
    expect(venv.errors).toEqual([]);
    expect(venv.stdout[1]).toBe("1342.05\n");
    expect(venv.stdout[2]).toBe("wrote schedule.csv with luci_demo_pkg\n");
    expect(venv.stdout[3]).toMatch(/^month,interest,balance\n1,1041\.67,249699\.61\n/);
    expect(container).toEqual(venv);
    expect(server.chatRequests).toHaveLength(4); // two tasks, one call each, per run
  });
});

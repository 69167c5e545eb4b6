// Stories 1, 2 and 5 through jupyter_client itself (the Python client that Jupyter's server,
// nbconvert and papermill use) and the installed kernelspecs: a task that loads a CSV and plots it,
// in the notebook's venv and in its container; a task rerun with another rate from its record.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { containerEnv, LUCI_BIN, ROOT } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

const PYTHON = join(ROOT, ".venv", "bin", "python");
const TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";
const CODE = "r = rate / 12\nn = years * 12\nprint(f'{principal * r / (1 - (1 + r) ** -n):.2f}')";

let server: FakeModelServer;
const base = mkdtempSync(join(tmpdir(), "luci-jc-"));

beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`jupyter_client is needed in ${PYTHON} (bash .ci/run installs it)`);
  server = await startFakeModelServer();
  // The kernelspec names the environments folder, and a kernelspec's env wins over the caller's:
  // point it at this test's folder, not the repository's luci_environments/.
  execFileSync(process.execPath, [LUCI_BIN, "install", "--prefix", join(base, "prefix"), "--no-uv"], {
    env: { ...process.env, LUCI_ENV_DIR: join(base, "envs") },
  });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => server.reset());

/**
 * Story 1 in a new folder: sales.csv and an empty sales.ipynb; two tasks (load and plot, then
 * `now only for 2024`) and any extra cells, driven through jupyter_client with `kernel`.
 */
async function salesStory(name: string, kernel: string, env: Record<string, string>, extraCells: string[] = []) {
  const folder = join(base, name);
  mkdirSync(folder, { recursive: true });
  const rows = ["month,year,revenue"];
  for (const year of [2023, 2024]) for (let month = 1; month <= 12; month++) rows.push(`${month},${year},${100 * month + (year - 2023) * 7}`);
  writeFileSync(join(folder, "sales.csv"), rows.join("\n") + "\n");
  writeFileSync(join(folder, "sales.ipynb"), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }));
  server.enqueue(
    answer({
      code: "import pandas as pd\nimport matplotlib.pyplot as plt\ndf = pd.read_csv('sales.csv')\ndf.groupby('month')['revenue'].sum().plot(kind='bar')\nplt.show()\nprint(len(df))",
    }),
    answer({ code: "print(df[df['year'] == 2024]['revenue'].sum())" }),
  );
  const tasks = ["load sales.csv and plot revenue by month", "now only for 2024"];
  const result = await execa(PYTHON, [join(import.meta.dirname, "drive_story.py"), kernel, ...tasks, ...extraCells], {
    cwd: folder,
    reject: false,
    env: {
      JUPYTER_PATH: join(base, "prefix", "share", "jupyter"),
      JPY_SESSION_NAME: "sales.ipynb", // as Jupyter's server sets it
      ...env,
      LUCI_ENV_DIR: join(base, "envs"),
      LUCI_LLM_BASE_URL: server.baseUrl,
      LUCI_LLM_MODEL: "fake-coder",
      LUCI_TRUST_DIR: join(base, "trust"),
      LUCI_STATE_DIR: join(base, "state"),
    },
  });
  expect(result.exitCode, String(result.stderr)).toBe(0);
  return String(result.stdout)
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { status: string; stdout: string; images: number });
}

describe("stories through jupyter_client", () => {
  it("story 1: a task loads a CSV and plots it in the notebook's own environment; the next task uses its DataFrame", async () => {
    const cells = await salesStory("lab", "luci", { LUCI_EXECUTOR: "venv", LUCI_UV: join(ROOT, ".venv", "bin", "uv") });
    expect(cells[0]).toMatchObject({ status: "ok", stdout: "24\n", images: 1 });
    expect(cells[1]).toMatchObject({ status: "ok", stdout: "7884\n" });
  }, 300_000);

  it("story 5: the same story in the notebook's own container, with the network off while its code runs", async () => {
    chmodSync(base, 0o755); // the container's user (nobody, for a root kernel) reads the notebook's folder
    const where =
      "%%python\nimport sys, socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); net = 'on'\nexcept OSError: net = 'off'\nprint(sys.executable, net)";
    const cells = await salesStory("isolated", "luci-container", containerEnv(), [where]);
    expect(cells[0]).toMatchObject({ status: "ok", stdout: "24\n", images: 1 });
    expect(cells[1]).toMatchObject({ status: "ok", stdout: "7884\n" });
    expect(cells[2]).toMatchObject({ status: "ok", stdout: "/opt/luci/env/bin/python off\n" });
  }, 300_000);

  it("reruns a task with a changed parameter from its record, with no model call", async () => {
    server.enqueue(answer({ code: CODE }));
    const result = await execa(PYTHON, [join(import.meta.dirname, "drive_story.py"), "luci", TASK, TASK.replace("0.05", "0.07")], {
      cwd: base,
      reject: false,
      env: {
        JUPYTER_PATH: join(base, "prefix", "share", "jupyter"),
        LUCI_EXECUTOR: "local",
        LUCI_LLM_BASE_URL: server.baseUrl,
        LUCI_LLM_MODEL: "fake-coder",
        LUCI_TRUST_DIR: join(base, "trust"),
        LUCI_STATE_DIR: join(base, "state"),
      },
    });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const cells = String(result.stdout)
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { status: string; stdout: string });
    expect(cells).toEqual([
      { status: "ok", ename: null, stdout: "1342.05\n", images: 0 },
      { status: "ok", ename: null, stdout: "1663.26\n", images: 0 },
    ]);
    expect(server.chatRequests).toHaveLength(1);
  });
});

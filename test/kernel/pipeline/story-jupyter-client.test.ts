// Story 2 through jupyter_client itself (the Python client that Jupyter's server, nbconvert and
// papermill use) and the installed kernelspec: a task, then the same task with another rate,
// which runs the recorded code with the new value and no model call.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LUCI_BIN, ROOT } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

const PYTHON = join(ROOT, ".venv", "bin", "python");
const TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";
const CODE = "r = rate / 12\nn = years * 12\nprint(f'{principal * r / (1 - (1 + r) ** -n):.2f}')";

let server: FakeModelServer;
const base = mkdtempSync(join(tmpdir(), "luci-jc-"));

beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`jupyter_client is needed in ${PYTHON} (bash .ci/run installs it)`);
  server = await startFakeModelServer();
  execFileSync(process.execPath, [LUCI_BIN, "install", "--prefix", join(base, "prefix"), "--no-uv"]);
});
afterAll(async () => {
  await server?.close();
});

describe("story 2 through jupyter_client", () => {
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
    const cells = String(result.stdout).trim().split("\n").map((line) => JSON.parse(line) as { status: string; stdout: string });
    expect(cells).toEqual([
      { status: "ok", ename: null, stdout: "1342.05\n" },
      { status: "ok", ename: null, stdout: "1663.26\n" },
    ]);
    expect(server.chatRequests).toHaveLength(1);
  });
});

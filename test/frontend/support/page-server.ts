// One Luci server (server/index.ts) over a temporary copy of notebooks/ (outputs cleared), its kernels pointed
// at the fake model server and given a state and trust folder of their own, as the kernel
// suites do (test/support/kernel-process.ts).
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../../server/index.js";
import { startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";
import { ROOT } from "./browser.js";

export interface PageServer {
  server: RunningServer;
  model: FakeModelServer;
  /** The copy of notebooks/ the server serves. */
  root: string;
  close(): Promise<void>;
}

/** The environment a Luci kernel gets in these tests: a local Python, the fake model, private state. */
export function luciKernelEnv(base: string, model: FakeModelServer): Record<string, string> {
  return {
    LUCI_EXECUTOR: "local",
    LUCI_PYTHON: join(ROOT, ".venv", "bin", "python"),
    LUCI_STATE_DIR: join(base, "state"),
    LUCI_TRUST_DIR: join(base, "trust"),
    LUCI_LLM_BASE_URL: model.baseUrl,
    LUCI_LLM_MODEL: "fake-coder",
    LUCI_LLM_API_KEY: "test-key",
  };
}

export async function startPageServer(): Promise<PageServer> {
  const base = mkdtempSync(join(tmpdir(), "luci-page-"));
  const root = join(base, "notebooks");
  cpSync(join(ROOT, "notebooks"), root, { recursive: true });
  clearOutputs(root);
  const model = await startFakeModelServer();
  const server = await startServer({ root, port: 0, token: "page-test-token", kernelEnv: luciKernelEnv(base, model) });
  return {
    server,
    model,
    root,
    async close() {
      await server.close();
      await model.close();
    },
  };
}

/**
 * The examples are shipped with outputs whose records another machine signed (for these tests'
 * own trust folder, someone else's); the stories here begin from a fresh notebook, as a user's
 * does after clearing its outputs.
 */
function clearOutputs(folder: string): void {
  for (const name of readdirSync(folder).filter((n) => n.endsWith(".ipynb"))) {
    const notebook: unknown = JSON.parse(readFileSync(join(folder, name), "utf8"));
    const cells: unknown[] = typeof notebook === "object" && notebook !== null && "cells" in notebook && Array.isArray(notebook.cells) ? notebook.cells : [];
    for (const cell of cells) {
      if (typeof cell === "object" && cell !== null && "cell_type" in cell && cell.cell_type === "code")
        Object.assign(cell, { outputs: [], execution_count: null });
    }
    writeFileSync(join(folder, name), JSON.stringify(notebook, null, 1));
  }
}

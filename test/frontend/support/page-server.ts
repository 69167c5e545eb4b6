// One Luci server (server/index.ts) over a temporary copy of notebooks/ (outputs cleared), its kernels pointed
// at the fake model server and given a state and trust folder of their own, as the kernel
// suites do (test/support/kernel-process.ts).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
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

/**
 * The environment a Luci kernel gets in these tests: the fake model, private state, and the
 * project's Python (`local`) or, with `venv`, a venv of each notebook's own in `base`/envs, made
 * with the project's uv (so the import cascade installs into it).
 */
export function luciKernelEnv(base: string, model: FakeModelServer, executor: "local" | "venv" = "local"): Record<string, string> {
  return {
    LUCI_EXECUTOR: executor,
    LUCI_PYTHON: join(ROOT, ".venv", "bin", "python"),
    LUCI_STATE_DIR: join(base, "state"),
    LUCI_TRUST_DIR: join(base, "trust"),
    LUCI_LLM_BASE_URL: model.baseUrl,
    LUCI_LLM_MODEL: "fake-coder",
    LUCI_LLM_API_KEY: "test-key",
    ...(executor === "venv" ? { LUCI_ENV_DIR: join(base, "envs"), LUCI_UV: join(ROOT, ".venv", "bin", "uv") } : {}),
  };
}

export interface PageServerOptions {
  /**
   * What the served folder holds: the examples with their outputs cleared (the default, a fresh
   * start), the examples as shipped (outputs and records another machine signed), or nothing.
   */
  notebooks?: "cleared" | "as shipped" | "none";
  token?: string;
  executor?: "local" | "venv";
}

/** A page server over a temporary folder of its own; it fails at once if the page is not built. */
async function startPageServer(options: PageServerOptions = {}): Promise<PageServer> {
  if (!existsSync(join(ROOT, "dist", "frontend", "main.js"))) throw new Error("dist/frontend is not built: run npm run build (or npm run build:frontend)");
  const base = mkdtempSync(join(tmpdir(), "luci-page-"));
  const root = join(base, "notebooks");
  const notebooks = options.notebooks ?? "cleared";
  if (notebooks === "none") mkdirSync(root);
  else cpSync(join(ROOT, "notebooks"), root, { recursive: true });
  if (notebooks === "cleared") clearOutputs(root);
  const model = await startFakeModelServer();
  const kernelEnv = luciKernelEnv(base, model, options.executor);
  const server = await startServer({ root, port: 0, token: options.token ?? "page-test-token", kernelEnv });
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
 * The page server for the tests of a file, started before them and closed after them; call it at the top level of the test file. The fields are there
 * from its beforeAll on.
 */
export function usePageServer(options: PageServerOptions = {}): Omit<PageServer, "close"> {
  let running: PageServer | undefined;
  const started = () => {
    if (!running) throw new Error("the page server is not started yet: usePageServer starts it in beforeAll");
    return running;
  };
  beforeAll(async () => {
    running = await startPageServer(options);
  }, 60_000);
  afterAll(async () => {
    await running?.close();
  });
  return {
    get server() {
      return started().server;
    },
    get model() {
      return started().model;
    },
    get root() {
      return started().root;
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

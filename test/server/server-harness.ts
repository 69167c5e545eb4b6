// A Luci server for a test: a temporary notebook folder, kernels that run Python locally
// (LUCI_EXECUTOR=local: no environments are built) with their own state, trust and environment
// folders, and @jupyterlab/services settings for Node (ws's WebSocket, Node's fetch).
import { KernelManager, ServerConnection, SessionManager } from "@jupyterlab/services";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { startServer, type RunningServer, type StartServerOptions } from "../../server/index.js";

export interface TestServer {
  running: RunningServer;
  root: string;
  settings: ServerConnection.ISettings;
  /** fetch() against the API with the token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(options: Partial<StartServerOptions> = {}): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), "luci-server-root-"));
  const state = mkdtempSync(join(tmpdir(), "luci-server-state-"));
  const running = await startServer({
    root,
    kernelEnv: {
      LUCI_EXECUTOR: "local",
      LUCI_STATE_DIR: join(state, "state"),
      LUCI_TRUST_DIR: join(state, "trust"),
      LUCI_ENV_DIR: join(state, "environments"),
      // No model server: these tests run Python cells only.
      LUCI_LLM_BASE_URL: "http://127.0.0.1:9/v1",
    },
    ...options,
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: running.baseUrl,
    wsUrl: running.baseUrl.replace(/^http/, "ws"),
    token: running.token,
    appendToken: true,
    // ws's WebSocket stands in for the browser's, as in @jupyterlab/services' own Node use: the
    // types differ, the API the library calls is the same.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    fetch: globalThis.fetch,
    Request: globalThis.Request,
    Headers: globalThis.Headers,
  });
  return {
    running,
    root,
    settings,
    api: (path, init = {}) => {
      // The caller's headers win, an Authorization of its own included.
      const headers = new Headers(init.headers);
      if (!headers.has("Authorization")) headers.set("Authorization", `token ${running.token}`);
      return fetch(new URL(path, running.baseUrl), { ...init, headers });
    },
    async close() {
      await running.close();
      rmSync(root, { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    },
  };
}

export interface ServedKernels {
  server: TestServer;
  kernels: KernelManager;
  sessions: SessionManager;
  /** Stops the managers' polling, then the server. */
  close(): Promise<void>;
}

/** A test server with @jupyterlab/services' kernel and session managers on it, ready: what a client such as JupyterLab holds. */
export async function startServedKernels(options: Partial<StartServerOptions> = {}): Promise<ServedKernels> {
  const server = await startTestServer(options);
  const kernels = new KernelManager({ serverSettings: server.settings });
  const sessions = new SessionManager({ serverSettings: server.settings, kernelManager: kernels });
  await Promise.all([kernels.ready, sessions.ready]);
  return {
    server,
    kernels,
    sessions,
    async close() {
      sessions.dispose();
      kernels.dispose();
      await server.close();
    },
  };
}

/**
 * @jupyterlab/services logs each WebSocket it opens and each reconnect to the console; in a
 * test run those lines bury the test's own output. Only those messages are dropped.
 */
export function quietJupyterLabServices(): void {
  const chatter = /^(Starting WebSocket|Connection lost, reconnecting|Kernel: (dead|autorestarting|restarting))/;
  for (const level of ["debug", "log", "warn"] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      if (typeof args[0] === "string" && chatter.test(args[0])) return;
      original(...args);
    };
  }
}

/** Waits until `check` returns a value (polling); fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

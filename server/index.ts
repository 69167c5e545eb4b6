// The programmatic entry: start a Luci server in this process (what `luci serve` and the
// browser tests use). The API is kept stable: {root, port, token, host, kernelEnv,
// cullIdleTimeoutMs} in, {url, port, token, close()} out.
import { existsSync, realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { LuciServer } from "./app.js";
import type { ServerLimits } from "./limits.js";
import { generateToken } from "./security/token.js";

export interface StartServerOptions {
  /** The folder of notebooks served under /api/contents; kernels run inside it. */
  root: string;
  /** 0 (the default here) picks any free port. */
  port?: number;
  /** The token every API request must carry; random when not given. */
  token?: string;
  /** Interface to listen on (default 127.0.0.1: this machine only). */
  host?: string;
  /** Extra environment variables for every kernel the server starts. */
  kernelEnv?: Record<string, string>;
  /** Shut down kernels idle (and unconnected) for this long; 0 or undefined: never. */
  cullIdleTimeoutMs?: number;
  /** Kernel logs: "buffer" (kept in memory, the default) or "stderr" (luci serve). */
  kernelLog?: "stderr" | "buffer";
  /** Resource limits; what is not given comes from the LUCI_SERVER_* settings. */
  limits?: Partial<ServerLimits>;
}

export interface RunningServer {
  /** http://host:port/?token=... : what a person opens. */
  url: string;
  /** http://host:port/ : the base URL for API clients. */
  baseUrl: string;
  port: number;
  token: string;
  /** Stops every kernel and the server. */
  close(): Promise<void>;
  /** For tests and benchmarks: the server object itself. */
  server: LuciServer;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const root = resolve(options.root);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`not a folder: ${root}`);
  const host = options.host ?? "127.0.0.1";
  const token = options.token ?? generateToken();
  const server = new LuciServer({
    root: realpathSync(root),
    host,
    token,
    ...(options.kernelEnv ? { kernelEnv: options.kernelEnv } : {}),
    ...(options.cullIdleTimeoutMs ? { cullIdleTimeoutMs: options.cullIdleTimeoutMs } : {}),
    logTo: options.kernelLog ?? "buffer",
    ...(options.limits ? { limits: options.limits } : {}),
  });
  let port: number;
  try {
    port = await server.listen(options.port ?? 0);
  } catch (err) {
    await server.close(); // removes the runtime folder the kernel manager made
    throw err;
  }
  const shown = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const baseUrl = `http://${shown}:${port}/`;
  return { url: `${baseUrl}?token=${encodeURIComponent(token)}`, baseUrl, port, token, close: () => server.close(), server };
}

export { LuciServer };

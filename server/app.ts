// The HTTP server: routes, authentication, origin checks, the WebSocket upgrade, culling, and
// an orderly shutdown that stops every kernel. One instance per `luci serve` (or per test).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { errorMessage, errorStack } from "../kernel/common/errors.js";
import { listeningPort } from "../kernel/common/listening-port.js";
import { VERSION } from "../kernel/common/version.js";
import { contentsRoutes } from "./api/contents-routes.js";
import { AppProxy } from "./apps/app-proxy.js";
import { kernelRoutes, kernelspecResourceRoutes } from "./api/kernel-routes.js";
import { modelRoutes } from "./api/model-routes.js";
import { trustRoutes } from "./api/trust-routes.js";
import { sessionRoutes } from "./api/session-routes.js";
import { ChannelsEndpoint, refuseUpgrade } from "./channels/channels-upgrade.js";
import { ContentsManager } from "./contents/contents-manager.js";
import { fsErrorStatus, HttpError, requestUrl, sendError, sendJson } from "./http/respond.js";
import { Router } from "./http/router.js";
import { KernelManager } from "./kernels/kernel-manager.js";
import { serverLimits, type ServerLimits } from "./limits.js";
import { pageRoutes } from "./page/page-routes.js";
import { API_SECURITY_HEADERS } from "./security/headers.js";
import { hostAllowed, originAllowed } from "./security/origin.js";
import { tokenMatches, tokenOf } from "./security/token.js";
import { SessionManager } from "./sessions/session-manager.js";

export interface AppOptions {
  root: string;
  host: string;
  token: string;
  kernelEnv?: Record<string, string>;
  cullIdleTimeoutMs?: number;
  logTo?: "stderr" | "buffer";
  /** Where the page's files are (default: <repo>/dist/frontend). */
  frontendDir?: string;
  /** Resource limits (default: from the LUCI_SERVER_* settings). */
  limits?: Partial<ServerLimits>;
}

export class LuciServer {
  readonly kernels: KernelManager;
  readonly contents: ContentsManager;
  readonly sessions: SessionManager;
  private readonly http: Server;
  private readonly api = new Router();
  private readonly publicRoutes = new Router();
  private readonly channels: ChannelsEndpoint;
  /** /luci/apps/...: the web apps kernels started (server/apps/app-proxy.ts). */
  private readonly apps: AppProxy;
  private readonly started = new Date();
  private cullTimer?: NodeJS.Timeout;
  private closing?: Promise<void>;

  constructor(private readonly options: AppOptions) {
    const limits = { ...serverLimits(), ...options.limits };
    this.kernels = new KernelManager({
      ...(options.kernelEnv ? { kernelEnv: options.kernelEnv } : {}),
      logTo: options.logTo ?? "buffer",
      maxKernels: limits.maxKernels,
    });
    this.contents = new ContentsManager(options.root);
    this.sessions = new SessionManager(this.kernels, this.contents.paths);
    this.channels = new ChannelsEndpoint(this.kernels, limits);
    this.apps = new AppProxy({
      token: options.token,
      kernelRuns: (id) => this.kernels.list().some((kernel) => kernel.id === id),
      env: { ...process.env, ...options.kernelEnv },
    });
    this.api
      .add("GET", /^\/api\/?$/, ({ res }) => sendJson(res, 200, { version: VERSION }))
      .add("GET", /^\/api\/status\/?$/, ({ res }) => sendJson(res, 200, this.status()));
    kernelRoutes(this.api, this.kernels, this.contents.paths);
    sessionRoutes(this.api, this.sessions);
    contentsRoutes(this.api, this.contents);
    modelRoutes(this.api, { ...process.env, ...options.kernelEnv }, this.contents.paths);
    trustRoutes(this.api, { ...process.env, ...options.kernelEnv }, this.contents.paths);
    pageRoutes(this.publicRoutes, options.frontendDir);
    kernelspecResourceRoutes(this.publicRoutes, this.kernels);
    this.http = createServer((req, res) => void this.handle(req, res));
    this.http.on("upgrade", (req, socket, head) => void this.upgrade(req, socket, head));
  }

  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(port, this.options.host, () => {
        this.http.off("error", reject);
        resolve();
      });
    });
    const timeout = this.options.cullIdleTimeoutMs ?? 0;
    if (timeout > 0) {
      const every = Math.min(Math.max(timeout / 2, 500), 60_000);
      this.cullTimer = setInterval(() => void this.kernels.cull(timeout), every);
      this.cullTimer.unref();
    }
    return listeningPort(this.http);
  }

  /** Stops accepting requests, closes every WebSocket and stops every kernel. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.cullTimer);
      const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
      this.channels.close();
      await this.kernels.shutdownAll();
      this.http.closeAllConnections();
      await closed;
    })();
    return this.closing;
  }

  private status() {
    const kernels = this.kernels.list();
    const last = Math.max(this.started.getTime(), ...kernels.map((k) => k.lastActivity.getTime()));
    return {
      started: this.started.toISOString(),
      last_activity: new Date(last).toISOString(),
      connections: kernels.reduce((sum, k) => sum + k.connections.size, 0),
      kernels: kernels.length,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    if (!url) return sendError(res, 400, "Bad request target");
    const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");
    try {
      if (!hostAllowed(req, this.options.host)) throw new HttpError(403, "Host not allowed");
      if (url.pathname.startsWith("/api")) {
        for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) res.setHeader(name, value);
        if (!originAllowed(req)) throw new HttpError(403, "Cross-origin request refused");
        if (!tokenMatches(tokenOf(req, url), this.options.token)) throw new HttpError(403, "Forbidden: a valid token is required");
        // The page's frames of web apps carry no token: its API calls give them the apps' cookie.
        if (!this.apps.hasCookie(req)) res.setHeader("Set-Cookie", this.apps.cookieHeader());
        const { handler, params } = this.api.resolve(method, url.pathname);
        await handler({ req, res, url, params });
        return;
      }
      if (this.apps.matches(url.pathname)) {
        if (!originAllowed(req)) throw new HttpError(403, "Cross-origin request refused");
        await this.apps.handle(req, res, url);
        return;
      }
      res.setHeader("X-Content-Type-Options", "nosniff");
      const { handler, params } = this.publicRoutes.resolve(method, url.pathname);
      await handler({ req, res, url, params });
    } catch (err) {
      if (err instanceof HttpError) sendError(res, err.status, err.message);
      else if (fsErrorStatus(err) !== undefined) sendError(res, fsErrorStatus(err)!, errorMessage(err).replaceAll(this.options.root, "<root>"));
      else {
        process.stderr.write(`[luci-server] ${req.method} ${url.pathname} failed: ${errorStack(err)}\n`);
        sendError(res, 500, errorMessage(err));
      }
    }
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => undefined);
    const url = requestUrl(req);
    if (!url) return refuseUpgrade(socket, 400, "Bad request target");
    try {
      if (!hostAllowed(req, this.options.host)) throw new HttpError(403, "Host not allowed");
      if (!originAllowed(req)) throw new HttpError(403, "Cross-origin WebSocket refused");
      if (this.apps.matches(url.pathname)) return await this.apps.upgrade(req, socket, head, url);
      if (!tokenMatches(tokenOf(req, url), this.options.token)) throw new HttpError(403, "Forbidden: a valid token is required");
      if (!this.channels.matches(url.pathname)) throw new HttpError(404, "Not Found");
      await this.channels.upgrade(req, socket, head, url);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      if (!socket.destroyed) refuseUpgrade(socket, status, errorMessage(err));
    }
  }
}

// `luci serve`'s proxy to the web apps its kernels started: /luci/apps/<kernel-id>/<app-id>/...
// goes to the app on 127.0.0.1:<port>, so an app works on the page's origin when the server is
// reached from another machine. The kernel writes its apps down (kernel/apps/app-records.ts,
// named by the id the server gave it in LUCI_SERVER_KERNEL_ID); only a kernel this server runs is
// looked up, and only a loopback port is ever reached.
//
// Behind the token, like the API: the token itself (header or ?token=), or the cookie a request
// with the token gets (an HMAC of the token, HttpOnly, SameSite=Lax, path /luci/apps/): what
// lets an app's own links, scripts and frames (which carry no token) through, and the page's
// iframe of an app (the page's API calls set it too, see app.ts). Anything else is refused (403).
//
// The app sees paths without the prefix (an app written for / works as it is), with the prefix
// in X-Forwarded-Prefix (and the kernel gives it SCRIPT_NAME). What it sends back is mended for
// the prefix: a redirect to /x goes to <prefix>/x, and in HTML, links, sources and form actions
// written as /x too. WebSocket upgrades are piped through the same way.
import { createHmac } from "node:crypto";
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import { appProxyPath } from "../../kernel/apps/app-links.js";
import { appsFile, readKernelApps, validKernelKey } from "../../kernel/apps/app-records.js";
import { HttpError } from "../http/respond.js";
import { tokenMatches, tokenOf } from "../security/token.js";

const PREFIX = /^\/luci\/apps\/([A-Za-z0-9-]{1,64})\/(\d{1,6})(\/.*)?$/;
const COOKIE = "luci_apps";
/** HTML larger than this is passed through unmended. */
const MAX_REWRITE = 8 * 1024 * 1024;

/** What the proxy needs of the server: its token, its kernels, and the environment its kernels get. */
export interface AppProxyContext {
  token: string;
  kernelRuns(id: string): boolean;
  env: NodeJS.ProcessEnv;
}

interface Target {
  prefix: string;
  port: number;
  /** The path the app sees (after the prefix), with the query. */
  path: string;
}

export class AppProxy {
  private readonly cookieValue: string;

  constructor(private readonly context: AppProxyContext) {
    this.cookieValue = createHmac("sha256", context.token).update("luci-apps").digest("hex");
  }

  matches(pathname: string): boolean {
    return pathname.startsWith("/luci/apps/");
  }

  /** The Set-Cookie header that lets the page's frames of apps through (given with authenticated API answers). */
  cookieHeader(): string {
    return `${COOKIE}=${this.cookieValue}; Path=/luci/apps/; HttpOnly; SameSite=Lax`;
  }

  hasCookie(req: IncomingMessage): boolean {
    return tokenMatches(cookieOf(req), this.cookieValue);
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const byToken = this.authorise(req, url);
    const match = PREFIX.exec(url.pathname);
    if (!match) throw new HttpError(404, "Not Found: an app's address is /luci/apps/KERNEL/APP/");
    if (match[3] === undefined) {
      // The app's relative links need the trailing slash.
      res.writeHead(301, { Location: `${url.pathname}/${url.search}` });
      res.end();
      return;
    }
    const target = this.target(match, url);
    if (byToken) res.setHeader("Set-Cookie", this.cookieHeader());
    await this.forward(req, res, target);
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    this.authorise(req, url);
    const match = PREFIX.exec(url.pathname);
    if (!match || match[3] === undefined) throw new HttpError(404, "Not Found");
    const target = this.target(match, url);
    const upstream = connect(target.port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      upstream.once("connect", resolve);
      upstream.once("error", reject);
    });
    const headers = forwardedHeaders(req, target);
    const lines = [`${req.method ?? "GET"} ${target.path} HTTP/1.1`];
    for (const [name, value] of Object.entries(headers)) for (const v of [value].flat()) if (v !== undefined) lines.push(`${name}: ${v}`);
    upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
    upstream.pipe(socket);
    socket.pipe(upstream);
  }

  /** The token or the cookie; true when it was the token (then the cookie is given). */
  private authorise(req: IncomingMessage, url: URL): boolean {
    if (tokenMatches(tokenOf(req, url), this.context.token)) return true;
    if (this.hasCookie(req)) return false;
    throw new HttpError(403, "Forbidden: a valid token is required");
  }

  private target(match: RegExpExecArray, url: URL): Target {
    const [, kernelId, appId, rest] = match;
    if (!validKernelKey(kernelId!) || !this.context.kernelRuns(kernelId!)) throw new HttpError(404, `no running kernel ${kernelId}`);
    const apps = readKernelApps(appsFile(this.context.env, kernelId!));
    const app = apps?.apps.find((a) => a.id === Number(appId));
    if (!app) throw new HttpError(404, `kernel ${kernelId} runs no web app ${appId} (%luci apps lists them)`);
    const query = new URLSearchParams(url.search);
    query.delete("token");
    const search = query.toString();
    return { prefix: appProxyPath(kernelId!, app.id), port: app.port, path: `${rest}${search ? `?${search}` : ""}` };
  }

  private forward(req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> {
    return new Promise((resolve) => {
      const upstream = request(
        { host: "127.0.0.1", port: target.port, method: req.method, path: target.path, headers: forwardedHeaders(req, target) },
        (answer) => {
          const headers = { ...answer.headers };
          if (typeof headers.location === "string") headers.location = mendLocation(headers.location, target);
          const html = /^text\/html\b/i.test(String(headers["content-type"] ?? "")) && !headers["content-encoding"];
          if (!html) {
            res.writeHead(answer.statusCode ?? 502, headers);
            answer.pipe(res);
            answer.on("end", resolve);
            answer.on("error", () => resolve());
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          answer.on("data", (chunk: Buffer) => {
            size += chunk.length;
            chunks.push(chunk);
          });
          answer.on("end", () => {
            const raw = Buffer.concat(chunks);
            const body = size > MAX_REWRITE ? raw : Buffer.from(mendHtml(raw.toString("utf8"), target.prefix), "utf8");
            delete headers["content-length"];
            delete headers["transfer-encoding"];
            res.writeHead(answer.statusCode ?? 502, { ...headers, "content-length": String(body.length) });
            res.end(body);
            resolve();
          });
          answer.on("error", () => {
            res.destroy();
            resolve();
          });
        },
      );
      upstream.on("error", (err) => {
        if (!res.headersSent) {
          res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8" });
          res.end(`The web app does not answer (${err.message}); %luci apps says whether it still runs.\n`);
        } else res.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
  }
}

/** The request's headers for the app: the server's own credentials removed, the prefix said. */
function forwardedHeaders(req: IncomingMessage, target: Target): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { ...req.headers };
  delete headers.authorization;
  const others = (req.headers.cookie ?? "")
    .split(";")
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith(`${COOKIE}=`));
  if (others.length) headers.cookie = others.join("; ");
  else delete headers.cookie;
  headers["x-forwarded-host"] = req.headers.host;
  headers["x-forwarded-proto"] = "http";
  headers["x-forwarded-prefix"] = target.prefix;
  headers["x-script-name"] = target.prefix;
  // HTML is mended on its way back: it must come uncompressed.
  headers["accept-encoding"] = "identity";
  headers.host = `127.0.0.1:${target.port}`;
  return headers;
}

/** A redirect to /x (or to the app's own loopback address) goes to <prefix>/x. */
function mendLocation(location: string, target: Target): string {
  const own = new RegExp(`^https?://(127\\.0\\.0\\.1|localhost):${target.port}(?=/|$)`);
  const path = location.replace(own, "");
  if (path === "") return `${target.prefix}/`;
  if (path.startsWith("/") && !path.startsWith("//") && !path.startsWith(`${target.prefix}/`)) return `${target.prefix}${path}`;
  return path;
}

/** href="/x", src="/x", action="/x" written in the app's HTML point under the prefix. */
function mendHtml(html: string, prefix: string): string {
  // Not a path already under the prefix (an app that honours SCRIPT_NAME writes those itself).
  return html.replace(/\b(href|src|action)\s*=\s*(["'])\/(?!\/|luci\/apps\/)/gi, (_m, attr: string, quote: string) => `${attr}=${quote}${prefix}/`);
}

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === COOKIE) return value.join("=");
  }
  return undefined;
}

// The notebook page (frontend/, built into dist/frontend/): GET / and /notebooks/<anything>
// answer index.html, GET /static/<file> answers dist/frontend/<file>. No token is needed for
// these: they hold no data; the page reads the token from its own URL (?token=) and sends it
// with every API call. Files are resolved inside dist/frontend only, hidden names refused.
import { createReadStream, existsSync, realpathSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { packageRoot } from "../../kernel/common/package-root.js";
import { HttpError } from "../http/respond.js";
import type { RequestContext, Router } from "../http/router.js";
import { pageSecurityHeaders } from "../security/headers.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".txt": "text/plain; charset=utf-8",
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Luci</title></head>
<body><h1>Luci</h1><p>The notebook page has not been built. Run <code>npm run build</code> in Luci's folder, then reload.</p>
<p>The Jupyter API is served under <code>/api</code>.</p></body></html>
`;

export function pageRoutes(router: Router, frontendDir = join(packageRoot(), "dist", "frontend")): void {
  const index = ({ req, res }: RequestContext) => {
    const path = join(frontendDir, "index.html");
    if (!existsSync(path)) {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", ...pageSecurityHeaders(req.headers.host) });
      res.end(NOT_BUILT);
      return;
    }
    sendFile(req.headers.host, res, path, "no-store");
  };
  router
    .add("GET", /^\/$/, index)
    .add("GET", /^\/notebooks(?:\/.*)?$/, index)
    .add("GET", /^\/static\/(?<file>.+)$/, ({ req, res, params }) => {
      const segments = params.file!.split("/");
      if (segments.some((s) => s === "" || s === "." || s === ".." || s.startsWith(".") || s.includes("\\"))) throw new HttpError(404, "Not Found");
      const path = join(frontendDir, ...segments);
      if (!existsSync(path) || !statSync(path).isFile()) throw new HttpError(404, "Not Found");
      const back = relative(realpathSync(frontendDir), realpathSync(path));
      if (back.startsWith("..") || back.startsWith(sep)) throw new HttpError(404, "Not Found");
      sendFile(req.headers.host, res, path, "no-cache");
    });
}

function sendFile(host: string | undefined, res: import("node:http").ServerResponse, path: string, cache: string): void {
  res.writeHead(200, {
    "Content-Type": TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
    "Content-Length": statSync(path).size,
    "Cache-Control": cache,
    ...pageSecurityHeaders(host),
  });
  createReadStream(path).pipe(res);
}

// /api/kernels and /api/kernelspecs, /kernelspecs/{name}/{file} (jupyter_server's
// services/kernels/handlers.py and services/kernelspecs/handlers.py).
import { createReadStream, existsSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { HttpError, readJson, sendEmpty, sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";
import type { KernelManager } from "../kernels/kernel-manager.js";
import { DEFAULT_KERNEL, resourceLinks } from "../kernels/kernelspecs.js";
import type { RootedPaths } from "../contents/paths.js";

const KERNEL = /^\/api\/kernels\/(?<id>[^/]+)\/?$/;

export function kernelRoutes(router: Router, kernels: KernelManager, paths: RootedPaths): void {
  router
    .add("GET", /^\/api\/kernels\/?$/, ({ res }) =>
      sendJson(
        res,
        200,
        kernels.list().map((k) => k.model),
      ),
    )
    .add("POST", /^\/api\/kernels\/?$/, async ({ req, res }) => {
      const body = await readJson(req);
      const name = typeof body.name === "string" ? body.name : undefined;
      // "path" is the folder the kernel runs in, relative to the root (jupyter_server's meaning).
      const cwd = typeof body.path === "string" && body.path !== "" ? folderOf(paths, body.path) : paths.root;
      const kernel = await kernels.start(name, { cwd });
      sendJson(res, 201, kernel.model, { Location: `/api/kernels/${encodeURIComponent(kernel.id)}` });
    })
    .add("GET", KERNEL, ({ res, params }) => sendJson(res, 200, kernels.get(params.id!).model))
    .add("DELETE", KERNEL, async ({ res, params }) => {
      await kernels.shutdown(params.id!);
      sendEmpty(res);
    })
    .add("POST", /^\/api\/kernels\/(?<id>[^/]+)\/interrupt\/?$/, ({ res, params }) => {
      kernels.interrupt(params.id!);
      sendEmpty(res);
    })
    .add("POST", /^\/api\/kernels\/(?<id>[^/]+)\/restart\/?$/, async ({ res, params }) => {
      const kernel = await kernels.restart(params.id!);
      sendJson(res, 200, kernel.model);
    })
    .add("GET", /^\/api\/kernelspecs\/?$/, ({ res }) => {
      const specs: Record<string, unknown> = {};
      for (const spec of kernels.specs.values()) specs[spec.name] = { name: spec.name, spec: spec.spec, resources: resourceLinks(spec) };
      sendJson(res, 200, { default: DEFAULT_KERNEL, kernelspecs: specs });
    })
    .add("GET", /^\/api\/kernelspecs\/(?<name>[^/]+)\/?$/, ({ res, params }) => {
      const spec = kernels.specs.get(params.name!);
      if (!spec) throw new HttpError(404, `Kernel spec ${params.name} not found`);
      sendJson(res, 200, { name: spec.name, spec: spec.spec, resources: resourceLinks(spec) });
    });
}

const RESOURCE_TYPES: Record<string, string> = { ".png": "image/png", ".svg": "image/svg+xml", ".js": "application/javascript", ".css": "text/css" };

/**
 * GET /kernelspecs/{name}/{file}: a logo. Served without a token, like the page's own static files:
 * an <img> cannot send an Authorization header, and logos reveal nothing.
 */
export function kernelspecResourceRoutes(router: Router, kernels: KernelManager): void {
  router.add("GET", /^\/kernelspecs\/(?<name>[^/]+)\/(?<file>[^/]+)$/, ({ res, params }) => {
    const spec = kernels.specs.get(params.name!);
    const file = basename(params.file!);
    if (!spec || file !== params.file || file.startsWith(".")) throw new HttpError(404, "Not Found");
    const path = join(spec.resourceDir, file);
    if (!existsSync(path) || !statSync(path).isFile()) throw new HttpError(404, "Not Found");
    res.writeHead(200, {
      "Content-Type": RESOURCE_TYPES[extname(file)] ?? "application/octet-stream",
      "Content-Length": statSync(path).size,
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "max-age=3600",
    });
    createReadStream(path).pipe(res);
  });
}

function folderOf(paths: RootedPaths, path: string): string {
  const resolved = paths.resolve(path);
  if (!existsSync(resolved.os) || !statSync(resolved.os).isDirectory()) throw new HttpError(400, `No such folder: ${resolved.api}`);
  return resolved.os;
}

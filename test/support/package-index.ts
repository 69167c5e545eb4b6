// A PEP 503 "simple" package index on loopback, serving wheels that the test builds itself:
// environment tests install real packages with real pip and uv, without the public index.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { listeningPort } from "../../kernel/common/listening-port.js";

const run = promisify(execFile);
const MAKE_WHEEL = resolve(import.meta.dirname, "make_wheel.py");

export interface TestPackage {
  name: string;
  version: string;
  /** Files of the wheel, path relative to site-packages to content; replaces the default module. */
  modules?: Record<string, string>;
  /** Requires-Dist lines, e.g. "beta>=2". */
  requires?: string[];
  /** Make the default module raise ImportError: a package that installs but cannot be imported. */
  failImport?: boolean;
}

export interface PackageIndex {
  /** http://127.0.0.1:PORT/simple/ */
  url: string;
  /** Where the wheels are; the index lists whatever wheels are in it at request time. */
  dir: string;
  close(): Promise<void>;
  /** Paths requested, in order, for assertions. */
  requests: string[];
  /** Wheel downloads wait this long first (a slow network, to catch an install in the act). */
  delayMs: number;
}

/** PEP 503 normalisation, as installers apply it to the project part of /simple/<name>/. */
function normalise(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** Builds one wheel into the index's directory with make_wheel.py. */
export async function addPackage(index: PackageIndex, pkg: TestPackage): Promise<void> {
  const args = [MAKE_WHEEL, index.dir, pkg.name, pkg.version];
  for (const [relpath, content] of Object.entries(pkg.modules ?? {})) args.push("--module", `${relpath}=${content}`);
  for (const spec of pkg.requires ?? []) args.push("--requires", spec);
  if (pkg.failImport) args.push("--fail-import");
  await run("python3", args);
}

interface Wheel {
  file: string;
  project: string;
}

async function wheels(dir: string): Promise<Wheel[]> {
  // A wheel's file name starts with its escaped distribution name, up to the first "-".
  return (await readdir(dir))
    .filter((file) => file.endsWith(".whl"))
    .sort()
    .map((file) => ({ file, project: normalise(file.split("-")[0] ?? file) }));
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  // no-store: installers cache index pages; a version a test adds later must never be hidden.
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

function page(title: string, links: string[]): string {
  return `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${title}</title></head><body>\n${links.join("<br>\n")}\n</body></html>\n`;
}

export async function startPackageIndex(packages: TestPackage[]): Promise<PackageIndex> {
  const dir = mkdtempSync(join(tmpdir(), "luci-index-"));
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    requests.push(path);
    void handle(path, res).catch((error: unknown) => send(res, 500, "text/plain", String(error)));
  });

  async function handle(path: string, res: ServerResponse): Promise<void> {
    const all = await wheels(dir);
    if (path === "/simple/") {
      const projects = [...new Set(all.map((w) => w.project))];
      send(
        res,
        200,
        "text/html",
        page(
          "Simple index",
          projects.map((p) => `<a href="/simple/${p}/">${p}</a>`),
        ),
      );
      return;
    }
    const project = /^\/simple\/([^/]+)\/?$/.exec(path)?.[1];
    if (project !== undefined) {
      const name = normalise(decodeURIComponent(project));
      const files = all.filter((w) => w.project === name);
      if (files.length === 0) return send(res, 404, "text/plain", `no project ${name}\n`);
      const links = await Promise.all(
        files.map(async (w) => {
          const digest = createHash("sha256")
            .update(await readFile(join(dir, w.file)))
            .digest("hex");
          return `<a href="/files/${w.file}#sha256=${digest}">${w.file}</a>`;
        }),
      );
      send(res, 200, "text/html", page(`Links for ${name}`, links));
      return;
    }
    const file = /^\/files\/([^/]+\.whl)$/.exec(path)?.[1];
    if (file !== undefined && all.some((w) => w.file === file)) {
      if (index.delayMs > 0) await new Promise((ok) => setTimeout(ok, index.delayMs));
      send(res, 200, "application/octet-stream", await readFile(join(dir, file)));
      return;
    }
    send(res, 404, "text/plain", "not found\n");
  }

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const port = listeningPort(server);
  const index: PackageIndex = {
    url: `http://127.0.0.1:${port}/simple/`,
    dir,
    requests,
    delayMs: 0,
    async close() {
      // Installers keep connections alive; without this, close() waits for them to time out.
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const pkg of packages) await addPackage(index, pkg);
  } catch (error) {
    await index.close();
    throw error;
  }
  return index;
}

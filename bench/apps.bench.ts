// bench/apps.bench.ts - web apps from the notebook (kernel/apps/): the time from a web-app task
// cell's execute_request to the first answer of the URL the cell shows, against the fake model
// server and a real kernel (the built dist/, LUCI_EXECUTOR=local, real ZeroMQ):
//
//   1. new task: execute_request, the model's answer (a stdlib http.server dashboard reading
//      HOST and PORT), the gate, the app's start, the cell's reply, then this process's first GET
//      of the URL. Median and p95 over LUCI_BENCH_APPS runs (5); also the part the model took
//      (the server's records: the request's arrival to the answer's last byte) and the part from
//      the reply to the first answer (the app already answered the kernel's probe by then).
//   2. rerun from the record: the same cell again (no model call), to the first answer.
//
// Each app is stopped (%luci apps stop all) before the next run; no targets, figures only.
// LUCI_BENCH_APPS_EXECUTOR=container runs the kernel with the container executor instead (the
// app in the notebook's container, reached through the kernel's relay; needs a Docker engine).
//
//   npx vitest run --config bench/vitest.bench.config.ts bench/apps.bench.ts
//
// Writes JSON to LUCI_BENCH_OUT (default bench/results/latest/apps.json).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, it } from "vitest";
import { answer, startFakeModelServer, type FakeModelServer } from "../test/support/fake-model-server.js";
import { fakeModelEnv } from "../test/support/fake-model-kernel.js";
import { containerEnv, ROOT, startKernel, type StartedKernel } from "../test/support/kernel-process.js";
import { appStates, DASHBOARD } from "../test/kernel/apps/web-app-support.js";
import { intEnv, stats } from "./stats.js";

const RUNS = intEnv("LUCI_BENCH_APPS", 5);
const OUT = process.env.LUCI_BENCH_OUT || join(ROOT, "bench", "results", "latest", "apps.json");
const now = (): number => performance.timeOrigin + performance.now();

let server: FakeModelServer;
let kernel: StartedKernel;

beforeAll(async () => {
  server = await startFakeModelServer({ chunkSize: 64 });
  const executor = process.env.LUCI_BENCH_APPS_EXECUTOR === "container" ? containerEnv() : {};
  kernel = await startKernel({ env: { ...fakeModelEnv(server), XDG_DATA_HOME: mkdtempSync(join(tmpdir(), "luci-bench-apps-")), ...executor } });
  // The worker started, as for a notebook a person has open.
  await kernel.client.execute("1 + 1");
});

afterAll(async () => {
  await kernel?.stop();
  await server?.close();
});

/** Runs the cell, then GETs the URL it shows: the times to the reply and to the first answer. */
async function runToFirstAnswer(cell: string, cellId: string) {
  const started = now();
  const { reply, iopub } = await kernel.client.execute(cell, {}, { cellId });
  const replied = now();
  if (reply.content.status !== "ok") throw new Error(`the cell failed: ${JSON.stringify(reply.content)}`);
  const running = appStates(iopub).find((s) => s.state === "running");
  if (!running) throw new Error("the cell showed no running app");
  const page = await fetch(running.url);
  await page.text();
  const answered = now();
  await kernel.client.execute("%luci apps stop all");
  return { total: answered - started, toReply: replied - started, replyToAnswer: answered - replied, started, replied };
}

describe("web apps", () => {
  it("execute_request to the first answer of the app's URL", async () => {
    const fresh: number[] = [];
    const model: number[] = [];
    const afterReply: number[] = [];
    const rerun: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      server.reset();
      // A distinct task each time: each is a new task with one model call.
      const task = `Show the sales dashboard number ${i} as a web page`;
      server.enqueue(answer({ code: DASHBOARD }));
      const run = await runToFirstAnswer(task, `bench-app-${i}`);
      fresh.push(run.total);
      afterReply.push(run.replyToAnswer);
      const request = server.chatRequests[0];
      if (request?.endTime !== undefined) model.push(request.endTime - request.time);
      // The same cell again: its record is reused, no model call.
      rerun.push((await runToFirstAnswer(task, `bench-app-${i}`)).total);
    }
    const result = {
      runs: RUNS,
      executor: process.env.LUCI_BENCH_APPS_EXECUTOR === "container" ? "container" : "local",
      new_task_to_first_answer_ms: stats(fresh),
      model_ms: stats(model),
      reply_to_first_answer_ms: stats(afterReply),
      rerun_to_first_answer_ms: stats(rerun),
    };
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  });
});

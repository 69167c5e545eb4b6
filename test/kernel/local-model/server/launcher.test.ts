// How kernels find or start the user's model server: real `luci model serve` processes (the
// built dist/ entry) with the real 0.5B model, each test in a runtime folder of its own
// (XDG_RUNTIME_DIR). Asserts on processes, files and the server's log, never on durations.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { processAlive } from "../../../../kernel/common/process-alive.js";
import { ensureModelServer, type EnsureModelServerOptions } from "../../../../kernel/local-model/server/launcher.js";
import { readRuntimeFile } from "../../../../kernel/local-model/server/runtime-file.js";
import { testModelFile } from "../../../support/test-model.js";

const started: number[] = [];
const folders: string[] = [];

afterEach(() => {
  for (const pid of started.splice(0)) {
    if (processAlive(pid)) process.kill(pid, "SIGKILL");
  }
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function setup(settings: Record<string, string> = {}) {
  const xdg = mkdtempSync(join(tmpdir(), "luci-model-runtime-"));
  folders.push(xdg);
  const dir = join(xdg, "luci");
  const env = { ...process.env, XDG_RUNTIME_DIR: xdg, LUCI_LOCAL_MODEL_IDLE: "0", ...settings };
  const options: EnsureModelServerOptions = { modelFile: testModelFile(), modelName: "test-model", env };
  return { dir, file: join(dir, "model-server.json"), log: join(dir, "model-server.log"), options };
}

async function ensure(options: EnsureModelServerOptions) {
  const endpoint = await ensureModelServer(options);
  started.push(endpoint.pid);
  return endpoint;
}

async function gone(pid: number): Promise<void> {
  for (let i = 0; i < 1200 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  expect(processAlive(pid)).toBe(false);
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("ensureModelServer", () => {
  it("replaces a stale runtime file, starts ONE server for two kernels at once, a new one after it died, and one for another model", async () => {
    const { dir, file, log, options } = setup();
    const stale = deadPid();
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({ pid: stale, port: 9, token: "old", model: "test-model", modelFile: options.modelFile, startedAt: "2020-01-01T00:00:00Z" }),
    );

    const progress: string[] = [];
    const [a, b] = await Promise.all([ensure({ ...options, onProgress: (m) => progress.push(m) }), ensure(options)]);
    expect(a.pid).toBe(b.pid);
    expect(a.pid).not.toBe(stale);
    expect([a.started, b.started].filter(Boolean)).toHaveLength(1);
    expect({ ...a, started: true }).toEqual({ ...b, started: true });
    expect(progress).toEqual(["Loading the model…"]);
    expect(readFileSync(log, "utf8").match(/model server: listening on/g)).toHaveLength(1);

    // The runtime file: the server's own, for the user alone.
    const info = readRuntimeFile(file);
    expect(info).toMatchObject({ pid: a.pid, token: a.apiKey, model: "test-model", modelFile: options.modelFile });
    expect(a.baseUrl).toBe(`http://127.0.0.1:${info!.port}/v1`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    // Found again while it runs: nothing started.
    const again = await ensure(options);
    expect(again).toMatchObject({ pid: a.pid, started: false });

    // It dies (SIGKILL leaves its runtime file): the next call starts another.
    process.kill(a.pid, "SIGKILL");
    await gone(a.pid);
    const next = await ensure(options);
    expect(next.started).toBe(true);
    expect(next.pid).not.toBe(a.pid);
    const answer = await fetch(`${next.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${next.apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: next.model, messages: [{ role: "user", content: "Say hi." }], max_tokens: 4 }),
    });
    expect(answer.status).toBe(200);

    // Another model is asked for: one server per user, so that one stops and a new one starts.
    const other = await ensure({ ...options, modelName: "other-model" });
    expect(other).toMatchObject({ model: "other-model", started: true });
    await gone(next.pid);
    expect(readRuntimeFile(file)?.pid).toBe(other.pid);

    // SIGTERM: it stops and takes its runtime file with it.
    process.kill(other.pid, "SIGTERM");
    await gone(other.pid);
    expect(existsSync(file)).toBe(false);
  });

  it("stops a server after its idle timeout and removes its runtime file", async () => {
    const { file, log, options } = setup({ LUCI_LOCAL_MODEL_IDLE: "2" });
    const endpoint = await ensure(options);
    expect(existsSync(file)).toBe(true);
    await gone(endpoint.pid);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(log, "utf8")).toMatch(/stopping: no request for 2 s/);
  });
});

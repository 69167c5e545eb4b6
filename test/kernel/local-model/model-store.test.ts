// The model store: its folder, what LUCI_LOCAL_MODEL selects, and verification: a good file is
// hashed once and stamped, a stamped file is trusted while its size and mtime are unchanged
// (so a start does not re-hash a gigabyte), a changed or damaged file is refused with the
// command that repairs it, and rm is refused while a pull of the model holds its lock.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOGUE, DEFAULT_MODEL_NAME, type CatalogueEntry } from "../../../kernel/local-model/catalogue.js";
import { modelPaths, modelsDir, removeModel, resolveLocalModel, verifyInstalled } from "../../../kernel/local-model/model-store.js";
import { modelStore } from "./support/fake-model.js";

/** A small model file in `dir` and its entry. */
function installedFake(dir: string): { entry: CatalogueEntry; path: string; data: Buffer } {
  const data = randomBytes(300_000);
  const entry: CatalogueEntry = {
    name: "fake-store",
    title: "fake",
    fileName: "fake-store.gguf",
    size: data.length,
    sha256: createHash("sha256").update(data).digest("hex"),
    sha256Source: "the test",
    licence: "Apache-2.0",
    memoryBytes: 1,
    wantsGpu: false,
    sources: [],
  };
  const path = join(dir, entry.fileName);
  writeFileSync(path, data);
  return { entry, path, data };
}

describe("the model store's folder", () => {
  it("is LUCI_MODELS_DIR, else under XDG_DATA_HOME, else under ~/.local/share", () => {
    expect(modelsDir({ LUCI_MODELS_DIR: "/srv/models", XDG_DATA_HOME: "/x" })).toBe("/srv/models");
    expect(modelsDir({ XDG_DATA_HOME: "/x/data" })).toBe("/x/data/luci/models");
    expect(modelsDir({})).toBe(join(homedir(), ".local", "share", "luci", "models"));
  });
});

describe("resolveLocalModel", () => {
  it("is the default catalogue model when LUCI_LOCAL_MODEL is unset or empty", () => {
    for (const env of [{}, { LUCI_LOCAL_MODEL: "" }]) {
      const choice = resolveLocalModel(env);
      expect(choice.kind === "catalogue" && choice.entry.name).toBe(DEFAULT_MODEL_NAME);
    }
  });

  it("is off for off", () => {
    expect(resolveLocalModel({ LUCI_LOCAL_MODEL: "off" })).toEqual({ kind: "off" });
    expect(resolveLocalModel({ LUCI_LOCAL_MODEL: "OFF" })).toEqual({ kind: "off" });
  });

  it("picks a catalogue model by name", () => {
    const choice = resolveLocalModel({ LUCI_LOCAL_MODEL: "qwen2.5-coder-0.5b" });
    expect(choice.kind === "catalogue" && choice.entry.fileName).toBe("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");
  });

  it("uses a path as a local file, named by its file name", () => {
    expect(resolveLocalModel({ LUCI_LOCAL_MODEL: "/models/My-Model.Q4.gguf" })).toEqual({
      kind: "file",
      path: "/models/My-Model.Q4.gguf",
      name: "My-Model.Q4.gguf",
    });
    expect(resolveLocalModel({ LUCI_LOCAL_MODEL: "~/m/x.gguf" })).toEqual({ kind: "file", path: join(homedir(), "m", "x.gguf"), name: "x.gguf" });
    expect(resolveLocalModel({ LUCI_LOCAL_MODEL: "model.gguf" })).toEqual({ kind: "file", path: resolve("model.gguf"), name: "model.gguf" });
  });

  it("says so for a value that is neither a model nor a path", () => {
    const choice = resolveLocalModel({ LUCI_LOCAL_MODEL: "qwen-large" });
    expect(choice.kind).toBe("invalid");
    expect(choice.kind === "invalid" && choice.message).toBe(
      `LUCI_LOCAL_MODEL=qwen-large is not a model Luci knows (${CATALOGUE.map((e) => e.name).join(", ")}), nor a path to a .gguf file, nor "off"`,
    );
  });
});

describe("verifyInstalled", () => {
  it("hashes a file once, stamps it, and then trusts the stamp while size and mtime hold", async () => {
    const dir = modelStore();
    const { entry, path, data } = installedFake(dir);
    const paths = modelPaths(entry, dir);
    // A whole-second mtime, which utimes can set again exactly below.
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    utimesSync(path, mtime, mtime);
    expect(await verifyInstalled(entry, dir)).toEqual({ ok: true, path, size: data.length, hashed: true });
    const stamp = JSON.parse(readFileSync(paths.stamp, "utf8")) as { size: number; mtimeMs: number; sha256: string };
    expect(stamp).toMatchObject({ size: data.length, mtimeMs: statSync(path).mtimeMs, sha256: entry.sha256 });
    expect(await verifyInstalled(entry, dir)).toMatchObject({ ok: true, hashed: false });

    // Proof that the stamp is what is trusted: change the bytes, keep size and mtime. Without
    // rehash the file is taken as verified (not read); with rehash, it is refused.
    const damaged = Buffer.from(data);
    damaged[1000] = damaged[1000]! ^ 0xff;
    writeFileSync(path, damaged);
    utimesSync(path, mtime, mtime);
    expect(await verifyInstalled(entry, dir)).toMatchObject({ ok: true, hashed: false });
    const rehashed = await verifyInstalled(entry, dir, { rehash: true });
    expect(rehashed.ok).toBe(false);
    const actual = createHash("sha256").update(damaged).digest("hex");
    expect(!rehashed.ok && rehashed).toMatchObject({
      reason: "corrupted",
      message: `the model file ${path} is corrupted (sha256 ${actual}, expected ${entry.sha256}): run \`luci model pull fake-store\` again`,
    });
    expect(existsSync(paths.stamp)).toBe(false);
  });

  it("hashes again a file whose mtime changed since its stamp, and refuses it if it is damaged", async () => {
    const dir = modelStore();
    const { entry, path, data } = installedFake(dir);
    expect(await verifyInstalled(entry, dir)).toMatchObject({ ok: true, hashed: true });
    const damaged = Buffer.from(data);
    damaged[0] = damaged[0]! ^ 0xff;
    writeFileSync(path, damaged);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const result = await verifyInstalled(entry, dir);
    expect(result).toMatchObject({ ok: false, reason: "corrupted" });
    expect(!result.ok && result.message).toContain("is corrupted (sha256 ");
    expect(!result.ok && result.message).toContain("run `luci model pull fake-store` again");
  });

  it("refuses a file of the wrong size without reading it", async () => {
    const dir = modelStore();
    const { entry, path, data } = installedFake(dir);
    truncateSync(path, data.length - 1);
    expect(await verifyInstalled(entry, dir)).toEqual({
      ok: false,
      reason: "corrupted",
      path,
      message: `the model file ${path} is corrupted (${data.length - 1} bytes, expected ${data.length}): run \`luci model pull fake-store\` again`,
    });
  });

  it("says how to install a missing model, and never verifies an entry without a sum", async () => {
    const dir = modelStore();
    const { entry } = installedFake(dir);
    const missing = await verifyInstalled({ ...entry, fileName: "absent.gguf" }, dir);
    expect(missing).toMatchObject({ ok: false, reason: "missing" });
    expect(!missing.ok && missing.message).toContain("luci model pull fake-store");
    expect(await verifyInstalled({ ...entry, sha256: null }, dir)).toMatchObject({ ok: false, reason: "unverifiable" });
  });
});

describe("removeModel", () => {
  it("removes the model, its stamp and any partial download", async () => {
    const dir = modelStore();
    const { entry } = installedFake(dir);
    await verifyInstalled(entry, dir);
    const paths = modelPaths(entry, dir);
    writeFileSync(paths.partial, "x");
    writeFileSync(paths.sidecar, "{}");
    const result = await removeModel(entry, dir);
    expect(result).toEqual({ ok: true, removed: [paths.file, paths.stamp, paths.partial, paths.sidecar] });
    expect(existsSync(paths.file) || existsSync(paths.stamp) || existsSync(paths.partial)).toBe(false);
  });

  it("refuses while a pull of the model holds its lock", async () => {
    const dir = modelStore();
    const { entry } = installedFake(dir);
    const paths = modelPaths(entry, dir);
    writeFileSync(paths.lock, `${process.pid} ${hostname()} ${new Date().toISOString()}\n`);
    const result = await removeModel(entry, dir);
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.message).toContain(`a pull of fake-store is running`);
    expect(existsSync(paths.file)).toBe(true);
  });
});

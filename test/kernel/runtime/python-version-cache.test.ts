// The remembered Python versions: kernel_info's version before a worker is ready, read from a
// file that every kernel start reads and so must stay small.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cachedPythonVersion,
  PYTHON_VERSION_CACHE_LIMIT,
  pythonVersionCacheFile,
  rememberPythonVersion,
} from "../../../kernel/runtime/python-version-cache.js";

const base = mkdtempSync(join(tmpdir(), "luci-pyversions-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
function cacheFile(): string {
  n += 1;
  return join(base, `cache-${n}`, "python-versions.json");
}

/** An interpreter path that exists. */
function interpreter(name: string): string {
  const dir = join(base, "envs", name, "bin");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "python"), "");
  return join(dir, "python");
}

describe("python-version cache", () => {
  it("lives in XDG_CACHE_HOME when it is set", () => {
    expect(pythonVersionCacheFile({ XDG_CACHE_HOME: "/somewhere" })).toBe("/somewhere/luci/python-versions.json");
  });

  it("remembers a version per interpreter, and a missing or damaged file is no version", () => {
    const file = cacheFile();
    expect(cachedPythonVersion("/usr/bin/python3", file)).toBeUndefined();
    rememberPythonVersion("/usr/bin/python3", "3.11.2", file);
    rememberPythonVersion("python3", "3.12.1", file);
    expect(cachedPythonVersion("/usr/bin/python3", file)).toBe("3.11.2");
    expect(cachedPythonVersion("python3", file)).toBe("3.12.1");
    writeFileSync(file, "{ not json");
    expect(cachedPythonVersion("python3", file)).toBeUndefined();
    rememberPythonVersion("python3", "3.12.2", file);
    expect(cachedPythonVersion("python3", file)).toBe("3.12.2");
  });

  it("keeps the newest interpreters only, and drops one whose path is gone", () => {
    const file = cacheFile();
    const gone = join(base, "removed-env", "bin", "python");
    rememberPythonVersion(gone, "3.10.0", file);
    const paths = Array.from({ length: PYTHON_VERSION_CACHE_LIMIT + 5 }, (_, i) => interpreter(`env${i}`));
    for (const path of paths) rememberPythonVersion(path, "3.11.7", file);
    const kept = Object.keys(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>);
    expect(kept).toHaveLength(PYTHON_VERSION_CACHE_LIMIT);
    expect(kept[0]).toBe(paths.at(-1));
    expect(kept).not.toContain(gone);
    expect(kept).not.toContain(paths[0]);
    // a version that changed moves its interpreter to the front
    rememberPythonVersion(paths[10]!, "3.11.8", file);
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>)[0]).toBe(paths[10]);
    expect(cachedPythonVersion(paths[10]!, file)).toBe("3.11.8");
  });

  it("trims a file grown by an older Luci even when the version is already there", () => {
    const file = cacheFile();
    const old = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [interpreter(`old${i}`), "3.9.0"]));
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, JSON.stringify(old));
    const first = Object.keys(old)[0]!;
    rememberPythonVersion(first, "3.9.0", file);
    const kept = Object.keys(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>);
    expect(kept).toHaveLength(PYTHON_VERSION_CACHE_LIMIT);
    expect(kept[0]).toBe(first);
  });
});

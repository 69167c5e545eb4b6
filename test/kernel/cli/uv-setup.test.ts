// `luci install` finds uv or installs it (README: "It finds uv (LUCI_UV, PATH, beside PYTHON) or
// installs it from PyPI into ~/.local/share/luci/tools, and records uv ... in the kernelspec"),
// run as a real process in a temporary HOME and XDG_DATA_HOME with a PATH the test controls.
// The install does not use the public index: pip is pointed (PIP_INDEX_URL) at a loopback index
// of the test's own that serves a "uv" wheel whose script runs the project's uv.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LUCI_BIN, ROOT } from "../../support/kernel-process.js";
import { addPackage, startPackageIndex, type PackageIndex } from "../../support/package-index.js";

const run = promisify(execFile);
const REAL_UV = process.env.LUCI_UV || join(ROOT, ".venv", "bin", "uv");
const PYTHON = "/usr/bin/python3";
/** A PATH with Python and the usual tools and no uv. */
const BARE_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Rewrites a wheel with one member's mode set to 0755. */
const EXECUTABLE_MEMBER = `
import sys, zipfile
path, member = sys.argv[1:]
with zipfile.ZipFile(path) as wheel:
    items = [(info, wheel.read(info.filename)) for info in wheel.infolist()]
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
    for info, data in items:
        if info.filename == member:
            info.external_attr = 0o100755 << 16
        wheel.writestr(info, data)
`;

let index: PackageIndex;
let emptyIndex: PackageIndex;

beforeAll(async () => {
  if (!existsSync(REAL_UV)) throw new Error(`uv is needed at ${REAL_UV} (bash .ci/run installs it into .venv)`);
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is needed`);
  for (const dir of BARE_PATH.split(":")) if (existsSync(join(dir, "uv"))) throw new Error(`${dir}/uv exists: the test needs a PATH without uv`);
  index = await startPackageIndex([]);
  await addPackage(index, { name: "uv", version: "0.0.1", modules: { "uv-0.0.1.data/scripts/uv": `#!/bin/sh\nexec ${REAL_UV} "$@"\n` } });
  // pip keeps a script's mode from the wheel, as uv's own wheels carry it: executable.
  await run("python3", ["-c", EXECUTABLE_MEMBER, join(index.dir, "uv-0.0.1-py3-none-any.whl"), "uv-0.0.1.data/scripts/uv"]);
  emptyIndex = await startPackageIndex([{ name: "not-uv", version: "1.0.0" }]);
});
afterAll(async () => {
  await index?.close();
  await emptyIndex?.close();
});

interface Installed {
  stdout: string;
  /** The settings the "luci" kernelspec written gives as defaults (LUCI_KERNELSPEC_DEFAULTS). */
  spec: Record<string, string>;
  home: string;
  data: string;
}

/** Runs `luci install --prefix` with a HOME and XDG_DATA_HOME of its own; `env` adds or overrides. */
async function install(args: string[], env: Record<string, string> = {}, place?: { home: string; data: string }): Promise<Installed> {
  const home = place?.home ?? mkdtempSync(join(tmpdir(), "luci-uv-home-"));
  const data = place?.data ?? join(home, "data");
  const prefix = mkdtempSync(join(tmpdir(), "luci-uv-prefix-"));
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(LUCI_|PIP_|UV_|VIRTUAL_ENV$)/.test(name)));
  const { stdout } = await run(
    process.execPath,
    [LUCI_BIN, "install", "--prefix", prefix, ...(args.includes("--python") ? [] : ["--python", PYTHON]), ...args],
    {
      env: { ...clean, HOME: home, XDG_DATA_HOME: data, PATH: BARE_PATH, LUCI_ENV_DIR: join(home, "envs"), PIP_INDEX_URL: emptyIndex.url, ...env },
      timeout: 300_000,
    },
  );
  const spec = JSON.parse(readFileSync(join(prefix, "share", "jupyter", "kernels", "luci", "kernel.json"), "utf8")) as { env: Record<string, string> };
  expect(spec.env.LUCI_UV).toBeUndefined(); // a default only: the caller's LUCI_UV wins
  const defaults = JSON.parse(spec.env.LUCI_KERNELSPEC_DEFAULTS ?? "{}") as Record<string, string>;
  return { stdout, spec: defaults, home, data };
}

/** A folder holding a `uv` that is the project's. */
function folderWithUv(): string {
  const dir = mkdtempSync(join(tmpdir(), "luci-uv-bin-"));
  symlinkSync(REAL_UV, join(dir, "uv"));
  return dir;
}

describe("luci install and uv", () => {
  it("finds uv on PATH and records it, installing nothing", async () => {
    const bin = folderWithUv();
    const result = await install([], { PATH: `${bin}:${BARE_PATH}` });
    expect(result.spec.LUCI_UV).toBe(join(bin, "uv"));
    expect(result.stdout).toContain(`made with uv, ${join(bin, "uv")}`);
    expect(result.stdout).not.toMatch(/installing it/);
    expect(existsSync(join(result.data, "luci", "tools"))).toBe(false);
  });

  it("LUCI_UV comes before PATH", async () => {
    const chosen = folderWithUv();
    const onPath = folderWithUv();
    const result = await install([], { PATH: `${onPath}:${BARE_PATH}`, LUCI_UV: join(chosen, "uv") });
    expect(result.spec.LUCI_UV).toBe(join(chosen, "uv"));
  });

  it("finds uv beside the --python given", async () => {
    const bin = folderWithUv();
    symlinkSync(PYTHON, join(bin, "python3"));
    const result = await install(["--python", join(bin, "python3")]);
    expect(result.spec.LUCI_PYTHON).toBe(join(bin, "python3"));
    expect(result.spec.LUCI_UV).toBe(join(bin, "uv"));
  });

  it("without uv anywhere, installs it into the user data folder's tools venv (from the package index pip is given), records it, and finds it there the next time", async () => {
    const first = await install([], { PIP_INDEX_URL: index.url });
    const tools = join(first.data, "luci", "tools");
    expect(first.stdout).toContain(`uv not found: installing it from PyPI into ${tools}`);
    expect(first.spec.LUCI_UV).toBe(join(tools, "bin", "uv"));
    expect(index.requests).toContain("/simple/uv/");
    const { stdout } = await run(first.spec.LUCI_UV!, ["--version"]);
    expect(stdout).toMatch(/^uv \d+\.\d+\.\d+/);

    // The same user again: the tools venv's uv is found, nothing is installed.
    const downloads = index.requests.length;
    const second = await install([], { PIP_INDEX_URL: index.url }, first);
    expect(second.spec.LUCI_UV).toBe(join(tools, "bin", "uv"));
    expect(second.stdout).not.toMatch(/installing it/);
    expect(index.requests.length).toBe(downloads);
  });

  it("when uv cannot be installed, says so and records environments made with venv and pip", async () => {
    const result = await install([]);
    expect(result.stdout).toMatch(/could not install uv \(.*\); environments will be made with venv and pip, which is slower/);
    expect(result.stdout).toContain("made with venv and pip");
    expect(result.spec.LUCI_UV).toBeUndefined();
  });

  it("--no-uv neither looks for uv nor installs it", async () => {
    const bin = folderWithUv();
    const result = await install(["--no-uv"], { PATH: `${bin}:${BARE_PATH}`, PIP_INDEX_URL: index.url });
    expect(result.spec.LUCI_UV).toBeUndefined();
    expect(result.stdout).toContain("made with venv and pip");
    expect(existsSync(join(result.data, "luci", "tools"))).toBe(false);
  });
});

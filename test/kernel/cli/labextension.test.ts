// `luci install` puts the prebuilt JupyterLab extension (labextension/, built by `npm run build`)
// where JupyterLab loads prebuilt extensions, and `luci uninstall` takes it away: checked with
// JupyterLab's own `jupyter labextension list` from .venv, which reads the same folders.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtLabextension, installLabextension, LABEXTENSION_NAME, uninstallLabextension } from "../../../kernel/cli/labextension.js";
import { LUCI_BIN, ROOT } from "../../support/kernel-process.js";

const luci = (args: string[]) =>
  execFileSync(process.execPath, [LUCI_BIN, ...args], { encoding: "utf8", env: { ...process.env, LUCI_ENV_DIR: join(tmpdir(), "luci-envs-labext-test") } });

/**
 * The extensions `jupyter labextension list` (JupyterLab in .venv) finds in `prefix`: the lines
 * under that folder's heading ("    name v0.1.0 enabled OK"). It lists .venv's own folder too.
 */
function labextensionList(prefix: string): string[] {
  const temp = mkdtempSync(join(tmpdir(), "luci-jupyter-"));
  const run = spawnSync(join(ROOT, ".venv", "bin", "jupyter"), ["labextension", "list"], {
    encoding: "utf8",
    env: {
      ...process.env,
      JUPYTER_PATH: join(prefix, "share", "jupyter"),
      JUPYTER_DATA_DIR: join(temp, "data"),
      JUPYTER_CONFIG_DIR: join(temp, "config"),
      JUPYTER_PLATFORM_DIRS: "1",
    },
  });
  if (run.error) throw run.error;
  // The list goes to stderr, among other noise (.venv's jupyter_builder fails to read a yarn configuration here).
  const lines = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  expect(lines.some((line) => /^JupyterLab v\d/.test(line))).toBe(true);
  const heading = lines.indexOf(join(prefix, "share", "jupyter", "labextensions"));
  if (heading < 0) return [];
  const found: string[] = [];
  for (const line of lines.slice(heading + 1)) {
    if (!/^\s+\S+ v\d+\.\d+\.\d+ /.test(line)) break;
    found.push(line.trim());
  }
  return found;
}

describe("the JupyterLab extension", () => {
  it("is the package labextension/ builds, with the bundle its package.json names", () => {
    const built = builtLabextension();
    const meta = JSON.parse(readFileSync(join(built, "package.json"), "utf8")) as { name: string; jupyterlab: { _build: { load: string } } };
    expect(meta.name).toBe(LABEXTENSION_NAME);
    expect((JSON.parse(readFileSync(join(ROOT, "labextension", "package.json"), "utf8")) as { name: string }).name).toBe(LABEXTENSION_NAME);
    expect(existsSync(join(built, meta.jupyterlab._build.load))).toBe(true);
  });

  it("luci install --prefix copies it into labextensions/, JupyterLab lists it enabled, luci uninstall removes it", () => {
    const prefix = mkdtempSync(join(tmpdir(), "luci-prefix-"));
    const target = join(prefix, "share", "jupyter", "labextensions", LABEXTENSION_NAME);
    const out = luci(["install", "--prefix", prefix, "--python", "/usr/bin/python3", "--no-uv"]);
    expect(out).toContain(`JupyterLab extension: ${target}`);
    expect(readFileSync(join(target, "package.json"), "utf8")).toBe(readFileSync(join(builtLabextension(), "package.json"), "utf8"));
    expect(labextensionList(prefix)).toEqual([expect.stringMatching(new RegExp(`^${LABEXTENSION_NAME} v0\\.1\\.0 enabled\\s+OK`))]);

    const removed = luci(["uninstall", "--prefix", prefix]);
    expect(removed).toContain(target);
    expect(existsSync(target)).toBe(false);
    expect(labextensionList(prefix)).toEqual([]);
  }, 60_000);

  it("replaces an older copy, and says when there is no build to install", () => {
    const data = mkdtempSync(join(tmpdir(), "luci-data-"));
    const stale = join(data, "labextensions", LABEXTENSION_NAME, "static");
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, "remoteEntry.old.js"), "old");
    expect(installLabextension(data)).toBe(join(data, "labextensions", LABEXTENSION_NAME));
    expect(existsSync(join(stale, "remoteEntry.old.js"))).toBe(false);

    expect(installLabextension(data, join(data, "not-built"))).toBeUndefined();
    expect(uninstallLabextension(data)).toBe(join(data, "labextensions", LABEXTENSION_NAME));
    expect(uninstallLabextension(data)).toBeUndefined();
  });
});

// findUv (kernel/environments/settings.ts), the one place every kernel and `luci install` look
// for uv, in process over real folders: LUCI_UV (off: none), then PATH, then beside the Python
// environments are made from, then Luci's tools venv; a caller's LUCI_UV over the kernelspec's.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { environmentSettings, findUv, toolsUv, uvTurnedOff } from "../../../kernel/environments/settings.js";

/** A folder with an executable file named uv in it. */
function binWithUv(): string {
  const dir = mkdtempSync(join(tmpdir(), "luci-find-uv-"));
  writeFileSync(join(dir, "uv"), "#!/bin/sh\n", { mode: 0o755 });
  return dir;
}

/** An environment whose user data folder has uv in Luci's tools venv, and a PATH with none. */
function withToolsUv(): NodeJS.ProcessEnv {
  const data = mkdtempSync(join(tmpdir(), "luci-find-uv-data-"));
  const env = { XDG_DATA_HOME: data, PATH: mkdtempSync(join(tmpdir(), "luci-find-uv-empty-")) };
  mkdirSync(join(data, "luci", "tools", "bin"), { recursive: true });
  writeFileSync(toolsUv(env), "#!/bin/sh\n", { mode: 0o755 });
  return env;
}

describe("findUv", () => {
  it("looks on PATH, then beside the Python, then in Luci's tools venv", () => {
    const env = withToolsUv();
    expect(findUv(env)).toBe(join(env.XDG_DATA_HOME!, "luci", "tools", "bin", "uv"));
    const venvBin = binWithUv();
    expect(findUv({ ...env, LUCI_PYTHON: join(venvBin, "python") })).toBe(join(venvBin, "uv"));
    const onPath = binWithUv();
    expect(findUv({ ...env, LUCI_PYTHON: join(venvBin, "python"), PATH: onPath })).toBe(join(onPath, "uv"));
    // A Python named as a command has no folder to look in: uv beside it would be on PATH.
    expect(findUv({ ...env, LUCI_PYTHON: "python3" })).toBe(toolsUv(env));
  });

  it("finds none where there is none: environments are made with venv and pip", () => {
    const empty = mkdtempSync(join(tmpdir(), "luci-find-uv-none-"));
    const env = { XDG_DATA_HOME: empty, PATH: empty, LUCI_PYTHON: join(empty, "python") };
    expect(findUv(env)).toBeUndefined();
    expect(environmentSettings(env).uv).toBeUndefined();
  });

  it("takes LUCI_UV as given, the caller's over the kernelspec's default; off means none", () => {
    const env = withToolsUv();
    expect(findUv({ ...env, LUCI_UV: "/opt/uv/bin/uv" })).toBe("/opt/uv/bin/uv");
    const spec = { LUCI_KERNELSPEC_DEFAULTS: JSON.stringify({ LUCI_UV: "/from/kernelspec/uv" }) };
    expect(findUv({ ...env, ...spec })).toBe("/from/kernelspec/uv");
    expect(findUv({ ...env, ...spec, LUCI_UV: "/from/caller/uv" })).toBe("/from/caller/uv");
    for (const off of ["off", "OFF"]) {
      expect(findUv({ ...env, LUCI_UV: off })).toBeUndefined();
      expect(uvTurnedOff({ ...env, LUCI_UV: off })).toBe(true);
    }
    expect(uvTurnedOff(env)).toBe(false);
    expect(environmentSettings({ ...env, LUCI_UV: "off" }).uv).toBeUndefined();
    expect(environmentSettings(env).uv).toBe(toolsUv(env));
  });
});

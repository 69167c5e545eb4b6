// `luci install` / `luci uninstall` write and remove the kernelspec where Jupyter looks.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LUCI_BIN } from "../../support/kernel-process.js";

interface KernelJson {
  display_name: string;
  argv: string[];
  env: Record<string, string>;
}

const luci = (args: string[], env: Record<string, string> = {}) =>
  execFileSync(process.execPath, [LUCI_BIN, ...args], { encoding: "utf8", env: { ...process.env, ...env } });

describe("kernelspec", () => {
  it("install --prefix writes kernel.json and the logos under share/jupyter/kernels/luci", () => {
    const prefix = mkdtempSync(join(tmpdir(), "luci-prefix-"));
    const out = luci(["install", "--prefix", prefix, "--python", "/usr/bin/python3", "--no-uv"], { LUCI_ENV_DIR: "/tmp/luci-envs-test" });
    const dir = join(prefix, "share", "jupyter", "kernels", "luci");
    expect(out).toContain(join(prefix, "share", "jupyter", "kernels"));
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as KernelJson;
    expect(spec).toMatchObject({ display_name: "Luci", language: "python", interrupt_mode: "message" });
    // Settings found at install time are defaults, so a LUCI_* the caller sets wins over them.
    expect(spec.env).toEqual({
      LUCI_KERNELSPEC_DEFAULTS: JSON.stringify({ LUCI_PYTHON: "/usr/bin/python3", LUCI_ENV_DIR: "/tmp/luci-envs-test" }),
      NODE_EXTRA_CA_CERTS: "",
      LUCI_NODE_EXTRA_CA_CERTS: "${NODE_EXTRA_CA_CERTS}",
    });
    expect(spec.argv).toEqual([process.execPath, LUCI_BIN, "kernel", "-f", "{connection_file}"]);
    for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]) expect(existsSync(join(dir, logo))).toBe(true);
    expect(readFileSync(join(dir, "logo-64x64.png")).subarray(1, 4).toString()).toBe("PNG");
    // The second kernelspec: the same kernel, with each notebook's code in its own container.
    const container = JSON.parse(readFileSync(join(prefix, "share", "jupyter", "kernels", "luci-container", "kernel.json"), "utf8")) as KernelJson;
    expect(container.display_name).toBe("Luci (container)");
    expect(container.argv).toEqual(spec.argv);
    expect(container.env).toEqual({ ...spec.env, LUCI_EXECUTOR: "container" });
    // The luci command, linked into the prefix's bin folder, runs.
    expect(execFileSync(join(prefix, "bin", "luci"), ["--help"], { encoding: "utf8" })).toContain("Usage: luci <command>");
    luci(["uninstall", "--prefix", prefix]);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(prefix, "bin", "luci"))).toBe(false);
    expect(existsSync(join(prefix, "share", "jupyter", "kernels", "luci-container"))).toBe(false);
  });

  it("install --user honours JUPYTER_DATA_DIR, and --sys-prefix the active venv", () => {
    const data = mkdtempSync(join(tmpdir(), "luci-data-"));
    // A HOME of the test's own, whose ~/.local/bin is on PATH: the luci command is linked there.
    const home = mkdtempSync(join(tmpdir(), "luci-home-"));
    const bin = join(home, ".local", "bin");
    luci(["install", "--user", "--no-uv"], { JUPYTER_DATA_DIR: data, HOME: home, PATH: `${bin}:${process.env.PATH}` });
    expect(existsSync(join(data, "kernels", "luci", "kernel.json"))).toBe(true);
    expect(existsSync(join(bin, "luci"))).toBe(true);
    const venv = mkdtempSync(join(tmpdir(), "luci-venv-"));
    luci(["install", "--sys-prefix", "--no-uv"], { VIRTUAL_ENV: venv });
    expect(existsSync(join(venv, "share", "jupyter", "kernels", "luci", "kernel.json"))).toBe(true);
  });

  it("refuses unknown options", () => {
    expect(() => luci(["install", "--bogus"])).toThrow(/unknown option/);
  });
});

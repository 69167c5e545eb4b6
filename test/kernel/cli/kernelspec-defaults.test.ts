// Settings from the caller: the kernelspec `luci install` writes holds what it found as defaults
// (LUCI_KERNELSPEC_DEFAULTS), and a LUCI_* variable set where Jupyter runs wins over them, though
// jupyter_client lets a kernelspec's env override the caller's environment. The rule in process
// (common/settings.ts), then through the real `jupyter nbconvert --execute` with a kernelspec
// installed by the real `luci install`: the caller's LUCI_ENV_DIR is where the notebook's
// environment is made; without it, the kernelspec's.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readSetting, setting } from "../../../kernel/common/settings.js";
import { LUCI_BIN, ROOT } from "../../support/kernel-process.js";
import { UV, writeNotebook } from "../environments/environment-kernel.js";

const JUPYTER = join(ROOT, ".venv", "bin", "jupyter");
const DEFAULTS = (values: Record<string, unknown>) => ({ LUCI_KERNELSPEC_DEFAULTS: JSON.stringify(values) });

function stderrLines(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe("a kernelspec's defaults", () => {
  it("are used when the caller leaves a setting unset or empty, and the caller's value wins", () => {
    const spec = DEFAULTS({ LUCI_ENV_DIR: "/from/kernelspec", LUCI_SELF_REPAIR: "5" });
    expect(setting(spec, "LUCI_ENV_DIR")).toBe("/from/kernelspec");
    expect(setting({ ...spec, LUCI_ENV_DIR: "" }, "LUCI_ENV_DIR")).toBe("/from/kernelspec");
    expect(setting({ ...spec, LUCI_ENV_DIR: "/from/caller" }, "LUCI_ENV_DIR")).toBe("/from/caller");
    expect(setting(spec, "LUCI_SELF_REPAIR")).toBe(5);
    expect(setting({ ...spec, LUCI_SELF_REPAIR: "0" }, "LUCI_SELF_REPAIR")).toBe(0);
    // What neither gives is the declaration's own default.
    expect(setting(spec, "LUCI_PYTHON")).toBe("python3");
    expect(readSetting(spec, "LUCI_PYTHON")).toEqual({ ok: true, value: "python3" });
  });

  it("are read by each setting's own rule, and a refusal says the value came from the kernelspec", () => {
    const spec = DEFAULTS({ LUCI_GENERATION: "sometimes" });
    expect(() => setting(spec, "LUCI_GENERATION")).toThrow(
      /^LUCI_GENERATION \(the kernelspec's default, in LUCI_KERNELSPEC_DEFAULTS\) must be "online" \(the default\) or "offline", not "sometimes"$/,
    );
    expect(setting({ ...spec, LUCI_GENERATION: "offline" }, "LUCI_GENERATION")).toBe("offline");
  });

  it("never hold a secret nor an unknown name (warned about and ignored), and text that is not a JSON object is warned about and ignored", () => {
    const lines = stderrLines();
    const spec = DEFAULTS({ LUCI_LLM_API_KEY: "sk-in-a-world-readable-file", LUCI_NO_SUCH: "x", LUCI_ENV_DIR: "/kept" });
    expect(setting(spec, "LUCI_LLM_API_KEY")).toBeUndefined();
    expect(setting(spec, "LUCI_ENV_DIR")).toBe("/kept");
    expect(lines.join("")).toMatch(/LUCI_KERNELSPEC_DEFAULTS gives LUCI_LLM_API_KEY or LUCI_NO_SUCH, which are not a setting a kernelspec may default/);
    expect(lines.join("")).not.toContain("sk-in-a-world-readable-file");

    for (const bad of ["not json", '["LUCI_ENV_DIR"]', "null"]) {
      lines.length = 0;
      expect(setting({ LUCI_KERNELSPEC_DEFAULTS: bad }, "LUCI_ENV_DIR")).toBeUndefined();
      expect(lines.join("")).toMatch(/LUCI_KERNELSPEC_DEFAULTS must be a JSON object such as .*; using the default \(none\)/);
    }
  });
});

interface Run {
  /** The notebook's environment folder, as its Python reports it (sys.prefix). */
  prefix: string;
}

/** `jupyter nbconvert --execute` of a one-cell notebook, with the given kernelspec prefix and the caller's LUCI_* variables. */
function nbconvert(specPrefix: string, callerEnv: Record<string, string>): Run {
  const notebooks = mkdtempSync(join(tmpdir(), "luci-defaults-nb-"));
  writeNotebook(notebooks, "where.ipynb", ["import sys\nprint(sys.prefix)"]);
  const jupyterDirs = mkdtempSync(join(tmpdir(), "luci-defaults-jupyter-"));
  const state = mkdtempSync(join(tmpdir(), "luci-defaults-state-"));
  execFileSync(JUPYTER, ["nbconvert", "--to", "notebook", "--execute", "where.ipynb", "--output", "where-run.ipynb"], {
    cwd: notebooks,
    env: {
      ...withoutLuciVariables(),
      JUPYTER_PATH: join(specPrefix, "share", "jupyter"),
      JUPYTER_DATA_DIR: join(jupyterDirs, "data"),
      JUPYTER_RUNTIME_DIR: join(jupyterDirs, "runtime"),
      JUPYTER_CONFIG_DIR: join(jupyterDirs, "config"),
      // Only the environment is under test: the rest of Luci's per-user state is the test's.
      LUCI_STATE_DIR: join(state, "state"),
      LUCI_TRUST_DIR: join(state, "trust"),
      ...callerEnv,
    },
    stdio: "pipe",
    timeout: 240_000,
  });
  const executed = JSON.parse(readFileSync(join(notebooks, "where-run.ipynb"), "utf8")) as {
    cells: { outputs: { output_type: string; text?: string | string[] }[] }[];
  };
  const stream = executed.cells[0]!.outputs.find((o) => o.output_type === "stream");
  return { prefix: [stream?.text ?? ""].flat().join("").trim() };
}

function withoutLuciVariables(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => !entry[0].startsWith("LUCI_") && entry[1] !== undefined));
}

describe("through jupyter_client (nbconvert --execute)", () => {
  it("the caller's LUCI_ENV_DIR is where the notebook's environment is made; without it, the kernelspec's", () => {
    if (!existsSync(JUPYTER)) throw new Error(`nbconvert is needed at ${JUPYTER} (bash .ci/run installs it)`);
    if (!existsSync(UV)) throw new Error(`uv is needed at ${UV} (bash .ci/run installs it into .venv)`);
    const base = mkdtempSync(join(tmpdir(), "luci-defaults-"));
    const installed = join(base, "installed-envs");
    const callers = join(base, "callers-envs");
    const specPrefix = join(base, "prefix");
    execFileSync(process.execPath, [LUCI_BIN, "install", "--prefix", specPrefix, "--python", "python3"], {
      env: { ...withoutLuciVariables(), LUCI_UV: UV, LUCI_ENV_DIR: installed },
    });
    const spec = JSON.parse(readFileSync(join(specPrefix, "share", "jupyter", "kernels", "luci", "kernel.json"), "utf8")) as { env: Record<string, string> };
    expect(spec.env.LUCI_ENV_DIR).toBeUndefined();
    expect(JSON.parse(spec.env.LUCI_KERNELSPEC_DEFAULTS!)).toMatchObject({ LUCI_ENV_DIR: installed, LUCI_UV: UV });

    const venv = { LUCI_EXECUTOR: "venv" };
    const callersRun = nbconvert(specPrefix, { ...venv, LUCI_ENV_DIR: callers });
    expect(callersRun.prefix.startsWith(join(callers, "luci_where_"))).toBe(true);
    expect(existsSync(installed)).toBe(false);

    const defaultRun = nbconvert(specPrefix, venv);
    expect(defaultRun.prefix.startsWith(join(installed, "luci_where_"))).toBe(true);
    expect(readdirSync(callers).filter((name) => name.startsWith("luci_where_"))).toHaveLength(1);
  });
});

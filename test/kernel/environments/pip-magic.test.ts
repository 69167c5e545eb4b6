// %pip (kernel/environments/pip-magic.ts): splitting the magic's argument line, picking the
// requirement strings out of pip's arguments, refusing what it does not run, and (with uv and a
// package index of the test's own) install / list / uninstall on a real environment.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutputSink } from "../../../kernel/common/output-sink.js";
import { NotebookEnvironment } from "../../../kernel/environments/notebook-environment.js";
import { notebookIdentity } from "../../../kernel/environments/notebook-identity.js";
import { requirementArgs, runPipMagic, splitArgs } from "../../../kernel/environments/pip-magic.js";
import { ROOT } from "../../support/kernel-process.js";
import { startPackageIndex, type PackageIndex } from "../../support/package-index.js";

const UV = process.env.LUCI_UV || join(ROOT, ".venv", "bin", "uv");

describe("splitArgs", () => {
  it("splits on whitespace, keeping requirement syntax whole", () => {
    expect(splitArgs("install numpy pandas>=2.0 scikit-learn[alldeps]==1.4")).toEqual(["install", "numpy", "pandas>=2.0", "scikit-learn[alldeps]==1.4"]);
    expect(splitArgs("  install\tnumpy   \n pandas  ")).toEqual(["install", "numpy", "pandas"]);
    expect(splitArgs("")).toEqual([]);
    expect(splitArgs("   ")).toEqual([]);
  });

  it("keeps single- and double-quoted arguments as one, without their quotes", () => {
    expect(splitArgs(`install "pandas >= 2, < 3" 'numpy<2' x`)).toEqual(["install", "pandas >= 2, < 3", "numpy<2", "x"]);
    expect(splitArgs(`install "it's"`)).toEqual(["install", "it's"]);
    expect(splitArgs(`install 'say "hi"'`)).toEqual(["install", 'say "hi"']);
    expect(splitArgs(`install ""`)).toEqual(["install", ""]);
    expect(splitArgs(`install -r "my requirements.txt"`)).toEqual(["install", "-r", "my requirements.txt"]);
  });
});

describe("requirementArgs", () => {
  it("keeps the requirement strings and drops flags", () => {
    expect(requirementArgs(["numpy", "-U", "pandas>=2", "--upgrade", "--no-deps", "-q", "scikit-learn==1.4.2"])).toEqual([
      "numpy",
      "pandas>=2",
      "scikit-learn==1.4.2",
    ]);
    expect(requirementArgs([])).toEqual([]);
    expect(requirementArgs(["-y", "numpy"])).toEqual(["numpy"]);
  });

  it("skips the value of each option that takes one", () => {
    const withValues: [string, string][] = [
      ["-r", "requirements.txt"],
      ["--requirement", "reqs.txt"],
      ["-c", "constraints.txt"],
      ["--constraint", "c.txt"],
      ["-i", "https://example.org/simple"],
      ["--index-url", "https://example.org/simple"],
      ["--extra-index-url", "https://extra.example.org/simple"],
      ["-f", "./wheels"],
      ["--find-links", "https://example.org/links"],
      ["-e", "./local-project"],
      ["--editable", "git+https://example.org/x.git#egg=x"],
      ["-t", "./target"],
      ["--target", "target"],
      ["--python", "/usr/bin/python3"],
    ];
    for (const [option, value] of withValues) {
      expect(requirementArgs([option, value, "numpy"]), option).toEqual(["numpy"]);
      expect(requirementArgs(["numpy", option, value]), option).toEqual(["numpy"]);
    }
    expect(requirementArgs(withValues.flat())).toEqual([]);
  });

  it("an option written with = carries its value: the next argument is a requirement again", () => {
    expect(requirementArgs(["--index-url=https://example.org/simple", "numpy"])).toEqual(["numpy"]);
    expect(requirementArgs(["-rrequirements.txt", "pandas"])).toEqual(["pandas"]);
  });

  it("an option with a value at the very end is not an error", () => {
    expect(requirementArgs(["numpy", "-r"])).toEqual(["numpy"]);
  });

  it("works on what splitArgs gives", () => {
    const [command, ...rest] = splitArgs(`install -i http://127.0.0.1/simple "pandas>=2, <3" -r 'my reqs.txt' numpy`);
    expect(command).toBe("install");
    expect(requirementArgs(rest)).toEqual(["pandas>=2, <3", "numpy"]);
  });
});

class CollectingSink implements OutputSink {
  readonly out: string[] = [];
  readonly displays: string[] = [];
  stream(_name: "stdout" | "stderr", text: string): void {
    this.out.push(text);
  }
  display(data: Record<string, unknown>): void {
    this.displays.push(String(data["text/plain"]));
  }
  updateDisplay(data: Record<string, unknown>): void {
    this.displays.push(String(data["text/plain"]));
  }
  clearOutput(): void {}
  result(): void {}
  error(): void {}
  input(): Promise<string> {
    return Promise.reject(new Error("no input"));
  }
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "luci-pip-"));
}

describe("runPipMagic", () => {
  it("refuses an empty line, an install with nothing to install, an uninstall without a name, and other commands, touching nothing", async () => {
    const base = tempDir();
    const env = new NotebookEnvironment({ dir: join(base, "envs"), basePython: "python3", uv: UV }, notebookIdentity(join(base, "nb.ipynb")));
    const sink = new CollectingSink();
    await expect(runPipMagic(env, "", sink)).rejects.toThrow(/usage: %pip install\|uninstall\|list\|freeze\|show/);
    await expect(runPipMagic(env, "install", sink)).rejects.toThrow(/needs a package name or -r FILE/);
    await expect(runPipMagic(env, "uninstall -y", sink)).rejects.toThrow(/needs a package name/);
    await expect(runPipMagic(env, "download numpy", sink)).rejects.toThrow(/%pip download is not supported here/);
    await expect(runPipMagic(env, "config list", sink)).rejects.toThrow(/install, uninstall, list, freeze and show/);
    expect(existsSync(join(base, "envs"))).toBe(false); // no environment was made for a refusal
    expect(sink.out).toEqual([]);
  });

  describe("on a real environment (uv, local index)", () => {
    let index: PackageIndex;
    beforeAll(async () => {
      if (!existsSync(UV)) throw new Error(`uv is needed at ${UV} (bash .ci/run installs it into .venv)`);
      index = await startPackageIndex([
        { name: "luci-pm-demo", version: "1.0.0" },
        { name: "luci-pm-demo", version: "1.1.0" },
      ]);
    });
    afterAll(async () => {
      await index?.close();
    });

    it("install records the request and the version, list shows it, uninstall forgets it; installer errors carry their output", async () => {
      const base = tempDir();
      const env = new NotebookEnvironment(
        { dir: join(base, "envs"), basePython: "python3", uv: UV, indexUrl: index.url },
        notebookIdentity(join(base, "nb.ipynb")),
      );
      const sink = new CollectingSink();
      await runPipMagic(env, `install "luci-pm-demo==1.0.0"`, sink);
      expect(env.isHealthy()).toBe(true);
      expect(env.record?.requested).toEqual(["luci-pm-demo==1.0.0"]);
      expect(env.record?.packages["luci-pm-demo"]).toBe("1.0.0");
      expect(sink.displays.join("\n")).toMatch(/Installing luci-pm-demo==1\.0\.0… done in [\d.]+ s/);

      // a second install of the same name replaces the request, it does not add one
      await runPipMagic(env, "install -U luci-pm-demo", sink);
      expect(env.record?.requested).toEqual(["luci-pm-demo"]);
      expect(env.record?.packages["luci-pm-demo"]).toBe("1.1.0");

      const listed = new CollectingSink();
      await runPipMagic(env, "list", listed);
      expect(listed.out.join("")).toMatch(/luci-pm-demo\s+1\.1\.0/);
      const frozen = new CollectingSink();
      await runPipMagic(env, "freeze", frozen);
      expect(frozen.out.join("")).toContain("luci-pm-demo==1.1.0");

      const failed = await runPipMagic(env, "install luci-pm-not-on-the-index", new CollectingSink()).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(failed).toBeInstanceOf(Error);
      expect(failed!.message).toMatch(/failed \(exit code \d+\)/);
      expect(failed!.message).toContain("luci-pm-not-on-the-index"); // the installer's own words follow
      expect(env.isHealthy()).toBe(true); // a failed install leaves the environment usable
      expect(env.record?.requested).toEqual(["luci-pm-demo"]);

      await runPipMagic(env, "uninstall -y luci-pm-demo", sink);
      expect(env.record?.requested).toEqual([]);
      expect(env.record?.packages["luci-pm-demo"]).toBeUndefined();
      expect(env.record?.state).toBe("ready");
    });
  });
});

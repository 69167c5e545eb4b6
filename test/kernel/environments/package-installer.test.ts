// The import install cascade (kernel/environments/package-installer.ts) over a real
// NotebookEnvironment in a temporary LUCI_ENV_DIR, with registry records the test writes:
// the pinned version first (from what the notebook requested, else from what is installed), then
// the mapped distribution, then the plain name, then the extra index only when one is configured;
// generic names are refused. One test installs for real through uv and two local indexes.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotebookEnvironment } from "../../../kernel/environments/notebook-environment.js";
import { notebookIdentity } from "../../../kernel/environments/notebook-identity.js";
import { cascadeFor, describeFailures, installImports } from "../../../kernel/environments/package-installer.js";
import { Progress } from "../../../kernel/environments/progress.js";
import type { EnvironmentRecord } from "../../../kernel/environments/registry.js";
import type { EnvironmentSettings } from "../../../kernel/environments/settings.js";
import { ROOT } from "../../support/kernel-process.js";
import { startPackageIndex, type PackageIndex } from "../../support/package-index.js";

const UV = process.env.LUCI_UV || join(ROOT, ".venv", "bin", "uv");

function environment(settings: Partial<EnvironmentSettings> = {}): NotebookEnvironment {
  const base = mkdtempSync(join(tmpdir(), "luci-cascade-"));
  return new NotebookEnvironment({ dir: join(base, "envs"), basePython: "python3", ...settings }, notebookIdentity(join(base, "nb.ipynb")));
}

async function writeRecord(env: NotebookEnvironment, fields: Partial<EnvironmentRecord>): Promise<void> {
  await env.registry.update((all) => {
    all[env.identity.key] = {
      key: env.identity.key,
      name: env.identity.environmentName,
      notebook: env.identity.key,
      interpreter: "python3",
      python_version: "3.11.2",
      packages: {},
      requested: [],
      state: "ready",
      tool: "uv",
      created: "2026-01-01T00:00:00.000Z",
      last_used: "2026-01-01T00:00:00.000Z",
      ...fields,
    };
  });
}

const plain = (...specs: string[]) => specs.map((spec) => ({ spec, extraIndex: false }));
const extra = (spec: string) => ({ spec, extraIndex: true });

describe("cascadeFor", () => {
  it("without a record: the mapped distribution, then the plain name", () => {
    const env = environment();
    expect(env.record).toBeUndefined();
    expect(cascadeFor(env, "sklearn")).toEqual(plain("scikit-learn", "sklearn"));
    expect(cascadeFor(env, "PIL")).toEqual(plain("pillow", "pil"));
    expect(cascadeFor(env, "yaml")).toEqual(plain("pyyaml", "yaml"));
  });

  it("a plain name is tried once, normalised (PEP 503)", () => {
    const env = environment();
    expect(cascadeFor(env, "numpy")).toEqual(plain("numpy"));
    expect(cascadeFor(env, "Flask_Login")).toEqual(plain("flask-login"));
    expect(cascadeFor(env, "zope_interface_x.sub")).toEqual(plain("zope-interface-x"));
  });

  it("a dotted import uses the longest mapped prefix, and the plain top-level name", () => {
    const env = environment();
    expect(cascadeFor(env, "sklearn.linear_model")).toEqual(plain("scikit-learn", "sklearn"));
    expect(cascadeFor(env, "mpl_toolkits.basemap")).toEqual(plain("basemap", "mpl-toolkits"));
    expect(cascadeFor(env, "mpl_toolkits.mplot3d")).toEqual(plain("matplotlib", "mpl-toolkits"));
    expect(cascadeFor(env, "google.protobuf.json_format")).toEqual(plain("protobuf", "google"));
  });

  it("the extra index comes last, with the plain name, only when one is configured", () => {
    const without = environment({ indexUrl: "http://127.0.0.1:1/simple/" });
    expect(cascadeFor(without, "numpy")).toEqual(plain("numpy"));
    const withExtra = environment({ extraIndexUrl: "http://127.0.0.1:2/simple/" });
    expect(cascadeFor(withExtra, "numpy")).toEqual([...plain("numpy"), extra("numpy")]);
    expect(cascadeFor(withExtra, "sklearn")).toEqual([...plain("scikit-learn", "sklearn"), extra("sklearn")]);
  });

  it("a version the notebook requested comes first", async () => {
    const env = environment({ extraIndexUrl: "http://127.0.0.1:2/simple/" });
    await writeRecord(env, { requested: ["pandas", "scikit-learn==1.3.2", "numpy>=1.26,<2"] });
    expect(cascadeFor(env, "sklearn")).toEqual([...plain("scikit-learn==1.3.2", "scikit-learn", "sklearn"), extra("sklearn")]);
    expect(cascadeFor(env, "numpy")).toEqual([...plain("numpy>=1.26,<2", "numpy"), extra("numpy")]);
    // a request without a version is no pin
    expect(cascadeFor(env, "pandas")).toEqual([...plain("pandas"), extra("pandas")]);
  });

  it("requested names match after normalisation, and every version operator counts", async () => {
    const env = environment();
    await writeRecord(env, { requested: ["Scikit_Learn==1.3.2", "  Pillow~=10.0  ", "PyYAML!=6.0.0", "numpy<2"] });
    expect(cascadeFor(env, "sklearn")[0]).toEqual({ spec: "Scikit_Learn==1.3.2", extraIndex: false });
    expect(cascadeFor(env, "PIL")[0]).toEqual({ spec: "Pillow~=10.0", extraIndex: false });
    expect(cascadeFor(env, "yaml")[0]).toEqual({ spec: "PyYAML!=6.0.0", extraIndex: false });
    expect(cascadeFor(env, "numpy")).toEqual(plain("numpy<2", "numpy"));
  });

  it("without a requested version, the installed (recorded) version is the pin", async () => {
    const env = environment();
    await writeRecord(env, { packages: { "scikit-learn": "1.4.2", numpy: "1.26.4" } });
    expect(cascadeFor(env, "sklearn")).toEqual(plain("scikit-learn==1.4.2", "scikit-learn", "sklearn"));
    expect(cascadeFor(env, "numpy")).toEqual(plain("numpy==1.26.4", "numpy"));
    expect(cascadeFor(env, "pandas")).toEqual(plain("pandas"));
  });

  it("a requested version wins over the recorded one; the mapped name's record wins over the plain name's", async () => {
    const env = environment();
    await writeRecord(env, {
      requested: ["scikit-learn>=1.5"],
      packages: { "scikit-learn": "1.4.2", sklearn: "0.0.post12", pillow: "10.3.0", pil: "0.1" },
    });
    expect(cascadeFor(env, "sklearn")[0]).toEqual({ spec: "scikit-learn>=1.5", extraIndex: false });
    expect(cascadeFor(env, "PIL")[0]).toEqual({ spec: "pillow==10.3.0", extraIndex: false });
  });

  it("refuses generic project-module names, private names, namespaces and invalid names, with the reason", () => {
    const env = environment({ extraIndexUrl: "http://127.0.0.1:2/simple/" });
    for (const name of ["utils", "Utils", "helpers", "config", "src.models", "models.resnet", "data", "test"]) {
      const plan = cascadeFor(env, name);
      expect(typeof plan, name).toBe("string");
      expect(plan as string, name).toMatch(/generic project-module name/);
    }
    expect(cascadeFor(env, "_internal_thing")).toMatch(/private \(leading underscore\)/);
    expect(cascadeFor(env, "google.foo")).toMatch(/namespace shared by many distributions/);
    expect(cascadeFor(env, "google")).toMatch(/namespace/);
    expect(cascadeFor(env, "données")).toMatch(/not a valid module name/);
    expect(cascadeFor(env, "constructor")).toEqual([...plain("constructor"), extra("constructor")]); // not Object.prototype's
  });

  it("a refused name stays refused whatever the record holds", async () => {
    const env = environment();
    await writeRecord(env, { requested: ["utils==1.0"], packages: { utils: "1.0" } });
    expect(cascadeFor(env, "utils")).toMatch(/generic project-module name/);
  });
});

describe("installImports through uv and local indexes", () => {
  let main: PackageIndex;
  let second: PackageIndex;
  beforeAll(async () => {
    if (!existsSync(UV)) throw new Error(`uv is needed at ${UV} (bash .ci/run installs it into .venv)`);
    // Bio maps to biopython, which the main index lacks: the cascade falls back to the plain name.
    main = await startPackageIndex([{ name: "bio", version: "0.1.0", modules: { "Bio/__init__.py": "VALUE = 'bio from main'\n" } }]);
    second = await startPackageIndex([{ name: "luci-extra-only", version: "2.0.0" }]);
  });
  afterAll(async () => {
    await main?.close();
    await second?.close();
  });

  it("falls back down each name's cascade, uses the extra index last, refuses generic names, and records what it installed", async () => {
    const env = environment({ uv: UV, indexUrl: main.url, extraIndexUrl: second.url });
    const progress = new Progress(undefined);
    await env.ensure(progress);
    const result = await installImports(env, ["Bio", "luci_extra_only", "utils", "luci_nowhere"], progress);

    expect(result.installed).toEqual([
      { importName: "Bio", spec: "bio", version: "0.1.0" },
      { importName: "luci_extra_only", spec: "luci-extra-only", version: "2.0.0" },
    ]);
    expect(result.failed.map((f) => [f.importName, f.tried])).toEqual([
      ["utils", []],
      ["luci_nowhere", ["luci-nowhere", "luci-nowhere from the extra index"]],
    ]);
    expect(result.failed[1]!.reason).toContain("luci-nowhere");
    expect(progress.lines.join("\n")).toMatch(/Installing biopython… failed/);
    expect(progress.lines.join("\n")).toMatch(/Installing luci-extra-only from the extra index… done/);
    expect(env.record?.requested).toEqual(["bio", "luci-extra-only"]);
    expect(env.record?.packages).toMatchObject({ bio: "0.1.0", "luci-extra-only": "2.0.0" });
    expect(env.isHealthy()).toBe(true);
    expect(describeFailures(result.failed)).toMatch(
      /^utils: not installed, because .*generic.*\nluci_nowhere: could not be installed \(tried luci-nowhere, then luci-nowhere from the extra index\): /s,
    );

    // the next time, the recorded version is the first choice
    expect(cascadeFor(env, "Bio")[0]).toEqual({ spec: "bio==0.1.0", extraIndex: false });
  });
});

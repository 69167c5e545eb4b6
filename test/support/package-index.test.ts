// Tests of the fixture itself: the wheels are valid, the index speaks PEP 503, and real pip
// and uv install from it into real virtual environments.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addPackage, startPackageIndex, type PackageIndex } from "./package-index.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..", "..");
const MAKE_WHEEL = join(ROOT, "test", "support", "make_wheel.py");

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** uv from LUCI_UV, else PATH, else the repository's .venv (where CI installs it). */
function findUv(): string | undefined {
  const candidates = [
    process.env.LUCI_UV,
    ...(process.env.PATH ?? "")
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, "uv")),
    join(ROOT, ".venv", "bin", "uv"),
  ];
  return candidates.find((path): path is string => path !== undefined && path !== "" && executable(path));
}

const UV = findUv();
// In CI every installer must be there (.ci/run installs uv): a missing one fails, never skips.
if (process.env.CI && UV === undefined) throw new Error("uv not found (LUCI_UV, PATH, .venv/bin/uv): bash .ci/run installs it");
const scratch: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** The environment for installers: only our index, no proxy for loopback, private caches. */
function installerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    // The machine's pip config adds a find-links directory; uv has its own index variables.
    if (/^(PIP_(FIND_LINKS|INDEX_URL|EXTRA_INDEX_URL|CONFIG_FILE)|UV_(INDEX|INDEX_URL|EXTRA_INDEX_URL|DEFAULT_INDEX|FIND_LINKS))$/.test(key)) {
      delete env[key];
    }
  }
  return {
    ...env,
    PIP_CONFIG_FILE: "/dev/null",
    PIP_CACHE_DIR: tempDir("luci-index-pip-cache-"),
    UV_CACHE_DIR: tempDir("luci-index-uv-cache-"),
    UV_PYTHON_DOWNLOADS: "never", // Use the machine's python3; fetching one is no part of a test.
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
  };
}

async function python(venv: string, code: string): Promise<string> {
  const { stdout } = await run(join(venv, "bin", "python"), ["-c", code]);
  return stdout.trim();
}

afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("make_wheel.py", () => {
  // The installers below do not check RECORD, so check it here: digests and sizes must match.
  const CHECK = `
import base64, hashlib, sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
names = set(wheel.namelist())
record = next(n for n in names if n.endswith(".dist-info/RECORD"))
listed = set()
for line in wheel.read(record).decode().splitlines():
    path, digest, size = line.rsplit(",", 2)
    listed.add(path)
    if path == record:
        assert digest == "" and size == "", line
        continue
    data = wheel.read(path)
    expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert digest == expected, (path, digest, expected)
    assert int(size) == len(data), (path, size, len(data))
assert listed == names, names ^ listed
print(wheel.read(record.replace("RECORD", "METADATA")).decode())
`;

  it("writes a wheel whose RECORD matches its files and whose METADATA has Requires-Dist", async () => {
    const out = tempDir("luci-index-wheel-");
    const { stdout } = await run("python3", [
      MAKE_WHEEL,
      out,
      "My.Pkg",
      "1.2",
      "--requires",
      "beta>=2",
      "--requires",
      "gamma",
      "--module",
      "my_pkg/__init__.py=from .sub import X",
      "--module",
      "my_pkg/sub.py=X = 42\n",
    ]);
    expect(stdout.trim()).toBe(join(out, "my_pkg-1.2-py3-none-any.whl"));
    const { stdout: metadata } = await run("python3", ["-c", CHECK, stdout.trim()]);
    expect(metadata).toContain("Name: My.Pkg\n");
    expect(metadata).toContain("Version: 1.2\n");
    expect(metadata).toContain("Requires-Dist: beta>=2\nRequires-Dist: gamma\n");
  });

  it("gives the same bytes for the same arguments, so index digests are stable", async () => {
    const [a, b] = [tempDir("luci-index-wheel-"), tempDir("luci-index-wheel-")];
    await run("python3", [MAKE_WHEEL, a, "same", "1.0"]);
    await run("python3", [MAKE_WHEEL, b, "same", "1.0"]);
    const digest = (dir: string) =>
      createHash("sha256")
        .update(readFileSync(join(dir, "same-1.0-py3-none-any.whl")))
        .digest("hex");
    expect(digest(a)).toBe(digest(b));
  });

  it("refuses module paths that leave the wheel", async () => {
    await expect(run("python3", [MAKE_WHEEL, tempDir("luci-index-wheel-"), "evil", "1.0", "--module", "../x.py=1"])).rejects.toThrow(/inside the wheel/);
  });
});

describe("the package index over HTTP", () => {
  let index: PackageIndex;
  beforeAll(async () => {
    index = await startPackageIndex([
      { name: "Alpha_Pkg", version: "1.0" },
      { name: "beta", version: "2.0" },
    ]);
  });
  afterAll(async () => index.close());

  it("serves on loopback under /simple/ and lists every project by normalised name", async () => {
    expect(index.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/simple\/$/);
    const body = await (await fetch(index.url)).text();
    expect(body).toContain('<a href="/simple/alpha-pkg/">alpha-pkg</a>');
    expect(body).toContain('<a href="/simple/beta/">beta</a>');
  });

  it("links each wheel with the sha256 of the bytes it serves, whatever spelling is asked", async () => {
    const response = await fetch(new URL("Alpha.PKG/", index.url));
    expect(response.status).toBe(200);
    const href = /href="([^"]+)"/.exec(await response.text())?.[1];
    expect(href).toMatch(/^\/files\/alpha_pkg-1\.0-py3-none-any\.whl#sha256=[0-9a-f]{64}$/);
    const [path, digest] = (href as string).split("#sha256=");
    const wheel = Buffer.from(await (await fetch(new URL(path as string, index.url))).arrayBuffer());
    expect(createHash("sha256").update(wheel).digest("hex")).toBe(digest);
  });

  it("answers 404 for unknown projects and files, and records every request", async () => {
    expect((await fetch(new URL("no-such-project/", index.url))).status).toBe(404);
    expect((await fetch(new URL("/files/nope-1.0-py3-none-any.whl", index.url))).status).toBe(404);
    expect(index.requests).toContain("/simple/no-such-project/");
    expect(index.requests).toContain("/files/nope-1.0-py3-none-any.whl");
  });

  it("lists wheels added after start", async () => {
    await addPackage(index, { name: "beta", version: "3.0" });
    const body = await (await fetch(new URL("beta/", index.url))).text();
    expect(body).toContain("beta-2.0-py3-none-any.whl");
    expect(body).toContain("beta-3.0-py3-none-any.whl");
  });

  it("removes its directory on close", async () => {
    const extra = await startPackageIndex([{ name: "gone", version: "1.0" }]);
    expect(readdirSync(extra.dir)).toEqual(["gone-1.0-py3-none-any.whl"]);
    await extra.close();
    expect(() => readdirSync(extra.dir)).toThrow(/ENOENT/);
  });
});

// One suite per installer: both are what the environment manager may use.
const installers: {
  name: string;
  available: boolean;
  venv(dir: string): Promise<void>;
  install(venv: string, index: PackageIndex, args: string[]): Promise<unknown>;
}[] = [
  {
    name: "uv",
    available: UV !== undefined,
    venv: async (dir) => {
      await run("python3", ["-m", "venv", "--without-pip", dir]);
    },
    install: (venv, index, args) =>
      run(UV as string, ["pip", "install", "--python", join(venv, "bin", "python"), "--index-url", index.url, ...args], { env: installerEnv() }),
  },
  {
    name: "pip",
    available: true,
    venv: async (dir) => {
      await run("python3", ["-m", "venv", dir]);
    },
    install: (venv, index, args) =>
      run(join(venv, "bin", "python"), ["-m", "pip", "install", "--disable-pip-version-check", "--index-url", index.url, ...args], { env: installerEnv() }),
  },
];

describe.skipIf(UV === undefined)("uv's own venv and --default-index", () => {
  it("installs from the index into an environment made by uv venv", async () => {
    const index = await startPackageIndex([{ name: "gamma", version: "0.3" }]);
    try {
      const venv = join(tempDir("luci-index-venv-"), "venv");
      const env = installerEnv();
      await run(UV as string, ["venv", "--python", "python3", venv], { env });
      await run(UV as string, ["pip", "install", "--python", join(venv, "bin", "python"), "--default-index", index.url, "gamma"], { env });
      expect(await python(venv, "import gamma; print(gamma.VALUE)")).toBe("gamma 0.3");
      expect(index.requests).toContain("/simple/gamma/");
    } finally {
      await index.close();
    }
  });
});

for (const installer of installers) {
  describe.skipIf(!installer.available)(`installing from the index with ${installer.name}`, () => {
    let index: PackageIndex;
    let venv: string;
    beforeAll(async () => {
      venv = join(tempDir("luci-index-venv-"), "venv");
      [index] = await Promise.all([
        startPackageIndex([
          { name: "alpha-pkg", version: "1.0", requires: ["beta>=2"] },
          { name: "beta", version: "2.0", modules: { "beta/__init__.py": "from beta.core import VALUE\n", "beta/core.py": "VALUE = 'beta two'\n" } },
          { name: "broken", version: "0.1", failImport: true },
        ]),
        installer.venv(venv),
      ]);
    });
    afterAll(async () => index?.close());

    it("installs a package with its dependency, and both import", async () => {
      await installer.install(venv, index, ["alpha-pkg"]);
      expect(await python(venv, "import alpha_pkg, beta; print(alpha_pkg.VALUE, '|', beta.VALUE)")).toBe("alpha-pkg 1.0 | beta two");
      expect(index.requests).toContain("/simple/alpha-pkg/");
      expect(index.requests).toContain("/simple/beta/");
      expect(index.requests).toContain("/files/alpha_pkg-1.0-py3-none-any.whl");
    });

    it("fails, naming it, for a project the index does not have", async () => {
      await expect(installer.install(venv, index, ["no-such-project"])).rejects.toThrow(/no-such-project/);
      expect(index.requests).toContain("/simple/no-such-project/");
    });

    it("installs a package that then fails on import", async () => {
      await installer.install(venv, index, ["broken"]);
      await expect(python(venv, "import broken")).rejects.toThrow(/ImportError: broken 0.1 is broken on purpose/);
      expect(await python(venv, "import importlib.metadata as m; print(m.version('broken'))")).toBe("0.1");
    });

    it("sees a version added after the first install", async () => {
      await addPackage(index, { name: "beta", version: "3.0" });
      await installer.install(venv, index, ["--upgrade", "beta"]);
      expect(await python(venv, "import beta; print(beta.VALUE)")).toBe("beta 3.0");
    });
  });
}

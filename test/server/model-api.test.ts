// Issue 13 through `luci serve` in its own process: the start-up line says which model task cells
// will use, and /api/luci/model (the page's model menu) sets the user's default: token required,
// the key saved 0600 in the user's config folder and never in any answer nor in what the command
// prints.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { rememberModel } from "../../kernel/pipeline/model/notebook-models.js";
import { startFakeModelServer } from "../support/fake-model-server.js";

const LUCI = resolve(import.meta.dirname, "..", "..", "dist", "kernel", "cli", "luci.js");
const TOKEN = "model-api-token";
const KEY = "sk-model-api-test-9f8e7d6c5b4a3210";
const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A folder for one test: HOME, the config folder, models, state. */
function place(): { base: string; config: string } {
  const base = mkdtempSync(join(tmpdir(), "luci-model-api-"));
  cleanup.push(() => rmSync(base, { recursive: true, force: true }));
  return { base, config: join(base, "config") };
}

function quietEnv(base: string, config: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("LUCI_LLM_") || name === "OPENAI_API_KEY" || name === "LUCI_LOCAL_MODEL") delete env[name];
  return {
    ...env,
    HOME: join(base, "home"),
    XDG_CONFIG_HOME: config,
    XDG_DATA_HOME: join(base, "data"),
    LUCI_MODELS_DIR: join(base, "models"),
    LUCI_EXECUTOR: "local",
    LUCI_STATE_DIR: join(base, "state"),
    LUCI_TRUST_DIR: join(base, "trust"),
    LUCI_ENV_DIR: join(base, "envs"),
    ...extra,
  };
}

/** Starts `luci serve`; resolves with its base URL once it printed the start-up line about task cells. */
async function serve(env: NodeJS.ProcessEnv, root: string): Promise<{ base: URL; output: () => string }> {
  const child: ChildProcess = spawn(process.execPath, [LUCI, "serve", "--root", root, "--port", "0", "--token", TOKEN], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanup.push(async () => {
    if (child.exitCode !== null) return;
    const gone = new Promise((ok) => child.once("exit", ok));
    child.kill("SIGTERM");
    await gone;
  });
  let output = "";
  const base = await new Promise<URL>((ok, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)\?token=/.exec(output)?.[1];
      if (url && /Task cells: .*\n/.test(output)) ok(new URL(url));
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => fail(new Error(`luci serve exited (${code}): ${output}`)));
  });
  return { base, output: () => output };
}

const auth = { Authorization: `token ${TOKEN}`, "Content-Type": "application/json" };

describe("luci serve's start-up line", () => {
  it("with nothing configured: Luci's own model, downloaded on first use", async () => {
    const { base, config } = place();
    const { output } = await serve(quietEnv(base, config), base);
    expect(output()).toMatch(/Task cells: Luci's own qwen2\.5-coder-1\.5b \(downloaded on first use, 1\.\d GB\)\n/);
  });

  it("with LUCI_LLM_BASE_URL: the model and endpoint, and where the key comes from, never the key", async () => {
    const { base, config } = place();
    const env = quietEnv(base, config, { LUCI_LLM_BASE_URL: "https://api.example.com/v1", LUCI_LLM_MODEL: "gpt-4o-mini", LUCI_LLM_API_KEY: KEY });
    const { output } = await serve(env, base);
    expect(output()).toContain("Task cells: gpt-4o-mini at https://api.example.com/v1 (LUCI_LLM_BASE_URL; key from LUCI_LLM_API_KEY)\n");
    expect(output()).not.toContain(KEY);
    expect(output()).not.toContain(KEY.slice(0, 12));
  });
});

describe("/api/luci/model", () => {
  it("needs the token, saves the default and its key (0600), never answers with the key, and the next start says so", async () => {
    const { base, config } = place();
    const fake = await startFakeModelServer({ apiKey: KEY });
    cleanup.push(() => fake.close());
    const env = quietEnv(base, config);
    const first = await serve(env, base);
    const api = new URL("api/luci/model", first.base);
    const choice = JSON.stringify({ model: "fake-coder", baseUrl: fake.baseUrl, apiKey: KEY });

    // No token: refused, and nothing written.
    expect((await fetch(api)).status).toBe(403);
    expect((await fetch(api, { method: "PUT", body: choice, headers: { "Content-Type": "application/json" } })).status).toBe(403);
    expect((await fetch(`${api.href}?token=wrong`, { method: "PUT", body: choice })).status).toBe(403);
    expect(() => statSync(join(config, "luci", "model.json"))).toThrow();

    const before = (await (await fetch(api, { headers: auth })).json()) as { inUse: { source: string }; default: unknown; own: { name: string }[] };
    expect(before.default).toBeNull();
    expect(before.inUse.source).toBe("own");
    expect(before.own.map((m) => m.name)).toContain("qwen2.5-coder-1.5b");

    const put = await fetch(api, { method: "PUT", body: choice, headers: auth });
    const putText = await put.text();
    expect(put.status).toBe(200);
    expect(putText).not.toContain(KEY);
    const after = JSON.parse(putText) as {
      inUse: { words: string; source: string; key?: string };
      default: { model: string; baseUrl: string; keySaved: boolean };
    };
    expect(after.default).toEqual({ model: "fake-coder", baseUrl: fake.baseUrl.replace(/\/+$/, ""), keySaved: true });
    expect(after.inUse).toMatchObject({ source: "default", key: "saved" });
    expect(after.inUse.words).toBe(`fake-coder at ${fake.baseUrl} (your default; key saved)`);

    const file = join(config, "luci", "model.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(config, "luci")).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, "utf8")).toContain(KEY); // kept for the kernel, in the user's own 0600 file

    // A later GET, and a change with the key field left empty (the key is kept): no key in either.
    const got = await (await fetch(api, { headers: auth })).text();
    expect(got).not.toContain(KEY);
    const renamed = await fetch(api, { method: "PUT", body: JSON.stringify({ model: "fake-coder", baseUrl: fake.baseUrl, apiKey: "" }), headers: auth });
    const renamedText = await renamed.text();
    expect(renamedText).not.toContain(KEY);
    expect((JSON.parse(renamedText) as { default: { keySaved: boolean } }).default.keySaved).toBe(true);

    // Bad choices are 400 and change nothing.
    expect((await fetch(api, { method: "PUT", body: JSON.stringify({ model: "x", baseUrl: "ftp://nope" }), headers: auth })).status).toBe(400);
    expect((await fetch(api, { method: "PUT", body: JSON.stringify({ model: "not-ours" }), headers: auth })).status).toBe(400);
    expect((await fetch(api, { method: "PUT", body: JSON.stringify({ baseUrl: fake.baseUrl }), headers: auth })).status).toBe(400);
    expect(first.output()).not.toContain(KEY);

    // The next start names the default, and where its key comes from, never the key.
    await cleanup.splice(-1)[0]!(); // this luci serve stops
    const second = await serve(env, base);
    expect(second.output()).toContain(`Task cells: fake-coder at ${fake.baseUrl} (your default; key saved)\n`);
    expect(second.output()).not.toContain(KEY);

    // For an open notebook that remembered a model of its own, that one comes first.
    await rememberModel(join(realpathSync(base), "nb.ipynb"), { model: "nb-coder", baseUrl: "http://127.0.0.1:9/v1" }, env);
    const forNotebook = await fetch(new URL("api/luci/model?path=nb.ipynb", second.base), { headers: auth });
    expect(((await forNotebook.json()) as { inUse: { words: string; source: string } }).inUse).toMatchObject({
      source: "notebook",
      words: "nb-coder at http://127.0.0.1:9/v1 (this notebook's choice)",
    });
    expect((await fetch(new URL("api/luci/model?path=../outside.ipynb", second.base), { headers: auth })).status).toBe(404);

    // Back to automatic: the default is gone, the key stays filed under its endpoint.
    const reset = await fetch(new URL("api/luci/model", second.base), { method: "PUT", body: JSON.stringify({ reset: true }), headers: auth });
    expect(((await reset.json()) as { default: unknown }).default).toBeNull();
  });
});

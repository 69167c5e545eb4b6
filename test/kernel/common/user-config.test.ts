// The user's default model (common/user-config.ts) and where it stands in the order the model is
// chosen (settings.ts's chooseModel, ModelSession): the notebook's choice, then LUCI_LLM_BASE_URL,
// then the default, then what this machine has. The file holds keys: 0600 in a 0700 folder.
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kernelSecretValues } from "../../../kernel/common/kernel-secrets.js";
import { luciConfigDir, savedApiKey, setUserModelDefault, userModelDefault, userModelFile } from "../../../kernel/common/user-config.js";
import { ModelSession } from "../../../kernel/pipeline/model/model-session.js";
import { chooseModel, describeSettings } from "../../../kernel/pipeline/model/settings.js";

const KEY = "sk-user-config-test-0123456789abcdef";

function freshEnv(): NodeJS.ProcessEnv {
  const base = mkdtempSync(join(tmpdir(), "luci-user-config-"));
  return { HOME: join(base, "home"), XDG_CONFIG_HOME: join(base, "config"), LUCI_STATE_DIR: join(base, "state"), LUCI_TRUST_DIR: join(base, "trust") };
}

describe("the user's config file", () => {
  it("lives in $XDG_CONFIG_HOME/luci, else ~/.config/luci", () => {
    expect(luciConfigDir({ XDG_CONFIG_HOME: "/x/cfg", HOME: "/home/a" })).toBe("/x/cfg/luci");
    expect(luciConfigDir({ HOME: "/home/a" })).toBe("/home/a/.config/luci");
  });

  it("keeps the default and the endpoint's key in a 0600 file in a 0700 folder", async () => {
    const env = freshEnv();
    mkdirSync(luciConfigDir(env), { recursive: true, mode: 0o755 }); // made wider by something else: tightened
    await setUserModelDefault({ default: { model: "gpt-4o-mini", baseUrl: "https://api.example.com/v1/" }, apiKey: KEY }, env);
    expect(statSync(luciConfigDir(env)).mode & 0o777).toBe(0o700);
    expect(statSync(userModelFile(env)).mode & 0o777).toBe(0o600);
    expect(userModelDefault(env)).toEqual({ model: "gpt-4o-mini", baseUrl: "https://api.example.com/v1/" });
    // Filed under the endpoint without its trailing slash: found either way.
    expect(savedApiKey("https://api.example.com/v1", env)).toBe(KEY);
    expect(savedApiKey("https://api.example.com/v1/", env)).toBe(KEY);
    expect(savedApiKey("https://elsewhere.example/v1", env)).toBeUndefined();
    // A saved key is one of the kernel's secrets: redacted from what goes to a model.
    expect(kernelSecretValues(env)).toContain(KEY);

    // A change without a key keeps the key; "" forgets it; null removes the default.
    await setUserModelDefault({ default: { model: "gpt-4.1", baseUrl: "https://api.example.com/v1" } }, env);
    expect(savedApiKey("https://api.example.com/v1", env)).toBe(KEY);
    await setUserModelDefault({ default: { model: "gpt-4.1", baseUrl: "https://api.example.com/v1" }, apiKey: "" }, env);
    expect(savedApiKey("https://api.example.com/v1", env)).toBeUndefined();
    expect(readFileSync(userModelFile(env), "utf8")).not.toContain(KEY);
    await setUserModelDefault({ default: null }, env);
    expect(userModelDefault(env)).toBeUndefined();
  });

  it("reads a damaged file as nothing chosen", () => {
    const env = freshEnv();
    mkdirSync(luciConfigDir(env), { recursive: true });
    writeFileSync(userModelFile(env), "{ not json");
    expect(userModelDefault(env)).toBeUndefined();
    writeFileSync(userModelFile(env), JSON.stringify({ default: { model: 42 }, keys: { "https://a.example/v1": 7 } }));
    expect(userModelDefault(env)).toBeUndefined();
    expect(savedApiKey("https://a.example/v1", env)).toBeUndefined();
  });
});

describe("the order the model is chosen in", () => {
  const saved = { model: "saved-model", baseUrl: "https://saved.example/v1", apiKey: KEY };

  it("the notebook's endpoint first, then LUCI_LLM_BASE_URL, then the user's default, then this machine", () => {
    const env = { LUCI_LLM_BASE_URL: "https://env.example/v1", LUCI_LLM_MODEL: "env-model", LUCI_LLM_API_KEY: "sk-env-key-000000" };
    const notebook = chooseModel(env, { model: "nb-model", baseUrl: "https://nb.example/v1" }, saved);
    expect([notebook.source, notebook.settings.baseUrl, notebook.settings.model]).toEqual(["notebook", "https://nb.example/v1", "nb-model"]);

    const fromEnv = chooseModel(env, {}, saved);
    expect([fromEnv.source, fromEnv.settings.baseUrl, fromEnv.settings.model, fromEnv.settings.apiKey]).toEqual([
      "environment",
      "https://env.example/v1",
      "env-model",
      "sk-env-key-000000",
    ]);

    const fromDefault = chooseModel({ LUCI_LLM_MODEL: "env-model" }, {}, saved);
    expect([fromDefault.source, fromDefault.settings.baseUrl, fromDefault.settings.model, fromDefault.settings.apiKey]).toEqual([
      "default",
      "https://saved.example/v1",
      "saved-model",
      KEY,
    ]);
    expect(describeSettings(fromDefault.settings, fromDefault.source)).not.toContain(KEY);
    expect(describeSettings(fromDefault.settings, fromDefault.source)).toContain("your default");

    const nothing = chooseModel({}, {});
    expect([nothing.source, nothing.settings.baseUrl]).toEqual(["this machine", undefined]);
  });

  it("a key saved for an endpoint goes to that endpoint only", () => {
    const keyFor = (url: string) => (url === "https://saved.example/v1" ? KEY : undefined);
    expect(chooseModel({}, { baseUrl: "https://saved.example/v1" }, undefined, keyFor).settings.apiKey).toBe(KEY);
    expect(chooseModel({}, { baseUrl: "https://other.example/v1" }, undefined, keyFor).settings.apiKey).toBeUndefined();
  });

  it("a notebook's model name alone is used with the default's endpoint", () => {
    const chosen = chooseModel({}, { model: "nb-model" }, saved);
    expect([chosen.source, chosen.settings.baseUrl, chosen.settings.model]).toEqual(["default", "https://saved.example/v1", "nb-model"]);
  });
});

describe("ModelSession with a default", () => {
  it("sends task cells to the default's endpoint with its key, and LUCI_LLM_BASE_URL still wins", async () => {
    const env = freshEnv();
    await setUserModelDefault({ default: { model: "saved-model", baseUrl: "https://saved.example/v1" }, apiKey: KEY }, env);
    const session = new ModelSession(env, () => undefined);
    expect(await session.destination()).toEqual({ baseUrl: "https://saved.example/v1", keySet: true });
    const described = await session.describe();
    expect(described).toContain("your default: saved-model at https://saved.example/v1");
    expect(described).not.toContain(KEY);

    const withEnv = new ModelSession({ ...env, LUCI_LLM_BASE_URL: "https://env.example/v1" }, () => undefined);
    expect(await withEnv.destination()).toEqual({ baseUrl: "https://env.example/v1", keySet: false });
  });

  it("`--default` writes the user's default, not the notebook's", async () => {
    const env = freshEnv();
    const session = new ModelSession(env, () => join(env.HOME!, "a.ipynb"));
    const said = await session.set({ model: "m-default", baseUrl: "http://127.0.0.1:9/v1" }, { remember: true, asDefault: true });
    expect(said).toContain("Your default is now m-default at http://127.0.0.1:9/v1");
    expect(userModelDefault(env)).toEqual({ model: "m-default", baseUrl: "http://127.0.0.1:9/v1" });
    // Another notebook's session (no choice of its own) uses it.
    const other = new ModelSession(env, () => join(env.HOME!, "b.ipynb"));
    expect(await other.destination()).toEqual({ baseUrl: "http://127.0.0.1:9/v1", keySet: false });
    // Luci's own model as the default: a catalogue name and no endpoint.
    await session.set({ model: "qwen2.5-coder-0.5b" }, { remember: true, asDefault: true });
    expect(userModelDefault(env)).toEqual({ model: "qwen2.5-coder-0.5b" });
    await expect(session.set({}, { remember: true, asDefault: true })).rejects.toThrow(/needs the model's name/);
  });
});

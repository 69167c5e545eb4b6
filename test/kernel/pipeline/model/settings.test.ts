import { describe, expect, it } from "vitest";
import { DEFAULT_TEMPERATURE, ModelSettingsError, describeSettings, modelSettings, redactKey } from "../../../../kernel/pipeline/model/settings.js";

describe("model settings", () => {
  it("has defaults when nothing is set", () => {
    const s = modelSettings({});
    expect(s).toEqual({ baseUrl: undefined, model: undefined, apiKey: undefined, temperature: DEFAULT_TEMPERATURE, maxTokens: undefined, timeoutSeconds: 120 });
    expect(DEFAULT_TEMPERATURE).toBe(0.1);
  });

  it("reads every variable, and OPENAI_API_KEY only when LUCI_LLM_API_KEY is not set", () => {
    const env = {
      LUCI_LLM_BASE_URL: "http://localhost:1234/v1/",
      LUCI_LLM_MODEL: "qwen2.5-coder-7b",
      OPENAI_API_KEY: "sk-openai-0000",
      LUCI_LLM_TEMPERATURE: "0",
      LUCI_LLM_MAX_TOKENS: "2048",
      LUCI_LLM_TIMEOUT: "30",
    };
    expect(modelSettings(env)).toEqual({
      baseUrl: "http://localhost:1234/v1",
      model: "qwen2.5-coder-7b",
      apiKey: "sk-openai-0000",
      temperature: 0,
      maxTokens: 2048,
      timeoutSeconds: 30,
    });
    expect(modelSettings({ ...env, LUCI_LLM_API_KEY: "sk-luci-1111" }).apiKey).toBe("sk-luci-1111");
  });

  it("lets per-notebook overrides win over the environment", () => {
    const s = modelSettings({ LUCI_LLM_MODEL: "a", LUCI_LLM_TEMPERATURE: "0.5" }, { model: "b", baseUrl: "https://x.example/v1" });
    expect(s.model).toBe("b");
    expect(s.baseUrl).toBe("https://x.example/v1");
    expect(s.temperature).toBe(0.5);
  });

  it.each([
    [{ LUCI_LLM_TEMPERATURE: "hot" }, /LUCI_LLM_TEMPERATURE must be a number/],
    [{ LUCI_LLM_TEMPERATURE: "5" }, /between 0 and 2/],
    [{ LUCI_LLM_MAX_TOKENS: "1.5" }, /LUCI_LLM_MAX_TOKENS must be a whole number/],
    [{ LUCI_LLM_TIMEOUT: "-1" }, /LUCI_LLM_TIMEOUT/],
    [{ LUCI_LLM_BASE_URL: "localhost:1234" }, /http:\/\/ or https:\/\//],
    [{ LUCI_LLM_BASE_URL: "not a url" }, /must be a URL/],
  ])("refuses %j in plain words", (env, message) => {
    expect(() => modelSettings(env)).toThrow(ModelSettingsError);
    expect(() => modelSettings(env)).toThrow(message);
  });

  it("refuses credentials in the URL without echoing them", () => {
    let message = "";
    try {
      modelSettings({ LUCI_LLM_BASE_URL: "https://user:hunter2secret@x.example/v1" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/must not contain a user name or password/);
    expect(message).not.toContain("hunter2secret");
  });

  it("describes the settings without the key", () => {
    const text = describeSettings(modelSettings({ LUCI_LLM_API_KEY: "sk-secret-key-123456" }));
    expect(text).toContain("API key: set");
    expect(text).not.toContain("sk-secret");
  });

  it("redactKey removes the key, its prefix and bearer tokens", () => {
    const key = "sk-proj-abcdefghijklmnop";
    expect(redactKey(`Incorrect API key provided: ${key}.`, key)).toBe("Incorrect API key provided: [redacted].");
    expect(redactKey("Incorrect API key provided: sk-proj-ab*********mnop.", key)).not.toContain("sk-proj-ab");
    expect(redactKey("header was Bearer abc.def", undefined)).toBe("header was Bearer [redacted]");
  });
});

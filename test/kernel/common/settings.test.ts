// The settings' declarations and their reader (kernel/common/settings.ts), in process: defaults,
// ranges, bad values (an error with the caller's class, or a warning once and the default), and
// the checks that keep the declarations the one place: every LUCI_* name the product mentions is
// declared, no product file reads one from the environment by itself, and the README's table and
// `%luci help` are generated from the declarations.
import { readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkSetting, readSetting, setting, SettingError, SETTINGS, settingSpec, type SettingName } from "../../../kernel/common/settings.js";
import { README_END, README_START, settingsHelp, settingsTable, withSettingsTable } from "../../../kernel/common/settings-docs.js";
import { luciHelp } from "../../../kernel/cells/kernel-magics.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NAMES = Object.keys(SETTINGS) as SettingName[];

class CallersError extends Error {}

function stderrLines(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return { lines, restore: () => spy.mockRestore() };
}

afterEach(() => vi.restoreAllMocks());

describe("defaults", () => {
  it("an unset, empty or blank variable is the default", () => {
    for (const env of [{}, { LUCI_SELF_REPAIR: "" }, { LUCI_SELF_REPAIR: "  " }]) expect(setting(env, "LUCI_SELF_REPAIR")).toBe(2);
    expect(setting({}, "LUCI_LLM_TIMEOUT")).toBe(120);
    expect(setting({}, "LUCI_VALIDATION_THRESHOLD")).toBe(0.8);
    expect(setting({}, "LUCI_VALIDATION_TIMEOUT")).toBe(15);
    expect(setting({}, "LUCI_GENERATION")).toBe("online");
    expect(setting({}, "LUCI_CONTAINER_MEMORY")).toBe("1g");
    expect(setting({}, "LUCI_PYTHON")).toBe("python3");
    expect(setting({ LUCI_LLM_MAX_TOKENS: "" }, "LUCI_LLM_MAX_TOKENS")).toBeUndefined();
    expect(setting({}, "LUCI_TRUST_DIR")).toBeUndefined(); // the caller works it out (the user data folder)
  });

  it("every declared default is a value its own rule accepts, and every declaration has help", () => {
    for (const name of NAMES) {
      const spec = settingSpec(name);
      expect(spec.help.length, name).toBeGreaterThan(10);
      expect(spec.defaultText.length, name).toBeGreaterThan(0);
      if (spec.fallback === undefined || typeof spec.fallback === "object") continue;
      const parsed = checkSetting(name, String(spec.fallback), name);
      expect(parsed, name).toEqual({ ok: true, value: spec.fallback });
    }
  });

  it("a value is read with its surrounding blanks trimmed", () => {
    expect(setting({ LUCI_LLM_MODEL: "  qwen  " }, "LUCI_LLM_MODEL")).toBe("qwen");
    expect(setting({ LUCI_SELF_REPAIR: " 3\n" }, "LUCI_SELF_REPAIR")).toBe(3);
  });
});

describe("numbers", () => {
  it("reads numbers, whole numbers and seconds within their ranges", () => {
    expect(setting({ LUCI_LLM_TEMPERATURE: "0" }, "LUCI_LLM_TEMPERATURE")).toBe(0);
    expect(setting({ LUCI_LLM_TEMPERATURE: "2" }, "LUCI_LLM_TEMPERATURE")).toBe(2);
    expect(setting({ LUCI_LLM_TIMEOUT: "0.5" }, "LUCI_LLM_TIMEOUT")).toBe(0.5);
    expect(setting({ LUCI_SELF_REPAIR: "0" }, "LUCI_SELF_REPAIR")).toBe(0);
    expect(setting({ LUCI_LOCAL_MODEL_CONTEXT: "256" }, "LUCI_LOCAL_MODEL_CONTEXT")).toBe(256);
    expect(setting({ LUCI_CONTAINER_CPUS: "0.5" }, "LUCI_CONTAINER_CPUS")).toBe(0.5);
  });

  it.each([
    ["LUCI_LLM_TEMPERATURE", "hot", /^LUCI_LLM_TEMPERATURE must be a number between 0 and 2, not "hot"$/],
    ["LUCI_LLM_TEMPERATURE", "2.5", /between 0 and 2, not "2.5"/],
    ["LUCI_LLM_TIMEOUT", "0", /LUCI_LLM_TIMEOUT must be a number between 0.001 and 86400/],
    ["LUCI_LLM_MAX_TOKENS", "1.5", /^LUCI_LLM_MAX_TOKENS must be a whole number of at least 1, not "1.5"$/],
    ["LUCI_LLM_MAX_TOKENS", "0", /whole number of at least 1, not "0"/],
    ["LUCI_LOCAL_MODEL_CONTEXT", "128", /at least 256/],
    ["LUCI_LOCAL_MODEL_IDLE", "-1", /LUCI_LOCAL_MODEL_IDLE must be a whole number of at least 0/],
    ["LUCI_CONTAINER_CPUS", "0", /^LUCI_CONTAINER_CPUS must be a number above 0, not "0"$/],
    ["LUCI_CONTAINER_CPUS", "abc", /above 0, not "abc"/],
    ["LUCI_CONTAINER_PIDS", "12.5", /whole number/],
    ["LUCI_LLM_TEMPERATURE", "Infinity", /must be a number/],
  ] as const)("%s=%s is refused with the caller's error", (name, value, message) => {
    expect(readSetting({ [name]: value }, name)).toEqual({ ok: false, message: expect.stringMatching(message) as unknown });
    expect(() => setting({ [name]: value }, name, CallersError)).toThrow(CallersError);
    expect(() => setting({ [name]: value }, name, CallersError)).toThrow(message);
    expect(() => setting({ [name]: value }, name)).toThrow(SettingError);
  });

  it("the gate's threshold out of range is brought into it, with a warning", () => {
    const err = stderrLines();
    expect(setting({ LUCI_VALIDATION_THRESHOLD: "1.5" }, "LUCI_VALIDATION_THRESHOLD")).toBe(1);
    expect(setting({ LUCI_VALIDATION_THRESHOLD: "-0.2" }, "LUCI_VALIDATION_THRESHOLD")).toBe(0);
    expect(setting({ LUCI_VALIDATION_THRESHOLD: "0.95" }, "LUCI_VALIDATION_THRESHOLD")).toBe(0.95);
    err.restore();
    expect(err.lines.join("")).toMatch(/LUCI_VALIDATION_THRESHOLD must be a number between 0 and 1, not "1.5"; using 1/);
    expect(err.lines.join("")).toMatch(/not "-0.2"; using 0/);
  });
});

describe("a bad value of a setting declared onInvalid warn", () => {
  it.each([
    ["LUCI_SELF_REPAIR", "-1", 2],
    ["LUCI_SELF_REPAIR", "two", 2],
    ["LUCI_SELF_REPAIR", "1.5", 2],
    ["LUCI_VALIDATION_THRESHOLD", "high", 0.8],
    ["LUCI_VALIDATION_TIMEOUT", "0", 15],
    ["LUCI_VALIDATION_TIMEOUT", "-3", 15],
    ["LUCI_WORKER_START_TIMEOUT", "soon", 60],
    ["LUCI_LOG_LEVEL", "verbose", "info"],
    ["LUCI_INDEX_URL", "pypi.internal/simple", undefined],
  ] as const)("%s=%s: the default (%s) and one warning naming the variable", (name, value, fallback) => {
    const err = stderrLines();
    expect(setting({ [name]: value }, name)).toBe(fallback);
    expect(setting({ [name]: value }, name)).toBe(fallback);
    err.restore();
    const warnings = err.lines.filter((line) => line.includes(`${name} must`));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\[luci warn .*\] .*; using the default/);
    expect(warnings[0]).toContain(JSON.stringify(value));
  });

  it("never throws, whatever the error class", () => {
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(setting({ LUCI_SELF_REPAIR: "many" }, "LUCI_SELF_REPAIR", CallersError)).toBe(2);
  });
});

describe("words, URLs, paths, sizes", () => {
  it("reads a word in any case, with its aliases, and names the default when refusing one", () => {
    expect(setting({ LUCI_GENERATION: "OFFLINE" }, "LUCI_GENERATION")).toBe("offline");
    expect(setting({ LUCI_TASK_PROMPT: "Plain" }, "LUCI_TASK_PROMPT")).toBe("plain");
    expect(setting({ LUCI_LOCAL_MODEL_GPU: "cpu" }, "LUCI_LOCAL_MODEL_GPU")).toBe("off");
    expect(setting({ LUCI_LOCAL_MODEL_GPU: "false" }, "LUCI_LOCAL_MODEL_GPU")).toBe("off");
    expect(setting({ LUCI_CONTAINER_NETWORK: "on" }, "LUCI_CONTAINER_NETWORK")).toBe("on");
    expect(() => setting({ LUCI_GENERATION: "ofline" }, "LUCI_GENERATION")).toThrow(
      'LUCI_GENERATION must be "online" (the default) or "offline", not "ofline"',
    );
    expect(() => setting({ LUCI_CONTAINER_NETWORK: "yes" }, "LUCI_CONTAINER_NETWORK")).toThrow(/must be "off" \(the default\) or "on", not "yes"/);
  });

  it("reads a URL: the scheme checked, credentials refused without echoing them, a base URL without its trailing slash", () => {
    expect(setting({ LUCI_LLM_BASE_URL: "http://localhost:1234/v1/" }, "LUCI_LLM_BASE_URL")).toBe("http://localhost:1234/v1");
    expect(setting({ LUCI_INDEX_URL: "https://mirror.example/simple/" }, "LUCI_INDEX_URL")).toBe("https://mirror.example/simple/");
    expect(setting({ LUCI_INDEX_URL: "file:///srv/wheels" }, "LUCI_INDEX_URL")).toBe("file:///srv/wheels");
    expect(() => setting({ LUCI_LLM_BASE_URL: "localhost:1234" }, "LUCI_LLM_BASE_URL")).toThrow(/must start with http:\/\/ or https:\/\//);
    expect(() => setting({ LUCI_LLM_BASE_URL: "not a url" }, "LUCI_LLM_BASE_URL")).toThrow(/must be a URL such as http:\/\/localhost:1234\/v1/);
    const read = readSetting({ LUCI_LLM_BASE_URL: "https://me:hunter2secret@x.example/v1" }, "LUCI_LLM_BASE_URL");
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.message).toMatch(/must not contain a user name or password; use LUCI_LLM_API_KEY/);
      expect(read.message).not.toContain("hunter2secret");
    }
  });

  it("reads a path: relative to the current folder, ~ as the home folder; the deferred CA bundle as written", () => {
    expect(setting({ LUCI_ENV_DIR: "envs" }, "LUCI_ENV_DIR")).toBe(resolve("envs"));
    expect(setting({ LUCI_MODELS_DIR: "~/models" }, "LUCI_MODELS_DIR")).toBe(join(homedir(), "models"));
    expect(setting({ LUCI_TRUST_DIR: "/srv/trust" }, "LUCI_TRUST_DIR")).toBe("/srv/trust");
    expect(setting({ LUCI_NODE_EXTRA_CA_CERTS: "certs/ca.pem" }, "LUCI_NODE_EXTRA_CA_CERTS")).toBe("certs/ca.pem");
  });

  it("reads sizes and the container's user, refusing what Docker would not take", () => {
    for (const size of ["512m", "2g", "1.5G", "1024", "64mib"]) expect(setting({ LUCI_CONTAINER_MEMORY: size }, "LUCI_CONTAINER_MEMORY")).toBe(size);
    expect(() => setting({ LUCI_CONTAINER_TMP: "lots" }, "LUCI_CONTAINER_TMP")).toThrow(/LUCI_CONTAINER_TMP must be a size such as 512m or 2g, not "lots"/);
    expect(setting({ LUCI_CONTAINER_USER: "1000:1000" }, "LUCI_CONTAINER_USER")).toBe("1000:1000");
    expect(setting({ LUCI_CONTAINER_USER: "1000" }, "LUCI_CONTAINER_USER")).toBe("1000");
    expect(() => setting({ LUCI_CONTAINER_USER: "bob" }, "LUCI_CONTAINER_USER")).toThrow(/LUCI_CONTAINER_USER must be a uid or uid:gid \(numbers\), not "bob"/);
  });

  it("checks a value given another way by the same rule, named as given", () => {
    expect(checkSetting("LUCI_LOCAL_MODEL_CONTEXT", "100", "--context-size")).toEqual({
      ok: false,
      message: '--context-size must be a whole number of at least 256, not "100"',
    });
    expect(checkSetting("LUCI_LLM_BASE_URL", "https://x.example/v1/", "the base URL")).toEqual({ ok: true, value: "https://x.example/v1" });
  });
});

describe("the declarations are the one place", () => {
  const productFiles = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => join(dir, file));
  const files = [...productFiles("kernel"), ...productFiles("server")];

  it("declares every LUCI_* variable the kernel, CLI and server mention", () => {
    // LUCI_HELP is a constant, not a variable; "LUCI_LLM_*" and the like name a family in comments.
    const notVariables = new Set(["LUCI_HELP"]);
    const undeclared = new Set<string>();
    for (const file of files) {
      for (const match of readFileSync(join(ROOT, file), "utf8").matchAll(/\bLUCI_[A-Z0-9_]*[A-Z0-9]\b(?!\*)/g)) {
        if (!notVariables.has(match[0]) && !(match[0] in SETTINGS)) undeclared.add(`${match[0]} (${file})`);
      }
    }
    expect([...undeclared]).toEqual([]);
  });

  it("no product file reads a LUCI_* variable from the environment except through settings.ts", () => {
    const direct = /\b(?:env|process\.env)\s*(?:\?\.|\.|\[\s*["'`])\s*LUCI_/;
    const offenders = files.filter((file) => file !== join("kernel", "common", "settings.ts") && direct.test(readFileSync(join(ROOT, file), "utf8")));
    expect(offenders).toEqual([]);
  });

  it("%luci help lists every setting by group, from the declarations", async () => {
    const help = settingsHelp();
    for (const name of NAMES) expect(help).toContain(name);
    expect(help.split("\n").every((line) => line.length <= 96)).toBe(true);
    const text = await luciHelp();
    expect(text).toContain(help);
    expect(text).toMatch(/%luci model/); // the command list is still there
  });

  it("the README's settings table is the one generated from the declarations (npm run docs:settings rewrites it)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const table = settingsTable();
    for (const name of NAMES) expect(table).toContain(`\`${name}\``);
    const section = (text: string) => text.slice(text.indexOf(README_START), text.indexOf(README_END));
    expect(section(readme), "README.md has no settings markers").not.toBe("");
    expect(section(withSettingsTable(readme)), "README.md's settings table is out of date: run npm run docs:settings").toBe(section(readme));
  });
});

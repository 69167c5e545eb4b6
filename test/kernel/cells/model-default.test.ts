// `%luci model NAME [--base-url URL] --default` (issue 13) in real kernels: the user's default is
// set only where a person runs the cell in a notebook they trust (never headless, never from
// someone else's untrusted notebook, a new endpoint only after a typed "yes"), and a kernel of
// another notebook with no choice of its own then sends its task to that default.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../../kernel/protocol/messages.js";
import { TrustStore } from "../../../kernel/pipeline/records/trust.js";
import { setUserModelDefault } from "../../../kernel/common/user-config.js";
import { streamText } from "../../support/kernel-client.js";
import { ROOT, startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";
import { unsigned, writeNotebook } from "../pipeline/records/helpers.js";

const base = mkdtempSync(join(tmpdir(), "luci-model-default-"));
const folder = join(base, "notebooks");
const config = join(base, "config");
const file = join(config, "luci", "model.json");
let model: FakeModelServer;

/** No LUCI_LLM_* from the test's own environment: the default is what is being tested. */
const env = {
  LUCI_EXECUTOR: "local",
  LUCI_PYTHON: join(ROOT, ".venv", "bin", "python"),
  LUCI_STATE_DIR: join(base, "state"),
  LUCI_TRUST_DIR: join(base, "trust"),
  LUCI_LOCAL_MODEL: "off",
  XDG_CONFIG_HOME: config,
  LUCI_LLM_BASE_URL: "",
  LUCI_LLM_MODEL: "",
  LUCI_LLM_API_KEY: "",
  OPENAI_API_KEY: "",
};

function watchPrompts(kernel: StartedKernel): Message[] {
  const prompts: Message[] = [];
  kernel.client.onInputRequest = (message) => prompts.push(message);
  return prompts;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 30_000) throw new Error(`gave up waiting: ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

async function withKernel<T>(notebook: string, work: (kernel: StartedKernel) => Promise<T>): Promise<T> {
  const kernel = await startKernel({ cwd: folder, env: { ...env, JPY_SESSION_NAME: notebook } });
  try {
    return await work(kernel);
  } finally {
    await kernel.stop();
  }
}

beforeAll(async () => {
  model = await startFakeModelServer();
  mkdirSync(folder, { recursive: true });
  // Someone else's notebook: a record signed with their key, not trusted here.
  writeNotebook(join(folder, "theirs.ipynb"), [
    { id: "loan", source: "Monthly payment", records: [new TrustStore(join(base, "trust-colleague")).sign(unsigned())] },
  ]);
  for (const name of ["mine.ipynb", "other.ipynb"])
    writeFileSync(join(folder, name), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }));
});

afterAll(async () => {
  await model?.close();
});

describe("%luci model --default", () => {
  it("is refused in someone else's untrusted notebook and in a run that takes no input, and written nowhere", async () => {
    await withKernel("theirs.ipynb", async (kernel) => {
      const prompts = watchPrompts(kernel);
      const { reply } = await kernel.client.execute(`%luci model fake-coder --base-url ${model.baseUrl} --default`, { allow_stdin: true });
      expect(reply.content).toMatchObject({ status: "error", ename: "ModelChoiceRefused" });
      expect(String(reply.content.evalue)).toMatch(/not trusted/);
      expect(prompts).toHaveLength(0);
    });
    await withKernel("mine.ipynb", async (kernel) => {
      const { reply } = await kernel.client.execute("%luci model qwen2.5-coder-0.5b --default", { allow_stdin: false });
      expect(reply.content).toMatchObject({ status: "error", ename: "ModelChoiceRefused" });
      expect(String(reply.content.evalue)).toMatch(/takes no input/);
    });
    expect(existsSync(file)).toBe(false);
  }, 120_000);

  it("set by a person in their own notebook after a yes, it answers the tasks of another notebook", async () => {
    await withKernel("mine.ipynb", async (kernel) => {
      const prompts = watchPrompts(kernel);
      const pending = kernel.client.execute(`%luci model fake-coder --base-url ${model.baseUrl} --default`, { allow_stdin: true });
      await until(() => prompts.length === 1, "the kernel asks before the endpoint changes");
      expect(String(prompts[0]!.content.prompt)).toMatch(/Type yes/);
      kernel.client.input("yes", prompts[0]!);
      const { reply, iopub } = await pending;
      expect(reply.content.status).toBe("ok");
      expect(streamText(iopub)).toContain("Your default is now fake-coder");
    });
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ default: { model: "fake-coder", baseUrl: model.baseUrl } });

    model.enqueue(answer({ code: 'print("from the default", 40 + 2)' }));
    await withKernel("other.ipynb", async (kernel) => {
      const described = await kernel.client.execute("%luci model");
      expect(streamText(described.iopub)).toContain(`your default: fake-coder at ${model.baseUrl}`);
      const { reply, iopub } = await kernel.client.execute("Print the answer from the default model", { allow_stdin: true });
      expect(reply.content.status).toBe("ok");
      expect(streamText(iopub)).toContain("from the default 42");

      // The default changed elsewhere (the page's menu) while this notebook is open: its next task goes there.
      const second = await startFakeModelServer({ models: ["second-coder"] });
      try {
        second.enqueue(answer({ code: 'print("from the new default", 6 * 7)' }));
        await setUserModelDefault({ default: { model: "second-coder", baseUrl: second.baseUrl } }, { XDG_CONFIG_HOME: config });
        const next = await kernel.client.execute("Print the answer from the new default model", { allow_stdin: true });
        expect(next.reply.content.status).toBe("ok");
        expect(streamText(next.iopub)).toContain("from the new default 42");
        expect(second.chatRequests).toHaveLength(1);
      } finally {
        await second.close();
      }
    });
    expect(model.chatRequests).toHaveLength(1);
  }, 180_000);

  it("--key asks for the endpoint's key as a password, saves it for that endpoint, and never shows it", async () => {
    const KEY = "sk-default-key-test-a1b2c3d4e5f6a7b8";
    const keyed = await startFakeModelServer({ apiKey: KEY, models: ["keyed-coder"] });
    try {
      await withKernel("mine.ipynb", async (kernel) => {
        const prompts = watchPrompts(kernel);
        const pending = kernel.client.execute(`%luci model keyed-coder --base-url ${keyed.baseUrl} --default --key`, { allow_stdin: true });
        await until(() => prompts.length === 1, "the kernel asks before the endpoint changes");
        kernel.client.input("yes", prompts[0]!);
        await until(() => prompts.length === 2, "the kernel asks for the key");
        expect(prompts[1]!.content).toMatchObject({ password: true });
        expect(String(prompts[1]!.content.prompt)).toContain(`API key for ${keyed.baseUrl}`);
        kernel.client.input(KEY, prompts[1]!);
        const { reply, iopub } = await pending;
        expect(reply.content.status).toBe("ok");
        expect(streamText(iopub)).toContain("(key saved)");
        expect(JSON.stringify(iopub)).not.toContain(KEY);
      });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      keyed.enqueue(answer({ code: 'print("from the keyed default", 42)' }));
      await withKernel("other.ipynb", async (kernel) => {
        const described = await kernel.client.execute("%luci model");
        expect(JSON.stringify(described.iopub)).not.toContain(KEY);
        const { reply, iopub } = await kernel.client.execute("Print the answer from the keyed model", { allow_stdin: true });
        expect(reply.content.status).toBe("ok");
        expect(streamText(iopub)).toContain("from the keyed default 42");
        expect(JSON.stringify(iopub)).not.toContain(KEY);
      });
      expect(keyed.chatRequests).toHaveLength(1);
      expect(keyed.chatRequests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(JSON.stringify(keyed.chatRequests[0]!.body)).not.toContain(KEY);
    } finally {
      await keyed.close();
    }
  }, 180_000);

  it("--key without --default and --base-url is a usage error, and nothing is asked", async () => {
    await withKernel("mine.ipynb", async (kernel) => {
      const prompts = watchPrompts(kernel);
      const { reply } = await kernel.client.execute(`%luci model keyed-coder --key`, { allow_stdin: true });
      expect(reply.content).toMatchObject({ status: "error" });
      expect(String(reply.content.evalue)).toMatch(/--key goes with --default and --base-url/);
      expect(prompts).toHaveLength(0);
    });
  }, 60_000);
});

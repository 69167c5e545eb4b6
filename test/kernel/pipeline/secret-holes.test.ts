// The ways keys really live in notebooks (issue 12), through a real kernel and the fake model
// server, as a user or an attacker meets them: an environment assignment in code
// (`os.environ[...] = `, `os.environ.setdefault`), the %env magic, a password in a connection
// URL (no user name; an `@` in the password), the kernel's own model key in a variable with a
// plain name, a secret-named variable's value quoted bare by a traceback (set by a literal, or
// built at run time), a secret-named variable of the kernel's environment, a key in the task's
// own words, and generated code that sets one. Each secret is set in the notebook, then a task's
// generated code raises an error that carries it: the task's request (earlier cells' code, the
// namespace preview) and the self-repair request (the code, the traceback) must not hold it.
// And the notebook's Python does not see the kernel's model key, which the kernel still sends
// to its endpoint. Each secret is random and matches none of the known key formats (a format
// is redacted wherever it is, secret-redaction.test.ts): what is tested is the hole itself.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fakeModelEnv } from "../../support/fake-model-kernel.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { answer, codeOnly, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";

function alnum(length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join("");
}

/** A secret of no known format, unique to this run. */
const secret = (head: string) => `${head}-${alnum(20)}`;

const KERNEL_KEY = secret("kernel-model-key");
const ENV_TOKEN = secret("svc");

let server: FakeModelServer;
let kernel: StartedKernel;
let lenient: StartedKernel;

beforeAll(async () => {
  // The server takes only requests that carry the kernel's key.
  server = await startFakeModelServer({ chunkSize: 64, apiKey: KERNEL_KEY });
  const env = fakeModelEnv(server, { LUCI_LLM_API_KEY: KERNEL_KEY, LUCI_SELF_REPAIR: "1", MY_SERVICE_TOKEN: ENV_TOKEN });
  [kernel, lenient] = await Promise.all([startKernel({ env }), startKernel({ env: { ...env, LUCI_VALIDATION_THRESHOLD: "0" } })]);
});
afterAll(async () => {
  await kernel?.stop();
  await lenient?.stop();
  await server?.close();
});
beforeEach(() => server.reset());

/** Which of the secrets the task's and the repair's requests hold (each request's whole body). */
function leaks(secrets: string[]): { task: string[]; repair: string[] } {
  const [task, repair] = server.chatRequests.map((r) => JSON.stringify(r.body));
  return { task: secrets.filter((s) => task!.includes(s)), repair: secrets.filter((s) => repair!.includes(s)) };
}

/** Runs `setup` as a Python cell, then a task whose generated code runs `raising`; both model calls are made. */
async function taskThatRaises(setup: string, raising: string, task: string, on = kernel): Promise<void> {
  if (setup) {
    const set = await on.client.execute(setup);
    expect(set.reply.content.status, JSON.stringify(set.reply.content)).toBe("ok");
  }
  server.enqueue(answer({ code: raising }), codeOnly("print('repaired')"));
  const { reply } = await on.client.execute(task);
  expect(reply.content.status).toBe("ok");
  expect(server.chatRequests).toHaveLength(2);
  expect(JSON.stringify(server.chatRequests[1]!.body)).toContain("ValueError");
}

describe("secrets where notebooks really keep them do not reach the model (task call and self-repair call)", () => {
  it("an environment variable set by subscript: os.environ['X_API_KEY'] = '…'", async () => {
    const value = secret("envsub");
    await taskThatRaises(`import os\nos.environ["X_API_KEY"] = "${value}"`, `import os\nraise ValueError(os.environ["X_API_KEY"])`, "Check the env key 1");
    expect(leaks([value])).toEqual({ task: [], repair: [] });
  });

  it("an environment variable's default: os.environ.setdefault('X_API_KEY', '…')", async () => {
    const value = secret("setdefault");
    await taskThatRaises(
      `import os\nos.environ.setdefault("SERVICE_API_KEY", '${value}')`,
      `import os\nraise ValueError(os.environ["SERVICE_API_KEY"])`,
      "Check the env key 2",
    );
    expect(leaks([value])).toEqual({ task: [], repair: [] });
  });

  it("the %env magic: %env HF_TOKEN=…", async () => {
    const value = secret("hfmagic");
    await taskThatRaises(`%env HF_TOKEN=${value}`, `import os\nraise ValueError(os.environ["HF_TOKEN"])`, "Check the env key 3");
    expect(leaks([value])).toEqual({ task: [], repair: [] });
  });

  it("a password in a connection URL with no user name (redis://:password@host)", async () => {
    const value = secret("redispw");
    await taskThatRaises(`cache_url = "redis://:${value}@cache.internal:6379/0"`, "raise ValueError(cache_url)", "Check the cache URL");
    expect(leaks([value])).toEqual({ task: [], repair: [] });
  });

  it("a password in a connection URL that holds an @ (postgresql://admin:p@ss@host)", async () => {
    const [head, tail] = [secret("pg"), secret("word")];
    await taskThatRaises(`db = "postgresql://admin:${head}@${tail}@db.internal:5432/sales"`, "raise ValueError(db)", "Check the database URL");
    expect(leaks([head, tail])).toEqual({ task: [], repair: [] });
  });

  it("the kernel's own model key, kept in a variable with a plain name", async () => {
    await taskThatRaises(`k = "${KERNEL_KEY}"`, "raise ValueError(k)", "Check the variable k");
    expect(leaks([KERNEL_KEY])).toEqual({ task: [], repair: [] });
  });

  it("a secret-named variable set by a literal, its value quoted bare by a traceback", async () => {
    const value = secret("hunter2");
    await taskThatRaises(`db_password = "${value}"`, "raise ValueError('login failed with ' + db_password)", "Log in to the database");
    expect(leaks([value])).toEqual({ task: [], repair: [] });
  });

  it("a secret-named variable built at run time (not in any code), quoted by a traceback", async () => {
    const value = secret("runtime");
    const [a, b] = [value.slice(0, 9), value.slice(9)];
    await taskThatRaises(`api_token = "".join(["${a}", "${b}"])\nlabel = api_token`, "raise ValueError('rejected: ' + api_token)", "Call the service");
    expect(leaks([value])).toEqual({ task: [], repair: [] });
  });

  it("a secret-named variable of the kernel's environment, read by the notebook", async () => {
    await taskThatRaises("", `import os\nraise ValueError(os.environ["MY_SERVICE_TOKEN"])`, "Check the service token");
    expect(leaks([ENV_TOKEN])).toEqual({ task: [], repair: [] });
  });

  it("a key of a known format in the task's own words", async () => {
    const value = `sk-proj-${alnum(40)}`;
    await taskThatRaises("", "raise ValueError('no')", `Call the API with the key ${value} and print the status`);
    expect(leaks([value])).toEqual({ task: [], repair: [] });
  });

  it("generated code that sets an environment key and raises with it goes back redacted", async () => {
    const value = secret("generated");
    await taskThatRaises(
      "",
      `import os\nos.environ.setdefault("SERVICE_TOKEN", "${value}")\nraise ValueError(os.environ["SERVICE_TOKEN"])`,
      "Set up the service",
      lenient,
    );
    expect(leaks([value]).repair).toEqual([]);
  });
});

describe("the kernel's model key", () => {
  it("is not in the notebook's os.environ, and the kernel still sends it to its endpoint", async () => {
    const { reply, iopub } = await kernel.client.execute('import os\nprint(os.environ.get("LUCI_LLM_API_KEY"))');
    expect(reply.content.status).toBe("ok");
    const printed = iopub.filter((m) => m.header.msg_type === "stream").map((m) => String(m.content.text));
    expect(printed.join("")).toBe("None\n");
    server.enqueue(answer({ code: "print('used the key')" }));
    expect((await kernel.client.execute("Print that the key was used")).reply.content.status).toBe("ok");
    expect(server.chatRequests.map((r) => [r.headers.authorization, r.rejected])).toEqual([[`Bearer ${KERNEL_KEY}`, undefined]]);
  });
});

// Secrets never travel to the model, through a real kernel and the fake model server, for every
// kind of secret the redaction knows: the key patterns of kernel/pipeline/task-context.ts
// (redactSecrets) and of the validation gate (kernel/runtime/worker/luci_worker/validation/
// credentials.py), and a literal given to a secret-like name. Each secret sits in the notebook
// (an earlier Python cell puts it in a variable), and the generated code raises an error that
// carries it: the task's request (earlier cells, namespace) and the self-repair request (the
// code and its traceback) must not contain it. A second kernel runs generated code that holds
// the key itself (the gate would stop it: its threshold is set to 0 here to let it run), and the
// repair message must carry the code and the traceback redacted. Each task's words differ, so
// that none is a rerun of an earlier one's recorded code.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fakeModelEnv } from "../../support/fake-model-kernel.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { answer, codeOnly, messageText, startFakeModelServer, type ChatRequest, type FakeModelServer } from "../../support/fake-model-server.js";

/** Random letters and digits: each secret is unique, so no other cell's text can contain it. */
function alnum(length: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"): string {
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join("");
}
const UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

interface SecretCase {
  name: string;
  /** The Python assignment of an earlier cell that puts the secret in the notebook. */
  variable: string;
  value: string;
  /** What must never reach the model (the key itself; for a header or a URL, its secret part). */
  secrets: string[];
}

function privateKey(): { value: string; secrets: string[] } {
  const body = [alnum(64), alnum(64), alnum(40)];
  return { value: ["-----BEGIN RSA PRIVATE KEY-----", ...body, "-----END RSA PRIVATE KEY-----"].join("\n"), secrets: body };
}

const jwt = `eyJ${alnum(20)}.eyJ${alnum(30)}.${alnum(43)}`;
const bearer = alnum(32);
const urlPassword = `Pw${alnum(18)}`;
const namedPassword = `hunter2-${alnum(16)}`;
const pem = privateKey();

const CASES: SecretCase[] = [
  { name: "an AWS access key id (AKIA)", variable: "held", value: `AKIA${alnum(16, UPPER_DIGITS)}`, secrets: [] },
  { name: "an AWS temporary access key id (ASIA)", variable: "held", value: `ASIA${alnum(16, UPPER_DIGITS)}`, secrets: [] },
  { name: "an API secret key (sk-)", variable: "held", value: `sk-proj-${alnum(40)}`, secrets: [] },
  { name: "a Stripe secret key (sk_live_)", variable: "held", value: `sk_live_${alnum(24)}`, secrets: [] },
  { name: "a Stripe restricted key (rk_live_)", variable: "held", value: `rk_live_${alnum(24)}`, secrets: [] },
  { name: "a GitHub token (ghp_)", variable: "held", value: `ghp_${alnum(36)}`, secrets: [] },
  { name: "a GitHub fine-grained token (github_pat_)", variable: "held", value: `github_pat_11${alnum(20, UPPER_DIGITS)}_${alnum(59)}`, secrets: [] },
  { name: "a Slack token (xoxb-)", variable: "held", value: `xoxb-${alnum(12, "0123456789")}-${alnum(12, "0123456789")}-${alnum(24)}`, secrets: [] },
  { name: "a Hugging Face token (hf_)", variable: "held", value: `hf_${alnum(34)}`, secrets: [] },
  { name: "a Google API key (AIza)", variable: "held", value: `AIza${alnum(35)}`, secrets: [] },
  { name: "a Google API key that ends in '-'", variable: "held", value: `AIza${alnum(34)}-`, secrets: [] },
  { name: "a private key", variable: "held", value: pem.value, secrets: pem.secrets },
  { name: "a JSON web token", variable: "held", value: jwt, secrets: [jwt] },
  { name: "an Authorization header's token", variable: "held", value: `Authorization: Bearer ${bearer}`, secrets: [bearer] },
  { name: "a password in a URL", variable: "held", value: `postgresql://admin:${urlPassword}@db.internal:5432/sales`, secrets: [urlPassword] },
  { name: "a literal given to a secret-like name (db_password)", variable: "db_password", value: namedPassword, secrets: [namedPassword] },
].map((c) => ({ ...c, secrets: c.secrets.length ? c.secrets : [c.value] }));

/** Everything a request told the model, message by message, as text. */
function requestText(body: unknown): string {
  return ((body as ChatRequest).messages ?? []).map((m) => messageText(m)).join("\n\n");
}

function leaked(text: string, secrets: string[]): string[] {
  return secrets.filter((secret) => text.includes(secret));
}

let server: FakeModelServer;
let kernel: StartedKernel;
let lenient: StartedKernel;

beforeAll(async () => {
  server = await startFakeModelServer({ chunkSize: 64 });
  [kernel, lenient] = await Promise.all([
    startKernel({ env: fakeModelEnv(server, { LUCI_SELF_REPAIR: "1" }) }),
    startKernel({ env: fakeModelEnv(server, { LUCI_SELF_REPAIR: "1", LUCI_VALIDATION_THRESHOLD: "0" }) }),
  ]);
});
afterAll(async () => {
  await kernel?.stop();
  await lenient?.stop();
  await server?.close();
});
beforeEach(() => server.reset());

describe("secrets held in the notebook do not reach the model, in the task's request or in the self-repair call", () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      const set = await kernel.client.execute(`${c.variable} = ${JSON.stringify(c.value)}`);
      expect(set.reply.content.status).toBe("ok");
      // A value given to a secret-like name is redacted where the name is seen (the cell's code,
      // the namespace); an error message that carries the bare value is not covered (reported).
      const raising = c.variable === "held" ? `raise ValueError(${c.variable})` : "raise ValueError('login failed for admin')";
      server.enqueue(answer({ code: raising }), codeOnly("print('repaired')"));
      const { reply } = await kernel.client.execute(`Check connection setting number ${i}`);
      expect(reply.content.status).toBe("ok");
      // Both calls were made, and the second carried the traceback.
      expect(server.chatRequests).toHaveLength(2);
      const [task, repair] = server.chatRequests.map((r) => requestText(r.body));
      expect(repair).toContain("ValueError");
      expect({ task: leaked(task!, c.secrets), repair: leaked(repair!, c.secrets) }).toEqual({ task: [], repair: [] });
    });
  }
});

describe("generated code that holds a key goes back to the model redacted, with its traceback", () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      const code =
        c.variable === "held" ? `raise ValueError(${JSON.stringify(c.value)})` : `${c.variable} = ${JSON.stringify(c.value)}\nraise ValueError("login failed")`;
      server.enqueue(answer({ code }), codeOnly("print('repaired')"));
      const { reply } = await lenient.client.execute(`Check key number ${i}`);
      expect(reply.content.status).toBe("ok");
      expect(server.chatRequests).toHaveLength(2);
      // The repair call's own message (the code that ran and its traceback); the messages before it
      // repeat the task's request and the model's own first answer.
      const body = server.chatRequests[1]!.body as ChatRequest;
      const message = messageText(body.messages.at(-1));
      expect(message).toContain("ValueError");
      expect(leaked(message, c.secrets)).toEqual([]);
    });
  }
});

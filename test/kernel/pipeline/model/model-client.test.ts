import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parseAnswer } from "../../../../kernel/pipeline/model/answer-parser.js";
import { taskMessages } from "../../../../kernel/pipeline/model/prompt.js";
import { GenerationInterrupted, ModelUnavailable } from "../../../../kernel/pipeline/model/errors.js";
import { ModelClient, type GenerateRequest } from "../../../../kernel/pipeline/model/model-client.js";
import { retryMessage } from "../../../../kernel/pipeline/model/retry-policy.js";
import { modelSettings, type ModelOverrides } from "../../../../kernel/pipeline/model/settings.js";
import { answer, answerText, separateReasoning, startFakeModelServer, toolCallAnswer, type FakeModelServer } from "../../../support/fake-model-server.js";

// The client's waits between attempts, as it made them (ms asked for; when each began and ended,
// on the fake server's clock): what Retry-After and the back-off are asserted on, not durations.
const sleeps = vi.hoisted(() => [] as { ms: number; began: number; ended: number }[]);
vi.mock("../../../../kernel/pipeline/model/retry-policy.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../../kernel/pipeline/model/retry-policy.js")>();
  const clock = () => performance.timeOrigin + performance.now();
  return {
    ...original,
    sleep: async (ms: number, signal: AbortSignal | undefined) => {
      const entry = { ms, began: clock(), ended: Number.NaN };
      sleeps.push(entry);
      await original.sleep(ms, signal);
      entry.ended = clock();
    },
  };
});

const MESSAGES: GenerateRequest["messages"] = [
  { role: "system", content: "You are Luci." },
  { role: "user", content: "Task: add 2 and 2" },
];
const FAST_RETRY = { baseDelayMs: 20 };

let server: FakeModelServer;

beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  sleeps.length = 0;
});

function client(overrides: ModelOverrides = {}, baseUrl = server.baseUrl): ModelClient {
  return new ModelClient(modelSettings({ LUCI_LLM_BASE_URL: baseUrl, LUCI_LLM_MODEL: "fake-coder" }, overrides), {
    retry: FAST_RETRY,
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the promise to reject");
}

describe("streaming", () => {
  it("hands tokens to onToken in order; their concatenation is the text", async () => {
    const reply = answerText({ code: "total = sum(range(10))\nprint(total)" });
    server.enqueue({ reply, chunkSize: 3 });
    const tokens: string[] = [];
    const result = await client().generate({ messages: MESSAGES, onToken: (t) => tokens.push(t) });
    expect(tokens.length).toBe(Math.ceil(reply.length / 3));
    expect(tokens.join("")).toBe(reply);
    expect(result.text).toBe(reply);
    expect(tokens).toEqual(server.chatRequests[0]!.chunks.map((c) => c.text));
    expect(result).toMatchObject({ model: "fake-coder", calls: 1, finishReason: "stop", toolCalls: [] });
    expect(result.usage?.completionTokens).toBeGreaterThan(0);
    const body = server.chatRequests[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: "fake-coder", stream: true, temperature: 0.1 });
    expect(body.response_format).toBeUndefined();
  });

  it("sends max_tokens when set and reports an answer cut short", async () => {
    server.enqueue({ reply: "```json\n{", finishReason: "length" });
    const result = await client({ maxTokens: 50 }).generate({ messages: MESSAGES });
    expect((server.chatRequests[0]!.body as Record<string, unknown>).max_tokens).toBe(50);
    expect(result.finishReason).toBe("length");
  });

  it("stops at once on abort: rejects with the partial text, hands over no token after the abort, and the socket closes", async () => {
    server.enqueue({ ...answer(), chunkSize: 1, chunkDelayMs: 40 });
    const controller = new AbortController();
    const tokens: string[] = [];
    let atAbort: string[] | undefined;
    const pending = client().generate({
      messages: MESSAGES,
      signal: controller.signal,
      onToken: (t) => {
        tokens.push(t);
        if (!atAbort)
          setTimeout(() => {
            atAbort = [...tokens];
            controller.abort();
          }, 0);
      },
    });
    const err = await rejection(pending);
    expect(err).toBeInstanceOf(GenerationInterrupted);
    expect(atAbort!.length).toBeGreaterThan(0);
    // The partial text is what had come when the abort came, and nothing came after it.
    expect((err as GenerationInterrupted).partialText).toBe(atAbort!.join(""));
    expect(tokens).toEqual(atAbort);
    await expect.poll(() => server.chatRequests[0]!.abortedByClient, { timeout: 30_000 }).toBe(true);
    expect(server.chatRequests[0]!.chunks.length).toBeLessThan(answerText().length);
  });

  it("an abort before the call sends nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(client().generate({ messages: MESSAGES, signal: controller.signal })).rejects.toBeInstanceOf(GenerationInterrupted);
    expect(server.chatRequests.length).toBe(0);
  });
});

describe("retries", () => {
  it("retries a 429 after Retry-After and reports it through onRetry", async () => {
    server.enqueue({ status: 429, retryAfter: 0.3 }, answer());
    const retries: [string, number][] = [];
    const result = await client().generate({ messages: MESSAGES, onRetry: (reason, wait) => retries.push([reason, wait]) });
    expect(retries).toEqual([["The model server is busy (HTTP 429)", 0.3]]);
    // One wait, of what Retry-After asked, after the 429 and before the second request.
    const [first, second] = server.chatRequests;
    expect(sleeps.map((s) => s.ms)).toEqual([300]);
    expect(sleeps[0]!.began).toBeGreaterThanOrEqual(first!.time);
    expect(second!.time).toBeGreaterThanOrEqual(sleeps[0]!.ended);
    expect(retryMessage(...retries[0]!)).toBe("The model server is busy (HTTP 429); retrying in 0.3 s…");
    expect(result.calls).toBe(2);
    expect(result.text).toBe(answerText());
  });

  it("gives up at once, in plain words, when Retry-After asks for more than 30 s", async () => {
    server.enqueue({ status: 429, retryAfter: 120 }, answer());
    const retries: number[] = [];
    const err = await rejection(client().generate({ messages: MESSAGES, onRetry: (_, w) => retries.push(w) }));
    expect(sleeps).toEqual([]); // no wait at all
    expect(server.chatRequests).toHaveLength(1);
    expect(err).toBeInstanceOf(ModelUnavailable);
    expect(err.message).toContain(`The model server at ${server.baseUrl} is busy (HTTP 429) and asks to wait 120 s`);
    expect((err as ModelUnavailable).status).toBe(429);
    expect(retries).toEqual([]);
  });

  it("stops after 2 retries of a 429", async () => {
    server.enqueue({ status: 429, retryAfter: 0.05 }, { status: 429, retryAfter: 0.05 }, { status: 429, retryAfter: 0.05 }, answer());
    const err = await rejection(client().generate({ messages: MESSAGES }));
    expect(err.message).toMatch(/busy \(HTTP 429\) \(tried 3 times\)/);
    expect(server.chatRequests.length).toBe(3);
  });

  it("retries a 500 with a back-off, then succeeds", async () => {
    server.enqueue({ status: 500, message: "CUDA out of memory" }, answer());
    const retries: [string, number][] = [];
    const result = await client().generate({ messages: MESSAGES, onRetry: (r, w) => retries.push([r, w]) });
    expect(retries).toEqual([["The model server failed (HTTP 500)", 0.02]]);
    expect(result.calls).toBe(2);
    expect(server.chatRequests.length).toBe(2);
  });

  it("after 2 retries of a 500 it says so, with the server's own words", async () => {
    server.enqueue({ status: 500, message: "CUDA out of memory" }, { status: 503 }, { status: 500, message: "CUDA out of memory" });
    const err = await rejection(client().generate({ messages: MESSAGES }));
    expect(err).toBeInstanceOf(ModelUnavailable);
    expect(err.message).toBe(`The model server at ${server.baseUrl} failed (HTTP 500) (tried 3 times): CUDA out of memory`);
  });

  it("retries a refused connection, then says the server cannot be reached", async () => {
    const port = await closedPort();
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    const retries: string[] = [];
    const err = await rejection(client({}, baseUrl).generate({ messages: MESSAGES, onRetry: (r) => retries.push(r) }));
    expect(retries).toEqual(["The model server could not be reached (connection refused)", "The model server could not be reached (connection refused)"]);
    expect(err).toBeInstanceOf(ModelUnavailable);
    expect(err.message).toBe(`Could not reach the model server at ${baseUrl} (tried 3 times): connection refused. Is it running?`);
    expect((err as ModelUnavailable).url).toBe(baseUrl);
  });

  it("does not retry a stream that broke after tokens were shown", async () => {
    server.enqueue({ dropAfter: 3 }, answer());
    const tokens: string[] = [];
    const err = await rejection(client().generate({ messages: MESSAGES, onToken: (t) => tokens.push(t) }));
    expect(tokens.length).toBe(3);
    expect(err).toBeInstanceOf(ModelUnavailable);
    expect(err.message).toContain("broke during the answer");
    expect(server.chatRequests.length).toBe(1);
  });
});

describe("timeouts", () => {
  it("a stream that stalls after its first chunk fails after the timeout, in plain words, with no retry", async () => {
    server.enqueue({ stall: true, firstChunk: "```json\n" }, answer());
    const err = await rejection(client({ timeoutSeconds: 0.3 }).generate({ messages: MESSAGES }));
    expect(err).toBeInstanceOf(ModelUnavailable);
    expect(err.message).toContain(`The model server at ${server.baseUrl} sent nothing for 0.3 s (the answer stopped arriving)`);
    expect(err.message).toContain("LUCI_LLM_TIMEOUT");
    expect(server.chatRequests.length).toBe(1);
    expect(sleeps).toEqual([]);
    // The client gave up on the connection (the server never ends a stall by itself).
    await expect.poll(() => server.chatRequests[0]!.abortedByClient, { timeout: 30_000 }).toBe(true);
  });

  it("a server that never sends headers fails after the timeout", async () => {
    server.enqueue({ stall: true, sendHeaders: false });
    const err = await rejection(client({ timeoutSeconds: 0.3 }).generate({ messages: MESSAGES }));
    expect(err).toBeInstanceOf(ModelUnavailable);
    expect(err.message).toContain("(no answer arrived)");
  });

  it("a slow but steady stream is not cut off by the timeout (it is a limit on silence)", async () => {
    // Eight chunks 0.4 s apart: the whole answer takes longer than the 2 s timeout, no silence does.
    const reply = answerText();
    server.enqueue({ reply, chunkSize: Math.ceil(reply.length / 8), chunkDelayMs: 400 });
    const result = await client({ timeoutSeconds: 2 }).generate({ messages: MESSAGES });
    expect(result.text).toBe(reply);
  });
});

describe("the API key", () => {
  const KEY = "sk-luci-test-5f4dcc3b5aa765d61d8327deb882cf99";

  it("is sent as a bearer token and never appears in an error, even when the server quotes it", async () => {
    const keyed = await startFakeModelServer({ apiKey: KEY });
    try {
      const quoted = { status: 500, message: `upstream rejected key ${KEY} (Authorization: Bearer ${KEY})` };
      keyed.enqueue(quoted, quoted, quoted);
      const c = new ModelClient(modelSettings({ LUCI_LLM_BASE_URL: keyed.baseUrl, LUCI_LLM_MODEL: "fake-coder", LUCI_LLM_API_KEY: KEY }), {
        retry: FAST_RETRY,
      });
      const reasons: string[] = [];
      const err = await rejection(c.generate({ messages: MESSAGES, onRetry: (r) => reasons.push(r) }));
      expect(keyed.chatRequests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(err).toBeInstanceOf(ModelUnavailable);
      expect(err.message).toContain("upstream rejected key [redacted]");
      expect(err.message).not.toContain(KEY);
      expect(err.message).not.toContain(KEY.slice(0, 10));
      expect(String(err.stack)).not.toContain(KEY);
      expect(reasons.join(" ")).not.toContain(KEY);
    } finally {
      await keyed.close();
    }
  });

  it("a wrong key gives a 401 that names the setting, not the key", async () => {
    const keyed = await startFakeModelServer({ apiKey: "the-right-one" });
    try {
      const c = new ModelClient(modelSettings({ LUCI_LLM_BASE_URL: keyed.baseUrl, LUCI_LLM_MODEL: "m", OPENAI_API_KEY: KEY }));
      const err = await rejection(c.generate({ messages: MESSAGES }));
      expect(err).toBeInstanceOf(ModelUnavailable);
      expect((err as ModelUnavailable).status).toBe(401);
      expect(err.message).toMatch(/refused the request \(HTTP 401\).*Check LUCI_LLM_API_KEY/);
      expect(err.message).not.toContain(KEY);
      expect(keyed.chatRequests.length).toBe(1);
    } finally {
      await keyed.close();
    }
  });
});

describe("reasoning and tool calls", () => {
  it.each(["reasoning_content", "reasoning"] as const)("passes reasoning streamed in `%s` to onReasoning, apart from the text", async (field) => {
    const scenario = separateReasoning("First I convert the rate. Then the formula.", { code: "print(1)" }, field);
    server.enqueue({ ...scenario, chunkSize: 5 });
    const reasoning: string[] = [];
    const tokens: string[] = [];
    const result = await client().generate({ messages: MESSAGES, onReasoning: (r) => reasoning.push(r), onToken: (t) => tokens.push(t) });
    expect(reasoning.join("")).toBe("First I convert the rate. Then the formula.");
    expect(reasoning.length).toBeGreaterThan(1);
    expect(result.text).toBe(scenario.reply);
    expect(tokens.join("")).toBe(scenario.reply);
  });

  it.each([false, true])("collects the code of a tool call (legacy function_call: %s), its argument pieces to onToolCall", async (legacy) => {
    const scenario = toolCallAnswer("import math\nprint(math.pi)", { legacy, prose: "1. Print pi" });
    server.enqueue({ ...scenario, chunkSize: 6 });
    const pieces: string[] = [];
    const result = await client().generate({ messages: MESSAGES, onToolCall: (p) => pieces.push(p) });
    expect(result.toolCalls).toEqual([{ name: "python", arguments: JSON.stringify({ code: "import math\nprint(math.pi)" }) }]);
    expect(pieces.join("")).toBe(result.toolCalls[0]!.arguments);
    expect(result.text).toBe("1. Print pi");
    expect(result.finishReason).toBe(legacy ? "function_call" : "tool_calls");
    expect(parseAnswer({ text: result.text, toolCalls: result.toolCalls }).code).toBe("import math\nprint(math.pi)\n");
  });
});

describe("a new task: one call, free text", () => {
  it("sends no response_format, and the answer reads", async () => {
    server.enqueue(answer({ code: "print(6 * 7)" }));
    const result = await client().generate({ messages: taskMessages("multiply 6 by 7") });
    expect(parseAnswer(result.text).code).toBe("print(6 * 7)\n");
    expect(server.chatRequests.map((r) => r.responseFormat)).toEqual(["none"]);
  });
});

describe("startup cost", () => {
  it("no file of the model layer imports the openai package's code statically", () => {
    const dir = join(import.meta.dirname, "../../../../kernel/pipeline/model");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(join(dir, file), "utf8");
      const staticImports = text.split("\n").filter((l) => /^import\s+(?!type\b).*from\s+["']openai/.test(l));
      expect(staticImports, file).toEqual([]);
    }
  });
});

/** A port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// The fake model server against the real `openai` client: if these pass, a kernel test that
// scripts the fake is testing the kernel, not the fake.
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  NO_SCENARIO_MESSAGE,
  answer,
  answerText,
  brokenJson,
  codeOnly,
  cutOffStream,
  empty,
  indentedFences,
  jsonAnswer,
  lastMessageText,
  listMarkerFences,
  refusal,
  separateReasoning,
  startFakeModelServer,
  toolCallAnswer,
  unfencedCode,
  withCrlf,
  wrongShape,
  type FakeModelServer,
  type FakeModelServerOptions,
} from "./fake-model-server.js";

const now = () => performance.timeOrigin + performance.now();
const user = (content: string) => [{ role: "user" as const, content }];

let server: FakeModelServer;
let client: OpenAI;

async function start(options: FakeModelServerOptions = {}, apiKey = "test-key"): Promise<void> {
  await server?.close();
  server = await startFakeModelServer(options);
  client = new OpenAI({ baseURL: server.baseUrl, apiKey, maxRetries: 0 });
}

beforeEach(() => start());
afterEach(() => server.close());

/** Collect a streamed completion: the text, each chunk's arrival time, and the usage chunk. */
async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  let text = "";
  const arrivals: number[] = [];
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    const piece = chunk.choices[0]?.delta.content;
    if (piece) {
      text += piece;
      arrivals.push(now());
    }
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, arrivals, usage };
}

describe("models and plain answers", () => {
  it("lists the default model, and configured ones", async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(["fake-coder"]);
    expect(page.data[0]?.object).toBe("model");
    await start({ models: ["a", "b"], ownedBy: "me" });
    const two = await client.models.list();
    expect(two.data.map((m) => [m.id, m.owned_by])).toEqual([
      ["a", "me"],
      ["b", "me"],
    ]);
  });

  it("answers a non-streamed request with the scripted content, finish_reason and usage", async () => {
    server.enqueue(answer({ code: "print('hi')" }), { reply: "cut", finishReason: "length" });
    const r = await client.chat.completions.create({ model: "fake-coder", messages: user("say hi") });
    expect(r.choices[0]?.message.content).toBe(answerText({ code: "print('hi')" }));
    expect(r.choices[0]?.finish_reason).toBe("stop");
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
    expect(r.usage?.total_tokens).toBe((r.usage?.prompt_tokens ?? 0) + (r.usage?.completion_tokens ?? 0));
    const second = await client.chat.completions.create({ model: "fake-coder", messages: user("again") });
    expect(second.choices[0]?.finish_reason).toBe("length");
    expect(server.pending).toHaveLength(0);
  });

  it("rejects an unknown model when asked to, as OpenAI does", async () => {
    await start({ rejectUnknownModels: true });
    server.enqueue(answer());
    const err = await client.chat.completions.create({ model: "nope", messages: user("x") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(server.pending).toHaveLength(1);
  });
});

describe("streaming", () => {
  it("reassembles to the scripted text, in chunks of the set size, with usage only when asked", async () => {
    const text = answerText({ prose: { before: "Here you go:", after: "Done." } });
    server.enqueue({ reply: text, chunkSize: 7 }, { reply: "abcdef", chunkSize: 2 });
    const withUsage = await collect(
      await client.chat.completions.create({
        model: "fake-coder",
        messages: user("go"),
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(withUsage.text).toBe(text);
    expect(server.chatRequests[0]?.chunks).toHaveLength(Math.ceil(text.length / 7));
    expect(withUsage.usage?.completion_tokens).toBeGreaterThan(0);
    const without = await collect(await client.chat.completions.create({ model: "fake-coder", messages: user("go"), stream: true }));
    expect(without.text).toBe("abcdef");
    expect(without.usage).toBeUndefined();
    expect(server.chatRequests[1]?.chunks.map((c) => c.text)).toEqual(["ab", "cd", "ef"]);
  });

  it("spreads a slow stream over time and records when each chunk left", async () => {
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      server.enqueue({ reply: "x".repeat(50), chunkSize: 10, chunkDelayMs: 40 });
      const got = await collect(await client.chat.completions.create({ model: "fake-coder", messages: user("slow"), stream: true }));
      expect(got.arrivals).toHaveLength(5);
      // A wait of chunkDelayMs before each of the five chunks.
      expect(timers.mock.calls.filter((call) => call[1] === 40)).toHaveLength(5);
      const sent = server.chatRequests[0]!.chunks;
      expect(sent.map((c) => c.index)).toEqual([0, 1, 2, 3, 4]);
      for (let i = 0; i < sent.length; i++) {
        // Same clock on both sides: chunks leave in order, and each arrives after it was written.
        if (i > 0) expect(sent[i]!.time).toBeGreaterThanOrEqual(sent[i - 1]!.time);
        expect(got.arrivals[i]!).toBeGreaterThanOrEqual(sent[i]!.time);
      }
    } finally {
      timers.mockRestore();
    }
  });

  it("streams an empty answer and a refusal as they are", async () => {
    server.enqueue(empty(), refusal());
    const a = await collect(await client.chat.completions.create({ model: "m", messages: user("1"), stream: true }));
    const b = await collect(await client.chat.completions.create({ model: "m", messages: user("2"), stream: true }));
    expect(a.text).toBe("");
    expect(b.text).toBe("I can't help with that.");
  });
});

describe("reasoning, tool calls and streams with no end", () => {
  /** The raw deltas of a stream, with the fields the openai types lack. */
  async function deltas(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
    const out: { delta: Record<string, unknown>; finish: string | null }[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice) out.push({ delta: choice.delta as unknown as Record<string, unknown>, finish: choice.finish_reason });
    }
    return out;
  }

  it("sends reasoning before the content, in the field asked for, and records its chunks apart", async () => {
    server.enqueue({ ...separateReasoning("think hard", { code: "print(1)" }, "reasoning"), chunkSize: 5 });
    const got = await deltas(await client.chat.completions.create({ model: "m", messages: user("x"), stream: true }));
    const reasoning = got.map((d) => d.delta.reasoning).filter((r): r is string => typeof r === "string");
    expect(reasoning.join("")).toBe("think hard");
    expect(got.findIndex((d) => d.delta.reasoning)).toBeLessThan(got.findIndex((d) => d.delta.content));
    expect(got.some((d) => "reasoning_content" in d.delta)).toBe(false);
    expect(
      server.chatRequests[0]!.chunks.filter((c) => c.kind === "reasoning")
        .map((c) => c.text)
        .join(""),
    ).toBe("think hard");
  });

  it("streams a tool call as OpenAI does: the name first, then the arguments in pieces, then finish_reason tool_calls", async () => {
    server.enqueue({ ...toolCallAnswer("print(1)"), chunkSize: 4 });
    const got = await deltas(await client.chat.completions.create({ model: "m", messages: user("x"), stream: true }));
    const calls = got.flatMap(
      (d) => (d.delta.tool_calls as { index: number; id?: string; function?: { name?: string; arguments?: string } }[] | undefined) ?? [],
    );
    expect(calls[0]).toMatchObject({ index: 0, function: { name: "python", arguments: "" } });
    expect(calls[0]!.id).toMatch(/^call_/);
    expect(calls.map((c) => c.function?.arguments ?? "").join("")).toBe('{"code":"print(1)"}');
    expect(got.at(-1)!.finish).toBe("tool_calls");
  });

  it("the legacy function_call, and a non-streamed tool call", async () => {
    server.enqueue(toolCallAnswer("print(2)", { legacy: true, raw: true }), toolCallAnswer("print(3)"));
    const got = await deltas(await client.chat.completions.create({ model: "m", messages: user("x"), stream: true }));
    const args = got.map((d) => (d.delta.function_call as { arguments?: string } | undefined)?.arguments ?? "").join("");
    expect(args).toBe("print(2)");
    expect(got.at(-1)!.finish).toBe("function_call");
    const whole = await client.chat.completions.create({ model: "m", messages: user("x") });
    expect(whole.choices[0]?.message.tool_calls?.[0]).toMatchObject({ type: "function", function: { name: "python", arguments: '{"code":"print(3)"}' } });
  });

  it("a stream with no finish_reason ends with [DONE] alone", async () => {
    server.enqueue(cutOffStream());
    const got = await deltas(await client.chat.completions.create({ model: "m", messages: user("x"), stream: true }));
    expect(got.every((d) => d.finish === null)).toBe(true);
    expect(got.map((d) => (typeof d.delta.content === "string" ? d.delta.content : "")).join("")).toBe(cutOffStream().reply);
  });

  it("records the response_format a request asked for (Luci asks for none)", async () => {
    server.enqueue({ reply: '{"a": 1}' }, { reply: "x" });
    await client.chat.completions.create({ model: "m", messages: user("x"), response_format: { type: "json_object" } });
    await client.chat.completions.create({ model: "m", messages: user("x") });
    expect(server.chatRequests.map((q) => q.responseFormat)).toEqual(["json_object", "none"]);
  });
});

describe("faults", () => {
  it("429 with Retry-After reaches the client with its status and header", async () => {
    server.enqueue({ status: 429, retryAfter: 7 });
    const err = await client.chat.completions.create({ model: "m", messages: user("x") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.status).toBe(429);
    expect(e.headers.get("retry-after")).toBe("7");
    expect(e.message).toContain("Rate limit");
  });

  it("the openai client's own retry waits as Retry-After says, then gets the next scenario", async () => {
    // 0.1 s: shorter than the client's own first back-off (375-500 ms), so honouring is visible.
    server.enqueue({ status: 429, retryAfter: 0.1 }, { reply: "after the wait" });
    const retrying = new OpenAI({ baseURL: server.baseUrl, apiKey: "k", maxRetries: 1 });
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      const r = await retrying.chat.completions.create({ model: "m", messages: user("x") });
      expect(r.choices[0]?.message.content).toBe("after the wait");
      // The client's wait before its retry is the 100 ms Retry-After asked for.
      expect(timers.mock.calls.map((call) => call[1])).toContain(100);
    } finally {
      timers.mockRestore();
    }
    const [first, second] = server.chatRequests;
    expect(first?.status).toBe(429);
    expect(second?.status).toBe(200);
  });

  it("500 and a scripted 400 reach the client as such", async () => {
    server.enqueue({ status: 500 }, { status: 400, message: "context length exceeded" });
    const e500 = await client.chat.completions.create({ model: "m", messages: user("x") }).catch((e: unknown) => e);
    expect(e500).toBeInstanceOf(OpenAI.InternalServerError);
    const e400 = await client.chat.completions.create({ model: "m", messages: user("x") }).catch((e: unknown) => e);
    expect(e400).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e400 as Error).message).toContain("context length exceeded");
  });

  it("a request with nothing queued gets a clear 500", async () => {
    const err = await client.chat.completions.create({ model: "m", messages: user("unscripted task") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as Error).message).toContain(NO_SCENARIO_MESSAGE);
    expect((err as Error).message).toContain("unscripted task");
  });

  it("a stall with no headers is ended by the client's timeout", async () => {
    server.enqueue({ stall: true, sendHeaders: false });
    const err = await client.chat.completions.create({ model: "m", messages: user("x") }, { timeout: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await expect.poll(() => server.chatRequests[0]?.abortedByClient, { timeout: 30_000 }).toBe(true);
  });

  it("a streamed stall after a first chunk is ended by an AbortSignal, and the server sees the abort", async () => {
    server.enqueue({ stall: true, firstChunk: "Let me think" });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: "m", messages: user("x"), stream: true }, { signal: controller.signal });
    let text = "";
    // The openai Stream ends its iteration quietly on abort rather than throwing.
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (text && !controller.signal.aborted) setTimeout(() => controller.abort(), 200);
    }
    expect(controller.signal.aborted).toBe(true);
    expect(text).toBe("Let me think");
    await expect.poll(() => server.chatRequests[0]?.abortedByClient, { timeout: 30_000 }).toBe(true);
  });

  it("a non-streamed stall after headers is ended by AbortSignal.timeout", async () => {
    server.enqueue({ stall: true });
    const err = await client.chat.completions.create({ model: "m", messages: user("x") }, { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    // The body's read is aborted (a DOMException from fetch): not a timeout of the client's own.
    expect((err as Error).name).toMatch(/^(AbortError|TimeoutError)$/);
    await expect.poll(() => server.chatRequests[0]?.abortedByClient, { timeout: 30_000 }).toBe(true);
  });

  it("close() does not wait for stalled connections", async () => {
    // The stalls never end by themselves: close() resolving at all shows it did not wait for them.
    server.enqueue({ stall: true }, { stall: true, sendHeaders: false });
    const failure = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
    const a = client.chat.completions.create({ model: "m", messages: user("1"), stream: true }).catch(failure);
    const b = client.chat.completions.create({ model: "m", messages: user("2") }).catch(failure);
    await server.waitForChatRequests(2);
    await server.close();
    // Both clients learn that the connection is gone instead of hanging.
    const results = await Promise.all([a.then(async (s) => (s instanceof Error ? s : collect(s).catch(failure))), b]);
    for (const r of results) expect(r).toBeInstanceOf(Error);
  });

  it("dropAfter cuts a stream after n chunks: the client gets those, then an error", async () => {
    server.enqueue({ dropAfter: 3, reply: "aaaabbbbccccdddd", chunkSize: 4 });
    const stream = await client.chat.completions.create({ model: "m", messages: user("x"), stream: true });
    let text = "";
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(text).toBe("aaaabbbbcccc");
    expect(server.chatRequests[0]?.chunks).toHaveLength(3);
    expect(server.chatRequests[0]?.cutByServer).toBe(true);
    expect(server.chatRequests[0]?.abortedByClient).not.toBe(true);
  });

  it("dropAfter on a non-streamed request gives the client an error", async () => {
    server.enqueue({ dropAfter: 0 });
    const err = await client.chat.completions.create({ model: "m", messages: user("x") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });
});

describe("API key", () => {
  it("answers 401 with an OpenAI-style error for a wrong key, and serves the right one", async () => {
    await start({ apiKey: "sekret" }, "wrong");
    server.enqueue({ reply: "hello" });
    const err = await client.models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    const e = err as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(e.status).toBe(401);
    expect(e.code).toBe("invalid_api_key");
    const chatErr = await client.chat.completions.create({ model: "m", messages: user("x") }).catch((x: unknown) => x);
    expect(chatErr).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(server.pending).toHaveLength(1);
    const good = new OpenAI({ baseURL: server.baseUrl, apiKey: "sekret", maxRetries: 0 });
    const r = await good.chat.completions.create({ model: "m", messages: user("x") });
    expect(r.choices[0]?.message.content).toBe("hello");
  });
});

describe("recording and choosing scenarios", () => {
  it("records every request with method, path, headers, parsed body and time", async () => {
    server.enqueue({ reply: "ok" });
    await client.models.list();
    await client.chat.completions.create({ model: "fake-coder", messages: user("the task"), temperature: 0.1 });
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([
      ["GET", "/v1/models"],
      ["POST", "/v1/chat/completions"],
    ]);
    const chat = server.chatRequests[0]!;
    expect(chat.headers.authorization).toBe("Bearer test-key");
    expect(chat.body).toMatchObject({ model: "fake-coder", temperature: 0.1, messages: user("the task") });
    expect(chat.stream).toBe(false);
    expect(chat.time).toBeGreaterThanOrEqual(server.requests[0]!.time);
    expect(chat.endTime).toBeGreaterThanOrEqual(chat.time);
  });

  it("a `when` predicate picks a scenario out of order; the default answers the rest; reset forgets", async () => {
    server.enqueue({ reply: "plan and code" }, { ...codeOnly("print(1)"), when: (r) => lastMessageText(r).includes("Traceback") });
    const fix = await client.chat.completions.create({ model: "m", messages: user("Traceback: NameError") });
    expect(fix.choices[0]?.message.content).toBe("```python\nprint(1)\n```");
    expect(server.pending.map((s) => ("reply" in s ? s.reply : ""))).toEqual(["plan and code"]);
    const first = await client.chat.completions.create({ model: "m", messages: user("task") });
    expect(first.choices[0]?.message.content).toBe("plan and code");
    server.setDefault({ reply: "default" });
    for (let i = 0; i < 2; i++) {
      const r = await client.chat.completions.create({ model: "m", messages: user("more") });
      expect(r.choices[0]?.message.content).toBe("default");
    }
    server.enqueue({ reply: "left over" });
    server.reset();
    expect(server.pending).toHaveLength(0);
    expect(server.requests).toHaveLength(0);
    const err = await client.chat.completions.create({ model: "m", messages: user("x") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
  });
});

describe("answer builders", () => {
  const block = (text: string, lang: string) => new RegExp("```" + lang + "\\n([\\s\\S]*?)\\n```").exec(text)?.[1];

  it("answer(): a numbered plan, then one python block, prose around them", () => {
    const text = answer({ plan: ["First", "Second"], code: "x = 1", prose: { before: "Before.", after: "After." } }).reply;
    expect(text).toBe("Before.\n\n1. First\n2. Second\n\n```python\nx = 1\n```\n\nAfter.");
    expect(answerText()).toContain("1. compute the result and print it");
  });

  it("jsonAnswer(): JSON then Python; the shapes real models add", () => {
    expect(JSON.parse(block(jsonAnswer().reply, "json")!)).toHaveProperty("plan.steps");
    expect(listMarkerFences().reply.startsWith("1. ```json\n{")).toBe(true);
    expect(listMarkerFences().reply).toContain("\n2. ```python\n");
    expect(indentedFences({ code: "a = 1" }).reply).toContain("2. **Write the Python Code:**\n   ```python\n   a = 1\n   ```");
    expect(withCrlf(answer()).reply).toBe(answerText().replace(/\n/g, "\r\n"));
  });

  it("unfencedCode and wrongShape", () => {
    const unfenced = unfencedCode({ code: "y = 2" }).reply;
    expect(unfenced).not.toContain("```");
    expect(unfenced.endsWith("\n\ny = 2")).toBe(true);
    const wrong = JSON.parse(block(wrongShape().reply, "json")!) as Record<string, unknown>;
    expect(wrong).toHaveProperty("analysis");
    expect(wrong).not.toHaveProperty("plan");
    const typed = JSON.parse(block(wrongShape({}, { set: { plan: "a string" } }).reply, "json")!) as Record<string, unknown>;
    expect(typed.plan).toBe("a string");
  });

  it.each(["truncated", "trailing-comma", "single-quotes"] as const)("brokenJson(%s) does not parse", (kind) => {
    const text = brokenJson(kind).reply;
    const json = block(text, "json");
    expect(json).toBeDefined();
    expect(() => {
      JSON.parse(json!);
    }).toThrow();
    expect(block(text, "python")).toBeDefined();
  });
});

// The model server's HTTP API with the real model loaded in this process (the 0.5B model: a
// second to load, tens of tokens a second on two cores), through the `openai` package as a
// kernel uses it, and raw HTTP where the wire itself is the point. Answers are kept short.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLlamaBackend } from "../../../../kernel/local-model/server/llama-backend.js";
import { startOpenAiServer, type CompletionSummary, type OpenAiServer } from "../../../../kernel/local-model/server/openai-server.js";
import type { ChatBackend } from "../../../../kernel/local-model/server/chat-backend.js";
import { testModelFile } from "../../../support/test-model.js";
import { stringMatching } from "../../../support/matchers.js";

const TOKEN = "test-token-0123456789";
const MODEL = "test-model";

let backend: ChatBackend;
let server: OpenAiServer;
let client: OpenAI;
const log: string[] = [];
const ended: CompletionSummary[] = [];

beforeAll(async () => {
  server = await startOpenAiServer({ token: TOKEN, model: MODEL, log: (line) => log.push(line), onCompletionEnd: (s) => ended.push(s) });
  backend = await loadLlamaBackend({ modelFile: testModelFile(), contextSize: 2048, log: () => {} });
  server.setBackend(backend);
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: TOKEN, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await backend?.close();
});

const ask = (text: string) => [{ role: "user" as const, content: text }];

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; log:\n${log.join("\n")}`);
}

describe("the model server's API", () => {
  it("lists the loaded model and refuses a wrong token on every route", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL]);

    const stranger = new OpenAI({ baseURL: server.baseUrl, apiKey: "wrong", maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toMatchObject({ status: 401, code: "invalid_api_key" });
    for (const [method, path] of [
      ["GET", "/v1/models"],
      ["POST", "/v1/chat/completions"],
      ["GET", "/nowhere"],
    ] as const) {
      const response = await fetch(`${server.baseUrl.replace(/\/v1$/, "")}${path}`, { method, body: method === "POST" ? "{}" : undefined });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    }
    const unknown = await fetch(`${server.baseUrl}/nowhere`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(unknown.status).toBe(404);
  });

  it("answers a bad body with 400 and a body over the limit with 413, as OpenAI error JSON", async () => {
    const post = (body: string) =>
      fetch(`${server.baseUrl}/chat/completions`, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" }, body });
    const broken = await post("{not json");
    expect(broken.status).toBe(400);
    const noMessages = await post(JSON.stringify({ model: MODEL, messages: [] }));
    expect(noMessages.status).toBe(400);
    expect(await noMessages.json()).toMatchObject({ error: { param: "messages", type: "invalid_request_error" } });
    const huge = await post(JSON.stringify({ messages: [{ role: "user", content: "x".repeat(5 * 1024 * 1024) }] }));
    expect(huge.status).toBe(413);
  });

  it("streams an answer through the openai package, with finish_reason and a usage chunk, then [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "system", content: "You answer in one short sentence." }, ...ask("What is the capital of France?")],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 24,
      temperature: 0,
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toMatch(/Paris/);
    expect(text).not.toMatch(/<\|im_(start|end)\|>/); // the chat template's tokens stay out of the answer
    expect(["stop", "length"]).toContain(finish);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(usage?.prompt_tokens).toBeGreaterThan(10);

    // The wire itself: the events end with data: [DONE].
    const raw = await fetch(`${server.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: MODEL, messages: ask("Say hi."), stream: true, max_tokens: 4, temperature: 0 }),
    });
    expect(raw.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = (await raw.text()).trim().split("\n\n");
    expect(events.at(-1)).toBe("data: [DONE]");
    expect(JSON.parse(events.at(-2)!.slice("data: ".length))).toMatchObject({
      object: "chat.completion.chunk",
      choices: [{ finish_reason: stringMatching(/^(stop|length)$/) }],
    });
  });

  it("queues two clients at once and gives both a complete answer", async () => {
    const before = server.stats().completed;
    const [a, b] = await Promise.all([
      client.chat.completions.create({ model: MODEL, messages: ask("Name a colour."), max_tokens: 16, temperature: 0 }),
      client.chat.completions.create({ model: MODEL, messages: ask("Name an animal."), max_tokens: 16, temperature: 0 }),
    ]);
    for (const answer of [a, b]) {
      expect(answer.choices[0]!.message.content!.trim().length).toBeGreaterThan(0);
      expect(["stop", "length"]).toContain(answer.choices[0]!.finish_reason);
    }
    expect(server.stats().completed).toBe(before + 2);
    expect(log.some((line) => /waiting behind 1/.test(line))).toBe(true);
  });

  it("stops a generation whose client leaves, drops a queued request whose client left, and serves the next", async () => {
    ended.length = 0;
    const leaver = new AbortController();
    const long = await client.chat.completions.create(
      { model: MODEL, messages: ask("Count from 1 to 300, one number per line."), stream: true, max_tokens: 300, temperature: 0 },
      { signal: leaver.signal },
    );
    const iterator = long[Symbol.asyncIterator]();
    let received = 0;
    while (received < 3) {
      const next = await iterator.next();
      if (next.done) throw new Error(`the stream ended after ${received} tokens, before three`);
      if (next.value.choices[0]?.delta.content) received++;
    }

    // Two more arrive while it generates: they wait.
    const patient = client.chat.completions.create({ model: MODEL, messages: ask("Say yes."), max_tokens: 8, temperature: 0 });
    const impatient = new AbortController();
    const gone = client.chat.completions.create({ model: MODEL, messages: ask("Say no."), max_tokens: 8, temperature: 0 }, { signal: impatient.signal });
    gone.catch(() => {});
    await until(() => server.stats().queued === 2, "two queued requests");

    impatient.abort();
    await until(() => ended.length === 1, "the queued request to be dropped");
    expect(ended[0]!.outcome).toBe("dropped");
    expect(server.stats().generating).toBe(true);

    leaver.abort();
    const answer = await patient;
    expect(answer.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(ended.map((s) => s.outcome)).toEqual(["dropped", "aborted", expect.stringMatching(/^(stop|length)$/)]);
    // It stopped where it was, far short of its 300 tokens.
    expect(ended[1]!.usage!.completionTokens).toBeLessThan(150);
    expect(server.stats()).toMatchObject({ generating: false, queued: 0 });
    await expect(gone).rejects.toThrow();
  });
});

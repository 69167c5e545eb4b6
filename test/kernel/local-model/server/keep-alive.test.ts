// A streamed answer that waits (behind another kernel's answer, or while a long prompt is read)
// must not look like a dead server to a client that gives up on silence: the server sends an
// empty delta every few seconds until its first token. In process, with a scripted backend: what
// is tested is the HTTP layer's behaviour while the model is busy, which a real model cannot be
// told to be on demand.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatBackend, GenerationOutcome } from "../../../../kernel/local-model/server/chat-backend.js";
import { startOpenAiServer, type OpenAiServer } from "../../../../kernel/local-model/server/openai-server.js";

const TOKEN = "keep-alive-token";

/** A backend whose answers wait until released: the first one holds the queue. */
class HeldBackend implements ChatBackend {
  readonly contextSize = 4096;
  private releases: (() => void)[] = [];
  measure() {
    return { ok: true as const, promptTokens: 10, room: 100 };
  }
  async generate(_request: unknown, _signal: AbortSignal, onText: (text: string) => void): Promise<GenerationOutcome> {
    await new Promise<void>((release) => this.releases.push(release));
    onText("print('hi')");
    return { kind: "finished", finishReason: "stop", usage: { promptTokens: 10, cachedPromptTokens: 0, completionTokens: 3 } };
  }
  releaseOne(): boolean {
    const release = this.releases.shift();
    release?.();
    return release !== undefined;
  }
  async close() {}
}

let server: OpenAiServer;
const backend = new HeldBackend();

beforeAll(async () => {
  server = await startOpenAiServer({ token: TOKEN, model: "m", keepAliveMs: 50, log: () => {} });
  server.setBackend(backend);
});
afterAll(async () => server?.close());

describe("a streamed answer that has to wait", () => {
  it("sends empty deltas while queued, then the answer; the answer's text is unchanged", async () => {
    const client = new OpenAI({ baseURL: server.baseUrl, apiKey: TOKEN, maxRetries: 0 });
    const collect = async () => {
      const stream = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
      const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    };
    const first = collect();
    const second = collect();
    // Let both wait a while (many keep-alive periods), then release them one after the other.
    await new Promise((r) => setTimeout(r, 600));
    while (!backend.releaseOne()) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    while (!backend.releaseOne()) await new Promise((r) => setTimeout(r, 20));
    for (const chunks of await Promise.all([first, second])) {
      const empty = chunks.filter((c) => c.choices[0] && Object.keys(c.choices[0].delta).length === 0 && c.choices[0].finish_reason === null);
      expect(empty.length).toBeGreaterThanOrEqual(3);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("print('hi')");
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
      // Nothing after the first token is a keep-alive.
      const firstText = chunks.findIndex((c) => c.choices[0]?.delta.content);
      expect(chunks.slice(firstText + 1).filter((c) => Object.keys(c.choices[0]?.delta ?? {}).length === 0 && !c.choices[0]?.finish_reason)).toEqual([]);
    }
  });
});

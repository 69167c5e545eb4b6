// A fake OpenAI-compatible model server on loopback: real HTTP and real SSE timing, replaying
// scripted scenarios, so the kernel's model client is tested with the real `openai` package.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { listeningPort } from "../../../kernel/common/listening-port.js";
import type {
  ChatRequest,
  DropScenario,
  ErrorScenario,
  FakeModelServer,
  FakeModelServerOptions,
  RecordedRequest,
  ReplyScenario,
  Scenario,
  SentChunk,
  StallScenario,
  Usage,
} from "./types.js";

// The body of a chat request, as far as the fake reads it (types.ts' ChatRequest); anything
// else in it is kept as it is.
const ContentPartSchema = z.object({ type: z.string(), text: z.string().optional() }).passthrough();
const ChatRequestSchema = z
  .object({
    model: z.string().optional(),
    messages: z.array(z.object({ role: z.string(), content: z.union([z.string(), z.array(ContentPartSchema)]).nullish() }).passthrough()),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullish(),
    response_format: z.object({ type: z.string() }).passthrough().nullish(),
    temperature: z.number().optional(),
    max_tokens: z.number().optional(),
  })
  .passthrough();

export const NO_SCENARIO_MESSAGE = "fake model server: no scenario queued for this request";

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number, timers: Set<NodeJS.Timeout>): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "invalid_request_error",
  404: "invalid_request_error",
  429: "rate_limit_exceeded",
  500: "server_error",
  503: "server_error",
};

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: { type?: string; code?: string | null; param?: string | null; headers?: Record<string, string> } = {},
): void {
  const body = JSON.stringify({
    error: {
      message,
      type: extra.type ?? ERROR_TYPES[status] ?? "server_error",
      param: extra.param ?? null,
      code: extra.code ?? null,
    },
  });
  res.writeHead(status, { "content-type": "application/json", ...extra.headers });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function promptText(request: ChatRequest): string {
  return request.messages.map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? ""))).join("\n");
}

function split(text: string, size: number): string[] {
  const chunks: string[] = [];
  // Split on code points, so a chunk boundary never cuts a surrogate pair.
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; i += size) chunks.push(chars.slice(i, i + size).join(""));
  return chunks;
}

const FILLER = "This answer is being written slowly and will never be complete. ".repeat(8);

export async function startFakeModelServer(opts: FakeModelServerOptions = {}): Promise<FakeModelServer> {
  const options: FakeModelServer["options"] = {
    models: opts.models ?? ["fake-coder"],
    ownedBy: opts.ownedBy ?? "luci-tests",
    apiKey: opts.apiKey,
    rejectUnknownModels: opts.rejectUnknownModels ?? false,
    chunkSize: opts.chunkSize ?? 4,
    chunkDelayMs: opts.chunkDelayMs ?? 0,
  };
  let queue: Scenario[] = [];
  let fallback: Scenario | undefined = opts.defaultScenario;
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<() => void>();
  let counter = 0;
  let closed = false;

  const chatRequests = (): RecordedRequest[] => requests.filter((r) => r.method === "POST" && r.path.endsWith("/chat/completions"));

  /** A queued scenario whose `when` accepts the request comes first (so the answer to a
   * self-repair call can be queued up front and still go to it); then the first one with no
   * `when`; then the default. */
  function take(request: ChatRequest): Scenario | undefined {
    let i = queue.findIndex((s) => s.when?.(request) === true);
    if (i < 0) i = queue.findIndex((s) => !s.when);
    if (i >= 0) return queue.splice(i, 1)[0];
    if (fallback && (!fallback.when || fallback.when(request))) return fallback;
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(req);
    let body: unknown;
    let parseFailed = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        parseFailed = true;
      }
    }
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      headers: req.headers,
      body,
      time: now(),
      chunks: [],
    };
    requests.push(record);
    for (const wake of [...waiters]) wake();
    res.on("finish", () => (record.endTime ??= now()));
    res.on("close", () => {
      record.endTime ??= now();
      if (!res.writableFinished) record.abortedByClient = !closed && !record.cutByServer;
    });

    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      record.rejected = "unauthorized";
      record.status = 401;
      return sendError(res, 401, "Incorrect API key provided.", { code: "invalid_api_key" });
    }

    const path = url.pathname.replace(/\/+$/, "");
    if (req.method === "GET" && path === "/v1/models") {
      record.status = 200;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          object: "list",
          data: options.models.map((id) => ({ id, object: "model", created: 0, owned_by: options.ownedBy })),
        }),
      );
      return;
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      record.status = 404;
      record.rejected = "unknown-path";
      return sendError(res, 404, `fake model server: no route for ${req.method} ${url.pathname}`);
    }
    const checked = ChatRequestSchema.safeParse(body);
    if (parseFailed || !checked.success) {
      record.status = 400;
      record.rejected = "bad-body";
      return sendError(res, 400, "fake model server: the body must be JSON with a messages array");
    }
    const request: ChatRequest = checked.data;
    record.stream = request.stream === true;
    record.responseFormat = request.response_format?.type ?? "none";

    if (options.rejectUnknownModels && !options.models.includes(String(request.model))) {
      record.status = 404;
      record.rejected = "unknown-model";
      return sendError(res, 404, `The model \`${String(request.model)}\` does not exist.`, {
        code: "model_not_found",
      });
    }
    const scenario = take(request);
    if (!scenario) {
      record.status = 500;
      const last = request.messages.at(-1);
      const hint = typeof last?.content === "string" ? last.content.slice(0, 200) : "";
      return sendError(res, 500, `${NO_SCENARIO_MESSAGE} (last message: ${JSON.stringify(hint)})`, {
        code: "no_scenario",
      });
    }
    record.scenario = scenario;
    if (scenario.delayMs) await sleep(scenario.delayMs, timers);
    if (res.destroyed) return;

    if ("status" in scenario) return answerError(res, record, scenario);
    if ("stall" in scenario) return answerStall(res, record, request, scenario);
    if ("dropAfter" in scenario) return answerDrop(res, record, request, scenario);
    return answerReply(res, record, request, scenario);
  }

  function answerError(res: ServerResponse, record: RecordedRequest, s: ErrorScenario): void {
    record.status = s.status;
    const headers: Record<string, string> = {};
    if (s.retryAfter !== undefined) headers["retry-after"] = String(s.retryAfter);
    const message = s.message ?? (s.status === 429 ? "Rate limit reached. Please try again later." : `fake model server: scripted ${s.status}`);
    sendError(res, s.status, message, { type: s.type, code: s.code, headers });
  }

  const ids = () => ({ id: `chatcmpl-fake-${++counter}`, created: Math.floor(Date.now() / 1000) });

  function chunkPayload(meta: { id: string; created: number }, model: string, delta: Record<string, unknown>, finish: string | null): string {
    const chunk = {
      ...meta,
      object: "chat.completion.chunk",
      model,
      system_fingerprint: "fake",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }

  function startStream(res: ServerResponse, record: RecordedRequest): void {
    record.status = 200;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.flushHeaders();
  }

  /** Write chunks with a real timer between them; false when the socket went away. */
  async function streamChunks(
    res: ServerResponse,
    record: RecordedRequest,
    meta: { id: string; created: number },
    model: string,
    pieces: string[],
    delayMs: number,
    kind: SentChunk["kind"] = "content",
    delta: (text: string) => Record<string, unknown> = (content) => ({ content }),
  ): Promise<boolean> {
    for (const text of pieces) {
      await sleep(delayMs, timers);
      if (res.destroyed || closed) return false;
      record.chunks.push({ index: record.chunks.length, text, kind, time: now() });
      res.write(chunkPayload(meta, model, delta(text), null));
    }
    return true;
  }

  async function answerReply(res: ServerResponse, record: RecordedRequest, request: ChatRequest, s: ReplyScenario): Promise<void> {
    const model = request.model ?? options.models[0] ?? "fake-coder";
    const tool = s.toolCall;
    const finish = s.finishReason === undefined ? (tool ? (tool.legacy ? "function_call" : "tool_calls") : "stop") : s.finishReason;
    const reasoningField = s.reasoningField ?? "reasoning_content";
    const toolId = `call_fake_${counter + 1}`;
    const usage: Usage = s.usage ?? {
      prompt_tokens: estimateTokens(promptText(request)),
      completion_tokens: estimateTokens(s.reply),
      total_tokens: estimateTokens(promptText(request)) + estimateTokens(s.reply),
    };
    const meta = ids();
    if (!request.stream) {
      record.status = 200;
      const message: Record<string, unknown> = { role: "assistant", content: s.reply, refusal: null };
      if (s.reasoning) message[reasoningField] = s.reasoning;
      if (tool?.legacy) message.function_call = { name: tool.name, arguments: tool.arguments };
      else if (tool) message.tool_calls = [{ id: toolId, type: "function", function: { name: tool.name, arguments: tool.arguments } }];
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          ...meta,
          object: "chat.completion",
          model,
          system_fingerprint: "fake",
          choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
          usage,
        }),
      );
      return;
    }
    startStream(res, record);
    res.write(chunkPayload(meta, model, { role: "assistant", content: "" }, null));
    const size = s.chunkSize ?? options.chunkSize;
    const delay = s.chunkDelayMs ?? options.chunkDelayMs;
    if (s.reasoning) {
      const sent = await streamChunks(res, record, meta, model, split(s.reasoning, size), delay, "reasoning", (text) => ({ [reasoningField]: text }));
      if (!sent) return;
    }
    if (!(await streamChunks(res, record, meta, model, split(s.reply, size), delay))) return;
    if (tool) {
      // The first chunk names the call, the next ones carry its arguments, as OpenAI streams them.
      const head = tool.legacy
        ? { function_call: { name: tool.name, arguments: "" } }
        : { tool_calls: [{ index: 0, id: toolId, type: "function", function: { name: tool.name, arguments: "" } }] };
      res.write(chunkPayload(meta, model, head, null));
      const piece = (text: string) => (tool.legacy ? { function_call: { arguments: text } } : { tool_calls: [{ index: 0, function: { arguments: text } }] });
      if (!(await streamChunks(res, record, meta, model, split(tool.arguments, size), delay, "tool", piece))) return;
    }
    if (finish !== null) res.write(chunkPayload(meta, model, {}, finish));
    if (request.stream_options?.include_usage && finish !== null) {
      const last = { ...meta, object: "chat.completion.chunk", model, choices: [], usage };
      res.write(`data: ${JSON.stringify(last)}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  }

  function answerStall(res: ServerResponse, record: RecordedRequest, request: ChatRequest, s: StallScenario): void {
    if (s.sendHeaders === false) return; // the socket stays open with nothing sent
    if (!request.stream) {
      record.status = 200;
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      return;
    }
    startStream(res, record);
    const meta = ids();
    const model = request.model ?? "fake-coder";
    res.write(chunkPayload(meta, model, { role: "assistant", content: "" }, null));
    if (s.firstChunk !== undefined) {
      record.chunks.push({ index: 0, text: s.firstChunk, kind: "content", time: now() });
      res.write(chunkPayload(meta, model, { content: s.firstChunk }, null));
    }
  }

  async function answerDrop(res: ServerResponse, record: RecordedRequest, request: ChatRequest, s: DropScenario): Promise<void> {
    const text = s.reply ?? FILLER;
    if (!request.stream) {
      record.status = 200;
      // Promise a longer body than is sent, so the client sees a truncated response.
      const whole = JSON.stringify({ object: "chat.completion", choices: [{ message: { content: text } }] });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(whole.length) });
      res.write(whole.slice(0, Math.floor(whole.length / 2)));
      await sleep(10, timers);
      record.cutByServer = true;
      res.socket?.destroy();
      return;
    }
    startStream(res, record);
    const meta = ids();
    const model = request.model ?? "fake-coder";
    res.write(chunkPayload(meta, model, { role: "assistant", content: "" }, null));
    const pieces = split(text, s.chunkSize ?? options.chunkSize).slice(0, s.dropAfter);
    if (!(await streamChunks(res, record, meta, model, pieces, s.chunkDelayMs ?? options.chunkDelayMs))) return;
    // Let the written chunks reach the client before the cut, as a crashing server would.
    await sleep(10, timers);
    record.cutByServer = true;
    res.socket?.destroy();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `fake model server crashed: ${String(err)}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = listeningPort(server);

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get chatRequests() {
      return chatRequests();
    },
    get pending() {
      return [...queue];
    },
    options,
    enqueue(...scenarios) {
      queue.push(...scenarios);
    },
    setDefault(scenario) {
      fallback = scenario;
    },
    reset() {
      queue = [];
      fallback = undefined;
      requests.length = 0;
    },
    waitForChatRequests(count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = chatRequests();
          if (got.length < count) return false;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(got);
          return true;
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`fake model server: ${chatRequests().length} of ${count} chat requests after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      // Stalled and keep-alive sockets would hold close() open for ever.
      server.closeAllConnections();
      await done;
    },
  };
}

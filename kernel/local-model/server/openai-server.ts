// Luci's OpenAI-compatible HTTP server for the local model: GET /v1/models and
// POST /v1/chat/completions (streamed as server-sent events, or whole), on 127.0.0.1 only, with
// a bearer token on every route. It listens before the model is loaded (503 until then), so its
// runtime file can say at once that a server is coming. Generations queue one at a time; a
// client that closes its connection stops its generation at once (or leaves the queue), and the
// next request starts. Every answer that is not a success is OpenAI's error JSON.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { ChatBackend, GenerationOutcome, Usage } from "./chat-backend.js";
import { parseChatRequest, type ChatCompletionRequest } from "./chat-request.js";
import { GenerationQueue } from "./generation-queue.js";
import { errorMessage, errorStack } from "../../common/errors.js";
import { listeningPort } from "../../common/listening-port.js";

export interface OpenAiServerOptions {
  /** The bearer token every request must carry. */
  token: string;
  /** The model's name: what /v1/models lists and answers carry. */
  model: string;
  /** 0 (the default): any free port. */
  port?: number;
  /** Bodies above this size get 413 (default 4 MiB). */
  maxBodyBytes?: number;
  log?: (message: string) => void;
  /** Called when each chat completion ends, however it ends. */
  onCompletionEnd?: (summary: CompletionSummary) => void;
  /** A streamed answer with no token yet sends an empty delta this often (default 5000 ms). */
  keepAliveMs?: number;
}

type CompletionOutcome = "stop" | "length" | "aborted" | "dropped" | "error";

export interface CompletionSummary {
  number: number;
  outcome: CompletionOutcome;
  usage?: Usage;
}

interface ServerStats {
  ready: boolean;
  /** A generation runs now. */
  generating: boolean;
  queued: number;
  /** Requests being answered (any route), the one generating and those queued included. */
  inFlight: number;
  completed: number;
  aborted: number;
  dropped: number;
}

export interface OpenAiServer {
  readonly port: number;
  /** The base URL clients use: http://127.0.0.1:PORT/v1 */
  readonly baseUrl: string;
  /** The model is loaded: answer requests from now on. */
  setBackend(backend: ChatBackend): void;
  stats(): ServerStats;
  /** When the last request ended (ms since the epoch), or undefined while one is in flight. */
  idleSince(): number | undefined;
  /** Stops listening, stops every generation and closes every connection. */
  close(): Promise<void>;
}

const HOST = "127.0.0.1";
const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

export async function startOpenAiServer(options: OpenAiServerOptions): Promise<OpenAiServer> {
  const handler = new Handler(options);
  const server = createServer((req, res) => void handler.handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = listeningPort(server);
  return {
    port,
    baseUrl: `http://${HOST}:${port}/v1`,
    setBackend: (backend) => handler.setBackend(backend),
    stats: () => handler.stats(),
    idleSince: () => handler.idleSince(),
    close: () => handler.close(server),
  };
}

type HttpError = { status: number; message: string; type: string; code: string | null; param?: string | null };

class Handler {
  private backend: ChatBackend | undefined;
  private readonly queue = new GenerationQueue();
  private readonly tokenDigest: Buffer;
  private readonly maxBody: number;
  private readonly log: (message: string) => void;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly controllers = new Set<AbortController>();
  private inFlight = 0;
  private lastEnd = Date.now();
  private requestNumber = 0;
  private counts = { completed: 0, aborted: 0, dropped: 0 };

  constructor(private readonly options: OpenAiServerOptions) {
    this.tokenDigest = digest(options.token);
    this.maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.log = options.log ?? (() => {});
  }

  setBackend(backend: ChatBackend): void {
    this.backend = backend;
    // Idle time counts from when the model is ready, not from before its load.
    this.lastEnd = Date.now();
  }

  stats(): ServerStats {
    return { ready: this.backend !== undefined, generating: this.queue.running, queued: this.queue.queued, inFlight: this.inFlight, ...this.counts };
  }

  idleSince(): number | undefined {
    return this.inFlight === 0 ? this.lastEnd : undefined;
  }

  async close(server: Server): Promise<void> {
    for (const controller of this.controllers) controller.abort(new Error("the server is stopping"));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    res.once("close", () => {
      this.inFlight -= 1;
      this.lastEnd = Date.now();
    });
    try {
      await this.route(req, res);
    } catch (err) {
      this.log(`${req.method} ${req.url}: ${errorStack(err)}`);
      if (!res.headersSent) sendError(res, { status: 500, message: `The server failed: ${errorMessage(err)}`, type: "server_error", code: null });
      else res.end();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.authorized(req)) {
      req.resume();
      return sendError(res, {
        status: 401,
        message: "Incorrect API key provided: use the token in the model server's runtime file.",
        type: "invalid_request_error",
        code: "invalid_api_key",
      });
    }
    const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");
    const route = path === "/v1/models" ? "models" : path.startsWith("/v1/models/") ? "model" : path === "/v1/chat/completions" ? "chat" : undefined;
    if (!route) {
      req.resume();
      return sendError(res, { status: 404, message: `Unknown request URL: ${req.method} ${path}.`, type: "invalid_request_error", code: "unknown_url" });
    }
    const method = route === "chat" ? "POST" : "GET";
    if (req.method !== method) {
      req.resume();
      res.setHeader("Allow", method);
      return sendError(res, { status: 405, message: `${path} takes ${method}, not ${req.method}.`, type: "invalid_request_error", code: "method_not_allowed" });
    }
    if (!this.backend) {
      req.resume();
      res.setHeader("Retry-After", "1");
      return sendError(res, { status: 503, message: "The model is loading; try again in a moment.", type: "server_error", code: "model_loading" });
    }
    if (route === "models") return sendJson(res, 200, { object: "list", data: [this.modelObject()] });
    if (route === "model") {
      const name = decodeURIComponent(path.slice("/v1/models/".length));
      if (name !== this.options.model) return sendError(res, modelNotFound(name));
      return sendJson(res, 200, this.modelObject());
    }
    return this.chat(req, res, this.backend);
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match !== null && timingSafeEqual(digest(match[1]!), this.tokenDigest);
  }

  private modelObject() {
    return { id: this.options.model, object: "model", created: this.created, owned_by: "luci" };
  }

  private async chat(req: IncomingMessage, res: ServerResponse, backend: ChatBackend): Promise<void> {
    const body = await readBody(req, this.maxBody);
    if (!body.ok) return sendError(res, body.error);
    const parsed = parseChatRequest(body.value);
    if (!parsed.ok) return sendError(res, { status: 400, message: parsed.message, type: "invalid_request_error", code: null, param: parsed.param });
    const request = parsed.request;
    if (request.model !== undefined && request.model !== this.options.model) return sendError(res, modelNotFound(request.model));
    const fit = backend.measure(request.messages);
    if (!fit.ok)
      return sendError(res, { status: 400, message: fit.message, type: "invalid_request_error", code: "context_length_exceeded", param: "messages" });
    const maxTokens = Math.min(request.maxTokens ?? fit.room, fit.room);

    const number = ++this.requestNumber;
    const controller = new AbortController();
    this.controllers.add(controller);
    // The client closed its connection before the answer was complete: an interrupt.
    const leave = () => controller.abort(new Error("the client left"));
    res.once("close", () => {
      if (!res.writableFinished) leave();
    });
    if (req.socket.destroyed) leave(); // it left while its body was read
    const waitingBehind = this.queue.queued + (this.queue.running ? 1 : 0);
    this.log(
      `#${number} chat: ${plural(request.messages.length, "message")}, ${fit.promptTokens} prompt tokens, max ${maxTokens}, ` +
        `temperature ${request.temperature}${request.stream ? ", stream" : ""}${waitingBehind ? ` (waiting behind ${waitingBehind})` : ""}`,
    );
    const answer = new Answer(res, request, this.options.model, this.options.keepAliveMs ?? KEEP_ALIVE_MS);
    const arrived = Date.now();
    let started = 0;
    let firstToken = 0;
    try {
      const result = await this.queue.run(controller.signal, () => {
        started = Date.now();
        return backend.generate({ ...request, maxTokens }, controller.signal, (text) => {
          if (!firstToken) firstToken = Date.now();
          answer.text(text);
        });
      });
      const outcome: GenerationOutcome | undefined = result.ran ? result.value : undefined;
      const summary: CompletionSummary = outcome
        ? { number, outcome: outcome.kind === "aborted" ? "aborted" : outcome.finishReason, usage: outcome.usage }
        : { number, outcome: "dropped" };
      if (outcome?.kind === "finished") answer.finish(outcome.finishReason, outcome.usage);
      else res.destroy();
      this.count(summary);
      this.log(`#${number} ${describeEnd(summary, { arrived, started, firstToken, ended: Date.now() })}`);
      this.options.onCompletionEnd?.(summary);
    } catch (err) {
      this.count({ number, outcome: "error" });
      this.log(`#${number} failed: ${errorMessage(err)}`);
      this.options.onCompletionEnd?.({ number, outcome: "error" });
      answer.fail(`The model failed: ${errorMessage(err)}`);
    } finally {
      this.controllers.delete(controller);
    }
  }

  private count(summary: CompletionSummary): void {
    if (summary.outcome === "aborted") this.counts.aborted += 1;
    else if (summary.outcome === "dropped") this.counts.dropped += 1;
    else if (summary.outcome !== "error") this.counts.completed += 1;
  }
}

/** How often a streamed answer that has no token yet says it is still coming. */
const KEEP_ALIVE_MS = 5000;

/** One answer on the wire: chunks as they come when streamed, else one JSON body at the end. */
class Answer {
  private readonly id = `chatcmpl-${randomBytes(12).toString("hex")}`;
  private readonly created = Math.floor(Date.now() / 1000);
  private content = "";
  /** Empty deltas while nothing else is sent: see the constructor. */
  private keepAlive?: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly request: ChatCompletionRequest,
    private readonly model: string,
    keepAliveMs: number,
  ) {
    if (request.stream) {
      res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", Connection: "keep-alive" });
      this.chunk({ role: "assistant", content: "" }, null);
      // A request waiting behind another kernel's answer, or whose long prompt is still being
      // read, sends nothing for a while; clients give up on silence (Luci's after
      // LUCI_LLM_TIMEOUT). An empty delta every few seconds until the first token says "still
      // here" in a shape every OpenAI client takes (a chunk with nothing in it).
      this.keepAlive = setInterval(() => this.chunk({}, null), keepAliveMs);
      this.keepAlive.unref();
      res.once("close", () => this.quiet());
    }
  }

  text(text: string): void {
    if (!text) return;
    this.quiet();
    if (this.request.stream) this.chunk({ content: text }, null);
    else this.content += text;
  }

  private quiet(): void {
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  finish(finishReason: "stop" | "length", usage: Usage): void {
    this.quiet();
    if (!this.request.stream) {
      sendJson(this.res, 200, {
        id: this.id,
        object: "chat.completion",
        created: this.created,
        model: this.model,
        choices: [{ index: 0, message: { role: "assistant", content: this.content, refusal: null }, logprobs: null, finish_reason: finishReason }],
        usage: openAiUsage(usage),
      });
      return;
    }
    this.chunk({}, finishReason);
    if (this.request.includeUsage) this.event({ ...this.base(), choices: [], usage: openAiUsage(usage) });
    this.res.end("data: [DONE]\n\n");
  }

  fail(message: string): void {
    this.quiet();
    const error: HttpError = { status: 500, message, type: "server_error", code: null };
    if (!this.res.headersSent) return sendError(this.res, error);
    // Mid-stream: an error event, as OpenAI's and llama.cpp's servers send; the client raises it.
    if (!this.res.writableEnded) this.res.end(`data: ${JSON.stringify({ error: errorBody(error).error })}\n\n`);
  }

  private chunk(delta: { role?: "assistant"; content?: string }, finishReason: "stop" | "length" | null): void {
    this.event({
      ...this.base(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(this.request.includeUsage ? { usage: null } : {}),
    });
  }

  private base() {
    return { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, system_fingerprint: null };
  }

  private event(data: object): void {
    if (!this.res.writableEnded) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }
}

function openAiUsage(usage: Usage) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens },
  };
}

function describeEnd(summary: CompletionSummary, times: { arrived: number; started: number; firstToken: number; ended: number }): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const waited = times.started - times.arrived > 50 ? `, waited ${seconds(times.started - times.arrived)}` : "";
  if (summary.outcome === "dropped") return `dropped: the client left while waiting (${seconds(times.ended - times.arrived)})`;
  const usage = summary.usage!;
  const generated = `${usage.completionTokens} tokens in ${seconds(times.ended - times.started)}`;
  const prompt = `${usage.promptTokens} prompt tokens (${usage.cachedPromptTokens} cached)`;
  const first = times.firstToken ? `, first token after ${seconds(times.firstToken - times.started)}` : "";
  const decodeMs = times.firstToken ? times.ended - times.firstToken : 0;
  const rate = decodeMs > 0 && usage.completionTokens > 1 ? `, ${((usage.completionTokens - 1) / (decodeMs / 1000)).toFixed(1)} tokens/s` : "";
  if (summary.outcome === "aborted") return `stopped: the client left; ${prompt}, ${generated}${first}${waited}`;
  return `done (${summary.outcome}): ${prompt}, ${generated}${first}${rate}${waited}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function modelNotFound(name: string): HttpError {
  return {
    status: 404,
    message: `The model ${JSON.stringify(name)} does not exist on this server.`,
    type: "invalid_request_error",
    code: "model_not_found",
    param: "model",
  };
}

type Body = { ok: true; value: unknown } | { ok: false; error: HttpError };

async function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  const tooLarge: Body = {
    ok: false,
    error: { status: 413, message: `The request body is larger than ${limit} bytes.`, type: "invalid_request_error", code: "request_too_large" },
  };
  if (Number(req.headers["content-length"] ?? 0) > limit) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return tooLarge;
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch (err) {
    return { ok: false, error: { status: 400, message: `The body is not valid JSON: ${errorMessage(err)}`, type: "invalid_request_error", code: null } };
  }
}

function errorBody(error: HttpError) {
  return { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code } };
}

function sendError(res: ServerResponse, error: HttpError): void {
  // A body we stopped reading (413) leaves bytes on the socket: close the connection after.
  if (error.status === 413) res.setHeader("Connection", "close");
  sendJson(res, error.status, errorBody(error));
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

// The model client: one streamed chat completion through the `openai` package, against any
// OpenAI-compatible endpoint (LM Studio, Ollama, llama.cpp, vLLM, OpenAI).
//   - `openai` is loaded with a dynamic import on the first call, so the kernel's start pays
//     nothing for it (nothing in the kernel imports this file at start either).
//   - Tokens go to onToken as they arrive; the text returned is their concatenation.
//   - An AbortSignal (the interrupt) ends the call at once: the promise rejects with
//     GenerationInterrupted without waiting for the socket to close.
//   - The timeout (LUCI_LLM_TIMEOUT) is for silence: no headers, or no chunk, for that long.
//   - Retries, each reported through onRetry(reason, waitSeconds) so the cell can say so:
//     429 up to 2 times, waiting what Retry-After asks (retry-after-ms, seconds or a date);
//     500-class answers and connection failures up to 2 times with a back-off (1 s, 2 s); at
//     most 30 s of waiting in all. Nothing is retried once tokens have been shown (the cell
//     would show them twice), nor after a timeout (the user has already waited).
//   - Every failure becomes ModelUnavailable in plain words, with the URL and the status. The
//     API key is never in it: any text from a server is passed through redactKey().
//   - A request with a `schema` uses structured output as capabilities.ts decides.
//   - TLS: for an https endpoint with NODE_EXTRA_CA_CERTS set (the kernelspec defers reading it;
//     see common/deferred-ca-certs.ts), requests go through an https.Agent whose trust is the
//     system roots plus those certificates.
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { rootCertificates } from "node:tls";
import type OpenAI from "openai";
import { extraCaCertificates } from "../../common/deferred-ca-certs.js";
import { endpointKey, withStructuredOutput, responseFormat, type JsonSchemaSpec } from "./capabilities.js";
import { resolveEndpoint, type DiscoveryOptions, type Endpoint } from "./discovery.js";
import { GenerationInterrupted, ModelUnavailable, clip } from "./errors.js";
import { redactKey, type ModelSettings } from "./settings.js";
import type { ChatMessage, StructuredMode } from "./types.js";

export interface GenerateRequest {
  messages: ChatMessage[];
  onToken?(text: string): void;
  /** A retry is about to wait: "The model server is busy (HTTP 429)", 3. */
  onRetry?(reason: string, waitSeconds: number): void;
  signal?: AbortSignal;
  /** The answer is JSON of this schema: use json_schema / json_object where the endpoint has them. */
  schema?: JsonSchemaSpec;
  temperature?: number;
  maxTokens?: number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface GenerateResult {
  text: string;
  usage?: Usage;
  model: string;
  baseUrl: string;
  structured: StructuredMode;
  /** Requests sent, rejected and retried ones included (a plain success is 1). */
  calls: number;
  /** "stop", or "length" when max tokens cut the answer short. */
  finishReason?: string;
}

export interface RetryPolicy {
  /** Retries of a 429 (default 2). */
  rateLimitRetries: number;
  /** Retries of a 5xx or a connection failure (default 2). */
  failureRetries: number;
  /** The back-off's first wait, doubled each time (default 1000 ms). */
  baseDelayMs: number;
  /** All waits together stay under this (default 30 s). */
  maxTotalWaitSeconds: number;
}

export interface ModelClientOptions {
  /** Where NODE_EXTRA_CA_CERTS is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  discovery?: DiscoveryOptions;
  retry?: Partial<RetryPolicy>;
}

export const DEFAULT_RETRY: RetryPolicy = { rateLimitRetries: 2, failureRetries: 2, baseDelayMs: 1000, maxTotalWaitSeconds: 30 };

/** The cell's line for a retry: "The model server is busy (HTTP 429); retrying in 3 s…". */
export function retryMessage(reason: string, waitSeconds: number): string {
  return `${reason}; retrying in ${formatSeconds(waitSeconds)}…`;
}

let openaiModule: Promise<typeof import("openai")> | undefined;
function loadOpenAI(): Promise<typeof import("openai")> {
  openaiModule ??= import("openai");
  return openaiModule;
}

/** What went wrong with one request, before it is put in words. */
interface Failure {
  kind: "rate" | "server" | "connection" | "timeout" | "client" | "broken";
  status?: number;
  /** The server's own message (redacted), or the network error's. */
  detail: string;
  retryAfterSeconds?: number;
}

class AttemptError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail);
  }
}

export class ModelClient {
  private endpointPromise?: Promise<Endpoint>;
  private readonly clients = new Map<string, OpenAI>();
  private readonly retry: RetryPolicy;
  /** Endpoints that answered 400 to stream_options: usage is not asked of them again. */
  private readonly noUsageOption = new Set<string>();

  constructor(
    readonly settings: ModelSettings,
    private readonly options: ModelClientOptions = {},
  ) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /** The endpoint and model in use (found once; found again after a discovered server vanished). */
  endpoint(): Promise<Endpoint> {
    if (!this.endpointPromise) {
      this.endpointPromise = resolveEndpoint(this.settings, this.options.discovery);
      this.endpointPromise.catch(() => (this.endpointPromise = undefined));
    }
    return this.endpointPromise;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    if (request.signal?.aborted) throw new GenerationInterrupted("");
    const endpoint = await this.endpoint();
    const client = await this.client(endpoint);
    const counter = { calls: 0 };
    const run = (mode: StructuredMode) => this.withRetries(client, endpoint, request, mode, counter);
    try {
      if (!request.schema) {
        const result = await run("none");
        return { ...result, structured: "none", calls: counter.calls };
      }
      const { result, mode } = await withStructuredOutput(
        endpointKey(endpoint.baseUrl, endpoint.model),
        run,
        (r) => r.text,
        (err) => (err instanceof ModelUnavailable ? { status: err.status, message: err.message } : undefined),
      );
      return { ...result, structured: mode, calls: counter.calls };
    } catch (err) {
      if (err instanceof ModelUnavailable && err.status === undefined && endpoint.source !== "settings") {
        // A discovered server that went away: look again next time.
        this.endpointPromise = undefined;
      }
      throw err;
    }
  }

  private async withRetries(
    client: OpenAI,
    endpoint: Endpoint,
    request: GenerateRequest,
    mode: StructuredMode,
    counter: { calls: number },
  ): Promise<Omit<GenerateResult, "structured" | "calls">> {
    let rateRetries = 0;
    let failureRetries = 0;
    let waited = 0;
    for (;;) {
      const shown = { tokens: false };
      counter.calls++;
      try {
        return await this.streamOnce(client, endpoint, request, mode, shown);
      } catch (err) {
        if (err instanceof GenerationInterrupted) throw err;
        if (!(err instanceof AttemptError)) throw err;
        const failure = err.failure;
        if (failure.kind === "client" && failure.status === 400 && /stream_options/i.test(failure.detail)) {
          const key = endpointKey(endpoint.baseUrl, endpoint.model);
          if (!this.noUsageOption.has(key)) {
            this.noUsageOption.add(key);
            continue;
          }
        }
        const budget = this.retry.maxTotalWaitSeconds - waited;
        let wait: number | undefined;
        if (!shown.tokens && failure.kind === "rate" && rateRetries < this.retry.rateLimitRetries) {
          wait = failure.retryAfterSeconds ?? this.backoff(rateRetries);
          rateRetries++;
        } else if (
          !shown.tokens &&
          (failure.kind === "server" || failure.kind === "connection") &&
          failureRetries < this.retry.failureRetries
        ) {
          wait = this.backoff(failureRetries);
          failureRetries++;
        }
        if (wait === undefined || wait > budget) {
          throw this.unavailable(endpoint, failure, { rateRetries, failureRetries, tooLong: wait !== undefined ? wait : undefined });
        }
        request.onRetry?.(reasonOf(failure), wait);
        await sleep(wait * 1000, request.signal);
        waited += wait;
      }
    }
  }

  private backoff(retry: number): number {
    return (this.retry.baseDelayMs * 2 ** retry) / 1000;
  }

  /** One streamed request. Rejects with GenerationInterrupted, or AttemptError saying what failed. */
  private async streamOnce(
    client: OpenAI,
    endpoint: Endpoint,
    request: GenerateRequest,
    mode: StructuredMode,
    shown: { tokens: boolean },
  ): Promise<Omit<GenerateResult, "structured" | "calls">> {
    const timeoutMs = this.settings.timeoutSeconds * 1000;
    const controller = new AbortController();
    let text = "";
    let timedOut = false;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
    };
    let onAbort: (() => void) | undefined;
    const interrupted = new Promise<never>((_, reject) => {
      onAbort = () => {
        controller.abort();
        reject(new GenerationInterrupted(text));
      };
      request.signal?.addEventListener("abort", onAbort, { once: true });
    });
    interrupted.catch(() => {});

    const work = async () => {
      const key = endpointKey(endpoint.baseUrl, endpoint.model);
      const format = request.schema ? responseFormat(mode, request.schema) : undefined;
      const body: Record<string, unknown> = {
        model: endpoint.model,
        messages: request.messages,
        stream: true,
        temperature: request.temperature ?? this.settings.temperature,
      };
      const maxTokens = request.maxTokens ?? this.settings.maxTokens;
      if (maxTokens !== undefined) body.max_tokens = maxTokens;
      if (format) body.response_format = format;
      if (!this.noUsageOption.has(key)) body.stream_options = { include_usage: true };
      arm();
      const stream = (await client.chat.completions.create(
        body as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming,
        { signal: controller.signal, maxRetries: 0, timeout: timeoutMs + 1000 },
      )) as AsyncIterable<OpenAI.Chat.ChatCompletionChunk>;
      arm();
      let model = endpoint.model;
      let finishReason: string | undefined;
      let usage: Usage | undefined;
      for await (const chunk of stream) {
        arm();
        if (chunk.model) model = chunk.model;
        if (chunk.usage) {
          usage = {
            promptTokens: chunk.usage.prompt_tokens,
            completionTokens: chunk.usage.completion_tokens,
            totalTokens: chunk.usage.total_tokens,
          };
        }
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        if (choice.finish_reason) finishReason = choice.finish_reason;
        const piece = choice.delta?.content;
        if (piece) {
          text += piece;
          shown.tokens = true;
          request.onToken?.(piece);
        }
      }
      // The openai stream ends quietly when its request is aborted: the timer's abort is not an end.
      if (timedOut) throw new Error("timed out");
      if (request.signal?.aborted) throw new GenerationInterrupted(text);
      return { text, usage, model, baseUrl: endpoint.baseUrl, finishReason };
    };

    try {
      return await Promise.race([work(), interrupted]);
    } catch (err) {
      if (err instanceof GenerationInterrupted || request.signal?.aborted) throw new GenerationInterrupted(text);
      if (timedOut) {
        throw new AttemptError({
          kind: "timeout",
          detail: text ? "the answer stopped arriving" : "no answer arrived",
        });
      }
      throw new AttemptError(await failureOf(err, endpoint.apiKey, shown.tokens));
    } finally {
      clearTimeout(idle);
      if (onAbort) request.signal?.removeEventListener("abort", onAbort);
      controller.abort();
    }
  }

  private unavailable(
    endpoint: Endpoint,
    failure: Failure,
    tries: { rateRetries: number; failureRetries: number; tooLong?: number },
  ): ModelUnavailable {
    const url = endpoint.baseUrl;
    const detail = failure.detail ? `: ${failure.detail}` : "";
    const retried = tries.rateRetries + tries.failureRetries;
    const after = retried ? ` (tried ${retried + 1} times)` : "";
    let message: string;
    switch (failure.kind) {
      case "rate":
        message =
          tries.tooLong !== undefined
            ? `The model server at ${url} is busy (HTTP 429) and asks to wait ${formatSeconds(tries.tooLong)}, longer than Luci waits${detail}. Run the cell again later.`
            : `The model server at ${url} is busy (HTTP 429)${after}${detail}. Run the cell again later.`;
        break;
      case "server":
        message = `The model server at ${url} failed (HTTP ${failure.status ?? "error"})${after}${detail}`;
        break;
      case "connection":
        message = `Could not reach the model server at ${url}${after}${detail}. Is it running?`;
        break;
      case "broken":
        message = `The connection to the model server at ${url} broke during the answer${detail}`;
        break;
      case "timeout":
        message =
          `The model server at ${url} sent nothing for ${formatSeconds(this.settings.timeoutSeconds)} (${failure.detail}), so Luci gave up. ` +
          "If the model is slow to start, raise LUCI_LLM_TIMEOUT (seconds).";
        break;
      case "client":
        message = clientMessage(url, endpoint.model, failure);
        break;
    }
    return new ModelUnavailable(redactKey(message, endpoint.apiKey), url, failure.status);
  }

  private async client(endpoint: Endpoint): Promise<OpenAI> {
    const key = `${endpoint.baseUrl}\n${endpoint.apiKey ?? ""}`;
    const existing = this.clients.get(key);
    if (existing) return existing;
    const { default: OpenAIClass } = await loadOpenAI();
    const ca = endpoint.baseUrl.startsWith("https:") ? extraCaCertificates(this.options.env) : undefined;
    const client = new OpenAIClass({
      baseURL: endpoint.baseUrl,
      // Local servers need no key, but the client refuses to start without one.
      apiKey: endpoint.apiKey ?? "no-key",
      maxRetries: 0,
      ...(ca ? { fetch: fetchTrusting(ca) } : {}),
    });
    this.clients.set(key, client);
    return client;
  }
}

function clientMessage(url: string, model: string, failure: Failure): string {
  const detail = failure.detail ? `: ${failure.detail}` : "";
  switch (failure.status) {
    case 401:
    case 403:
      return `The model server at ${url} refused the request (HTTP ${failure.status})${detail}. Check LUCI_LLM_API_KEY (or OPENAI_API_KEY).`;
    case 404:
      return `The model server at ${url} has no model ${JSON.stringify(model)} or no chat endpoint (HTTP 404)${detail}. Set LUCI_LLM_MODEL to a model it lists.`;
    default:
      return `The model server at ${url} rejected the request (HTTP ${failure.status ?? "error"})${detail}`;
  }
}

function reasonOf(failure: Failure): string {
  switch (failure.kind) {
    case "rate":
      return "The model server is busy (HTTP 429)";
    case "server":
      return `The model server failed (HTTP ${failure.status ?? "error"})`;
    default:
      return `The model server could not be reached (${failure.detail || "connection failed"})`;
  }
}

/** An error from the openai client (or the stream) as a Failure, its text redacted. */
async function failureOf(err: unknown, apiKey: string | undefined, midStream: boolean): Promise<Failure> {
  const { APIError, APIConnectionError } = await loadOpenAI();
  if (err instanceof APIError && !(err instanceof APIConnectionError) && err.status !== undefined) {
    const detail = redactKey(clip(serverMessage(err), 300), apiKey);
    const status = err.status;
    if (status === 429) return { kind: "rate", status, detail, retryAfterSeconds: retryAfter(err.headers) };
    if (status >= 500) return { kind: "server", status, detail };
    return { kind: "client", status, detail };
  }
  const code = networkCode(err);
  const words = code ? describeNetworkCode(code) : redactKey(clip((err as Error).message ?? String(err), 200), apiKey);
  if (err instanceof APIError && err.status === undefined && !(err instanceof APIConnectionError)) {
    // An error event inside the stream.
    return { kind: midStream ? "broken" : "server", detail: redactKey(clip(serverMessage(err), 300), apiKey) };
  }
  return { kind: midStream ? "broken" : "connection", detail: words };
}

/** The first `code` down the chain of causes (APIConnectionError -> TypeError -> the socket's error). */
function networkCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === "string" && e.code) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

function serverMessage(err: { message?: string; error?: unknown }): string {
  const body = err.error as { message?: unknown } | undefined;
  if (body && typeof body.message === "string") return body.message;
  return (err.message ?? "").replace(/^\d{3}\s+/, "");
}

function describeNetworkCode(code: string): string {
  const words: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ECONNRESET: "the connection was reset",
    ENOTFOUND: "no such host",
    EAI_AGAIN: "the host name could not be looked up",
    ETIMEDOUT: "the connection timed out",
    EHOSTUNREACH: "the host is unreachable",
    UND_ERR_SOCKET: "the connection closed",
    DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is self-signed and not trusted (set NODE_EXTRA_CA_CERTS)",
    SELF_SIGNED_CERT_IN_CHAIN: "its TLS certificate is not trusted (set NODE_EXTRA_CA_CERTS)",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "its TLS certificate is not trusted (set NODE_EXTRA_CA_CERTS)",
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "its TLS certificate is not trusted (set NODE_EXTRA_CA_CERTS)",
    CERT_HAS_EXPIRED: "its TLS certificate has expired",
    ERR_TLS_CERT_ALTNAME_INVALID: "its TLS certificate is for another host name",
  };
  return words[code] ?? code;
}

/** Seconds to wait from retry-after-ms, or Retry-After as seconds or an HTTP date. */
export function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(parseFloat(ms))) return Math.max(0, parseFloat(ms) / 1000);
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new GenerationInterrupted(""));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new GenerationInterrupted(""));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function formatSeconds(seconds: number): string {
  if (seconds >= 10 || Number.isInteger(seconds)) return `${Math.round(seconds)} s`;
  return `${seconds.toFixed(1)} s`;
}

/** fetch over node:https with the system roots plus `ca` trusted (Node 20's global fetch takes
 * no agent, and undici is not a dependency). Enough for the openai client: a method, headers,
 * a body, a signal; the response body streams. */
export function fetchTrusting(ca: string): typeof fetch {
  const agent = new HttpsAgent({ ca: [...rootCertificates, ca], keepAlive: true });
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    if (url.protocol !== "https:") return fetch(input, init);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => (headers[key] = value));
    const body = init?.body == null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
    return new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(
        url,
        { method: init?.method ?? "GET", headers, agent, signal: init?.signal ?? undefined },
        (res) => {
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(res.headers)) {
            if (Array.isArray(value)) value.forEach((v) => responseHeaders.append(key, v));
            else if (value !== undefined) responseHeaders.set(key, value);
          }
          const status = res.statusCode ?? 500;
          const noBody = status === 204 || status === 304 || init?.method === "HEAD";
          if (noBody) res.resume();
          resolve(
            new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
              status,
              statusText: res.statusMessage,
              headers: responseHeaders,
            }),
          );
        },
      );
      req.on("error", (err) => reject(Object.assign(new TypeError("fetch failed"), { cause: err })));
      req.end(body);
    });
  };
}

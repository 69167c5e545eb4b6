// The model client: one streamed chat completion through the `openai` package, against any
// OpenAI-compatible endpoint (LM Studio, Ollama, llama.cpp, vLLM, OpenAI).
//   - `openai` is loaded with a dynamic import on the first call, so the kernel's start pays
//     nothing for it (nothing in the kernel imports this file at start either).
//   - Tokens go to onToken as they arrive; the text returned is their concatenation.
//   - Reasoning that a server streams apart from the answer (`reasoning_content`: vLLM,
//     DeepSeek's API, llama.cpp's --reasoning-format; `reasoning`: OpenRouter, newer vLLM) goes
//     to onReasoning, so the cell can say the model is thinking; it is not part of the text.
//   - Tool and function calls (OpenAI `tool_calls` deltas, the legacy `function_call`) are
//     collected into toolCalls; their argument pieces go to onToolCall as they arrive. Luci
//     offers no tools, but some models return their code that way.
//   - An AbortSignal (the interrupt) ends the call at once: the promise rejects with
//     GenerationInterrupted without waiting for the socket to close.
//   - The timeout (LUCI_LLM_TIMEOUT) is for silence: no headers, or no chunk, for that long.
//   - Retries, each reported through onRetry(reason, waitSeconds) so the cell can say so:
//     429 up to 2 times, waiting what Retry-After asks (retry-after-ms, seconds or a date);
//     500-class answers and connection failures up to 2 times with a back-off (1 s, 2 s); at
//     most 30 s of waiting in all. Nothing is retried once tokens have been shown (the cell
//     would show them twice), nor after a timeout (the user has already waited).
//     The policy's numbers and the waiting are in retry-policy.ts.
//   - Every failure becomes ModelUnavailable in plain words, with the URL and the status. The
//     API key is never in it: any text from a server is passed through redactKey(). The words
//     are in request-failure.ts.
//   - No `response_format`: the answer is free text, a plan then a python block (prompt.ts).
//   - TLS: for an https endpoint with NODE_EXTRA_CA_CERTS set (the kernelspec defers reading it;
//     see common/deferred-ca-certs.ts), requests go through fetchTrusting() (trusted-fetch.ts),
//     whose trust is the system roots plus those certificates.
import type OpenAI from "openai";
import { extraCaCertificates } from "../../common/deferred-ca-certs.js";
import { resolveEndpoint, type DiscoveryOptions, type Endpoint } from "./discovery.js";
import { OWN_MODEL_SOURCE, type EndpointSetup } from "./own-model.js";
import type { ModelBackend } from "./model-session.js";
import { GenerationInterrupted, ModelUnavailable } from "./errors.js";
import { loadOpenAI } from "./openai-module.js";
import { AttemptError, failureOf, reasonOf, unavailableError } from "./request-failure.js";
import { DEFAULT_RETRY, sleep, type RetryPolicy } from "./retry-policy.js";
import type { ModelSettings } from "./settings.js";
import { fetchTrusting } from "./trusted-fetch.js";
import type { ChatMessage, ToolCall } from "./types.js";

export interface GenerateRequest {
  messages: ChatMessage[];
  onToken?(text: string): void;
  /** A piece of reasoning streamed apart from the answer (reasoning_content / reasoning). */
  onReasoning?(text: string): void;
  /** A piece of a tool or function call's arguments. */
  onToolCall?(text: string): void;
  /** A retry is about to wait: "The model server is busy (HTTP 429)", 3. */
  onRetry?(reason: string, waitSeconds: number): void;
  signal?: AbortSignal;
  temperature?: number;
  maxTokens?: number;
}

interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface GenerateResult {
  text: string;
  usage?: Usage;
  model: string;
  baseUrl: string;
  /** Tool or function calls the answer made (empty for an answer in text). */
  toolCalls: ToolCall[];
  /** Requests sent, rejected and retried ones included (a plain success is 1). */
  calls: number;
  /** "stop", or "length" when max tokens cut the answer short. */
  finishReason?: string;
}

export interface ModelClientOptions {
  /** Where NODE_EXTRA_CA_CERTS is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  discovery?: DiscoveryOptions;
  retry?: Partial<RetryPolicy>;
}

/** max_tokens when none is set (LUCI_LLM_MAX_TOKENS or %luci model --max-tokens). */
const DEFAULT_MAX_TOKENS = 8192;
/** An answer longer than this is stopped: no task needs it, and it must not fill the kernel's memory. */
const MAX_ANSWER_CHARS = 200_000;

export class ModelClient implements ModelBackend {
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

  /**
   * The endpoint and model in use: found once, found again after a discovered server vanished.
   * Luci's own model is checked each time (one local request): its server may have stopped when
   * idle, or been replaced, and is then started again, with the wait shown through `setup`.
   */
  async endpoint(setup: EndpointSetup = {}): Promise<Endpoint> {
    if (!this.endpointPromise) {
      this.endpointPromise = resolveEndpoint(this.settings, { env: this.options.env, ...this.options.discovery }, setup);
      this.endpointPromise.catch(() => (this.endpointPromise = undefined));
      return this.endpointPromise;
    }
    const known = await this.endpointPromise;
    if (known.source !== OWN_MODEL_SOURCE) return known;
    const fresh = resolveEndpoint(this.settings, { env: this.options.env, ...this.options.discovery }, setup);
    this.endpointPromise = fresh;
    fresh.catch(() => (this.endpointPromise = undefined));
    return fresh;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    if (request.signal?.aborted) throw new GenerationInterrupted("");
    const endpoint = await this.endpoint({ signal: request.signal });
    const client = await this.client(endpoint);
    const counter = { calls: 0 };
    try {
      const result = await this.withRetries(client, endpoint, request, counter);
      return { ...result, calls: counter.calls };
    } catch (err) {
      if (err instanceof ModelUnavailable && err.status === undefined && endpoint.source !== "settings") {
        // A discovered server that went away: look again next time.
        this.endpointPromise = undefined;
      }
      throw err;
    }
  }

  private async withRetries(client: OpenAI, endpoint: Endpoint, request: GenerateRequest, counter: { calls: number }): Promise<Omit<GenerateResult, "calls">> {
    let rateRetries = 0;
    let failureRetries = 0;
    let waited = 0;
    for (;;) {
      const shown = { tokens: false };
      counter.calls++;
      try {
        return await this.streamOnce(client, endpoint, request, shown);
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
        } else if (!shown.tokens && (failure.kind === "server" || failure.kind === "connection") && failureRetries < this.retry.failureRetries) {
          wait = this.backoff(failureRetries);
          failureRetries++;
        }
        if (wait === undefined || wait > budget) {
          throw unavailableError(
            endpoint,
            failure,
            { rateRetries, failureRetries, tooLong: wait !== undefined ? wait : undefined },
            this.settings.timeoutSeconds,
          );
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
  private async streamOnce(client: OpenAI, endpoint: Endpoint, request: GenerateRequest, shown: { tokens: boolean }): Promise<Omit<GenerateResult, "calls">> {
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
      const body: OpenAI.Chat.ChatCompletionCreateParamsStreaming = {
        model: endpoint.model,
        messages: request.messages,
        stream: true,
        temperature: request.temperature ?? this.settings.temperature,
        // A bound by default: a local server with no limit (LM Studio's is -1) and a looping model
        // would otherwise stream for ever into an unattended nbconvert or papermill run.
        max_tokens: request.maxTokens ?? this.settings.maxTokens ?? DEFAULT_MAX_TOKENS,
      };
      if (!this.noUsageOption.has(key)) body.stream_options = { include_usage: true };
      arm();
      const stream = (await client.chat.completions.create(body, {
        signal: controller.signal,
        maxRetries: 0,
        timeout: timeoutMs + 1000,
      })) as AsyncIterable<OpenAI.Chat.ChatCompletionChunk>;
      arm();
      let model = endpoint.model;
      let finishReason: string | undefined;
      let usage: Usage | undefined;
      const calls = new Map<number, ToolCall>();
      let collected = 0;
      const tooLong = (): never => {
        controller.abort();
        throw new ModelUnavailable(
          `the answer from ${endpoint.baseUrl} passed ${MAX_ANSWER_CHARS.toLocaleString("en")} characters and was stopped`,
          endpoint.baseUrl,
        );
      };
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
        const delta = (choice.delta ?? {}) as StreamDelta;
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (typeof reasoning === "string" && reasoning) request.onReasoning?.(reasoning);
        for (const piece of toolPieces(delta, calls)) {
          if ((collected += piece.length) > MAX_ANSWER_CHARS) tooLong();
          shown.tokens = true;
          request.onToolCall?.(piece);
        }
        const piece = delta.content;
        if (piece) {
          text += piece;
          if ((collected += piece.length) > MAX_ANSWER_CHARS) tooLong();
          shown.tokens = true;
          request.onToken?.(piece);
        }
      }
      // The openai stream ends quietly when its request is aborted: the timer's abort is not an end.
      if (timedOut) throw new Error("timed out");
      if (request.signal?.aborted) throw new GenerationInterrupted(text);
      const toolCalls = [...calls.values()].filter((c) => c.name || c.arguments);
      return { text, usage, model, baseUrl: endpoint.baseUrl, finishReason, toolCalls };
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

/** The fields of a streamed delta that Luci reads, the ones the openai types lack included. */
interface StreamDelta {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: { index?: number; function?: { name?: string | null; arguments?: string | null } | null }[] | null;
  function_call?: { name?: string | null; arguments?: string | null } | null;
}

/** Adds a delta's tool-call pieces to `calls` (by index; the legacy function_call is index 0);
 * returns the argument pieces, for the cell. */
function toolPieces(delta: StreamDelta, calls: Map<number, ToolCall>): string[] {
  const pieces: string[] = [];
  const parts = [
    ...(delta.tool_calls ?? []).map((t) => ({ index: t.index ?? 0, fn: t.function })),
    ...(delta.function_call ? [{ index: 0, fn: delta.function_call }] : []),
  ];
  for (const { index, fn } of parts) {
    if (!fn) continue;
    const call = calls.get(index) ?? { name: "", arguments: "" };
    if (fn.name) call.name += fn.name;
    if (fn.arguments) {
      call.arguments += fn.arguments;
      pieces.push(fn.arguments);
    }
    calls.set(index, call);
  }
  return pieces;
}

/** One endpoint: a server and a model on it. */
function endpointKey(baseUrl: string, model: string): string {
  return `${baseUrl.replace(/\/+$/, "")}\n${model}`;
}

// The fake model server's vocabulary: what a test scripts (scenarios, options) and what it can
// assert on afterwards (recorded requests). Kept apart from the server so helpers can import it.
import type { IncomingHttpHeaders } from "node:http";

interface ContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface ChatMessage {
  role: string;
  content?: string | ContentPart[] | null;
  [key: string]: unknown;
}

/** The parsed body of POST /v1/chat/completions, as far as the fake reads it. */
export interface ChatRequest {
  model?: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  response_format?: { type: string; json_schema?: unknown; [key: string]: unknown } | null;
  temperature?: number;
  max_tokens?: number;
  [key: string]: unknown;
}

/** Fields every scenario may carry. */
interface ScenarioBase {
  /** Only answer a request for which this is true. Matching scenarios are chosen before those
   * with no `when`, wherever they are in the queue; otherwise the scenario waits. */
  when?: (request: ChatRequest) => boolean;
  /** A name for assertions and for the message when scenarios are left over. */
  label?: string;
  /** Wait this long before sending anything (the model's time to first token). */
  delayMs?: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One answer: the whole content, or chunks of it when the request streams. */
export interface ReplyScenario extends ScenarioBase {
  reply: string;
  /** Reasoning sent apart from the content, before it (vLLM's reasoning parsers, DeepSeek's API,
   * llama.cpp's --reasoning-format: `reasoning_content`; OpenRouter and newer vLLM: `reasoning`). */
  reasoning?: string;
  /** The delta field the reasoning goes in (default reasoning_content). */
  reasoningField?: "reasoning_content" | "reasoning";
  /** A tool call after the content: `tool_calls` deltas, or with `legacy` the old `function_call`. */
  toolCall?: { name: string; arguments: string; legacy?: boolean };
  /** Characters per streamed chunk (default: the server's chunkSize). */
  chunkSize?: number;
  /** Wait between streamed chunks, in ms (default: the server's chunkDelayMs): a slow stream. */
  chunkDelayMs?: number;
  /** Default "stop" ("tool_calls" or "function_call" with a tool call); "length" plays a
   * truncated answer; null sends no finish_reason at all, as llama-cpp-python does when
   * --interrupt_requests cuts a stream off with [DONE]. */
  finishReason?: "stop" | "length" | "content_filter" | "tool_calls" | "function_call" | null;
  /** Default: about four characters a token. */
  usage?: Usage;
}

/** An HTTP error with an OpenAI-style body `{error: {message, type, param, code}}`. */
export interface ErrorScenario extends ScenarioBase {
  status: number;
  message?: string;
  /** Seconds, sent as Retry-After. Fractions work with the openai client (it uses parseFloat);
   * 0 does not (it then falls back to its own back-off). */
  retryAfter?: number;
  type?: string;
  code?: string | null;
}

/** Accept the request and never finish; the socket is closed when the client gives up or
 * the server closes. */
export interface StallScenario extends ScenarioBase {
  stall: true;
  /** Default true. With false nothing at all is sent, so the openai client's `timeout` fires
   * (that timeout only covers the wait for headers, not the body). */
  sendHeaders?: boolean;
  /** For a streamed request: content of one chunk sent before stalling. */
  firstChunk?: string;
}

/** A stream cut (socket destroyed) after `dropAfter` content chunks. A request that does not
 * stream gets headers and half a body, then the cut. */
export interface DropScenario extends ScenarioBase {
  dropAfter: number;
  /** The text being streamed when the cut happens (default: a long filler). */
  reply?: string;
  chunkSize?: number;
  chunkDelayMs?: number;
}

export type Scenario = ReplyScenario | ErrorScenario | StallScenario | DropScenario;

export interface FakeModelServerOptions {
  /** Model ids listed by GET /v1/models (default ["fake-coder"]). */
  models?: string[];
  ownedBy?: string;
  /** When set, every request needs `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /** Answer 404 model_not_found for a model not in `models` (as OpenAI does). Default false. */
  rejectUnknownModels?: boolean;
  /** Default characters per streamed chunk (default 4). */
  chunkSize?: number;
  /** Default wait between streamed chunks in ms (default 0: still one timer per chunk). */
  chunkDelayMs?: number;
  /** Answer used when the queue has nothing that matches (default: none, so a 500). */
  defaultScenario?: Scenario;
}

/** One streamed chunk as it left the server. */
export interface SentChunk {
  index: number;
  text: string;
  /** What the chunk carried: answer text, reasoning, or a tool call's arguments. */
  kind: "content" | "reasoning" | "tool";
  /** performance.timeOrigin + performance.now() just before the write, in ms (comparable
   * across processes on one machine, like Date.now() but finer). */
  time: number;
}

type ResponseFormatKind = "json_schema" | "json_object" | "text" | "none" | (string & {});

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. "/v1/chat/completions". */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none or it did not parse. */
  body: unknown;
  /** When the request's body had arrived (timeOrigin + now(), ms). */
  time: number;
  /** For chat completions: the response_format type asked for ("none" when absent). Luci sends
   * none; recorded so that a test can say so. */
  responseFormat?: ResponseFormatKind;
  stream?: boolean;
  /** Status of the answer once sent (stalls and drops keep 200). */
  status?: number;
  /** The scenario that answered, if one did (not for rejections before the queue). */
  scenario?: Scenario;
  /** Why the server refused before the queue: "unauthorized", "unknown-model", ... */
  rejected?: string;
  /** Streamed chunks (content, reasoning, tool-call arguments), in order. */
  chunks: SentChunk[];
  /** The server cut the connection on purpose (a dropAfter scenario). */
  cutByServer?: boolean;
  /** The client closed the connection before the answer was complete (e.g. an interrupt). */
  abortedByClient?: boolean;
  /** When the answer was complete or the connection closed (ms, same clock as `time`). */
  endTime?: number;
}

export interface FakeModelServer {
  /** "http://127.0.0.1:PORT/v1", for `new OpenAI({ baseURL })`. */
  readonly baseUrl: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Only POST .../chat/completions requests. */
  readonly chatRequests: RecordedRequest[];
  /** Scenarios queued and not yet used. */
  readonly pending: readonly Scenario[];
  /** Live options: change `chunkSize` etc. between requests. */
  readonly options: Required<Omit<FakeModelServerOptions, "apiKey" | "defaultScenario">> & Pick<FakeModelServerOptions, "apiKey">;
  enqueue(...scenarios: Scenario[]): void;
  setDefault(scenario: Scenario | undefined): void;
  /** Forget the queue, the default and the recorded requests (options stay). */
  reset(): void;
  /** Resolve once `count` chat requests have arrived (rejects after timeoutMs, default 30 s: a deadline for requests that never come, not a speed). */
  waitForChatRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Stop listening and destroy every open socket, stalled ones included. */
  close(): Promise<void>;
}

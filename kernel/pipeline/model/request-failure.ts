// What went wrong with one request to the model server, and the plain words for it. Any text
// from a server passes through redactKey(): the API key is never in a message.
import type { APIError as OpenAIApiError } from "openai";
import { errorMessage } from "../../common/errors.js";
import { isObject } from "../../common/json-file.js";
import type { Endpoint } from "./discovery.js";
import { ModelUnavailable, clip } from "./errors.js";
import { loadOpenAI } from "./openai-module.js";
import { formatSeconds } from "./retry-policy.js";
import { redactKey } from "./settings.js";

/** What went wrong with one request, before it is put in words. */
export interface Failure {
  kind: "rate" | "server" | "connection" | "timeout" | "client" | "broken";
  status?: number;
  /** The server's own message (redacted), or the network error's. */
  detail: string;
  retryAfterSeconds?: number;
}

export class AttemptError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail);
  }
}

/** The error the caller sees once no retry is left (or a retry would wait too long). */
export function unavailableError(
  endpoint: Endpoint,
  failure: Failure,
  tries: { rateRetries: number; failureRetries: number; tooLong?: number },
  timeoutSeconds: number,
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
        `The model server at ${url} sent nothing for ${formatSeconds(timeoutSeconds)} (${failure.detail}), so Luci gave up. ` +
        "If the model is slow to start, raise LUCI_LLM_TIMEOUT (seconds).";
      break;
    case "client":
      message = clientMessage(url, endpoint.model, failure);
      break;
  }
  return new ModelUnavailable(redactKey(message, endpoint.apiKey), url, failure.status);
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

export function reasonOf(failure: Failure): string {
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
export async function failureOf(err: unknown, apiKey: string | undefined, midStream: boolean): Promise<Failure> {
  const { APIError, APIConnectionError } = await loadOpenAI();
  const apiError = isInstance(err, APIError) && !(err instanceof APIConnectionError) ? err : undefined;
  if (apiError?.status !== undefined) {
    const detail = redactKey(clip(serverMessage(apiError), 300), apiKey);
    const status = apiError.status;
    if (status === 429) return { kind: "rate", status, detail, retryAfterSeconds: retryAfter(apiError.headers) };
    if (status >= 500) return { kind: "server", status, detail };
    return { kind: "client", status, detail };
  }
  if (apiError) {
    // An error event inside the stream.
    return { kind: midStream ? "broken" : "server", detail: redactKey(clip(serverMessage(apiError), 300), apiKey) };
  }
  const code = networkCode(err);
  const words = code ? describeNetworkCode(code) : redactKey(clip(errorMessage(err), 200), apiKey);
  return { kind: midStream ? "broken" : "connection", detail: words };
}

/**
 * `value instanceof C` for a generic class C narrows to C<any, ...>, whose members are then
 * `any`; this narrows to C as declared (its type parameters' defaults).
 */
function isInstance<T>(value: unknown, cls: abstract new (...args: never[]) => T): value is T {
  return value instanceof cls;
}

/** The first `code` down the chain of causes (APIConnectionError -> TypeError -> the socket's error). */
function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    if ("code" in e && typeof e.code === "string" && e.code) return e.code;
    e = "cause" in e ? e.cause : undefined;
  }
  return undefined;
}

function serverMessage(err: OpenAIApiError): string {
  if (isObject(err.error) && typeof err.error.message === "string") return err.error.message;
  return err.message.replace(/^\d{3}\s+/, "");
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
function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(parseFloat(ms))) return Math.max(0, parseFloat(ms) / 1000);
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined;
}

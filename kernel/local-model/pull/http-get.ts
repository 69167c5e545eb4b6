// One HTTP GET for a pull, over node:http(s) rather than fetch, for four things fetch does not
// give here: a short connect timeout (an unreachable publisher must fail in seconds, not after
// the system's TCP timeout), a timeout for a body that stops arriving, the user's own CA
// (NODE_EXTRA_CA_CERTS, which the kernel defers: common/deferred-ca-certs.ts) and control over
// redirects (a Range header must follow the publisher's redirect to its CDN).
// Network failures come back as values with a sentence a user understands.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import { deferredCaCertsPath, extraCaCertificates } from "../../common/deferred-ca-certs.js";

export interface HttpGetOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Time to open the connection (TCP and TLS). */
  connectTimeoutMs?: number;
  /** Time from connecting to the response's headers. */
  responseTimeoutMs?: number;
  /** Longest silence while the body arrives. */
  idleTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export type HttpResponse = {
  ok: true;
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  url: string;
  /** The body: read it or destroy it. */
  body: IncomingMessage;
};

export type HttpGetResult = HttpResponse | { ok: false; error: string; aborted: boolean };

const MAX_REDIRECTS = 5;

export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<HttpGetResult> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const result = await getOnce(current, options);
    if (!result.ok) return result;
    const location = result.headers.location;
    if (![301, 302, 303, 307, 308].includes(result.status) || !location) return result;
    result.body.resume();
    if (redirects >= MAX_REDIRECTS) return { ok: false, error: `${host(url)} redirected more than ${MAX_REDIRECTS} times`, aborted: false };
    current = new URL(location, current).href;
  }
}

function getOnce(url: string, options: HttpGetOptions): Promise<HttpGetResult> {
  const { connectTimeoutMs = 5000, responseTimeoutMs = 30_000, idleTimeoutMs = 60_000, signal } = options;
  const parsed = new URL(url);
  const secure = parsed.protocol === "https:";
  if (!secure && parsed.protocol !== "http:") return Promise.resolve({ ok: false, error: `cannot download ${url} (only http and https)`, aborted: false });
  const ca = secure ? trustedCas(options.env ?? process.env) : undefined;
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (result: HttpGetResult): void => {
      if (timer) clearTimeout(timer);
      if (settled) {
        if (result.ok) result.body.destroy();
        return;
      }
      settled = true;
      resolve(result);
    };
    const fail = (error: string): void => {
      settle({ ok: false, error, aborted: signal?.aborted === true });
      request.destroy();
    };
    // agent: false, one connection per request: a pull makes a few dozen requests, and a fresh
    // socket keeps each request's timeouts its own.
    const send = secure ? httpsRequest : httpRequest;
    const request = send(
      parsed,
      { method: "GET", headers: { "user-agent": "luci", ...options.headers }, agent: false, signal, ...(ca ? { ca } : {}) },
      (response) => {
        response.socket.setTimeout(idleTimeoutMs, () => response.destroy(new Error(`no data from ${parsed.host} for ${Math.round(idleTimeoutMs / 1000)} s`)));
        response.on("end", () => response.socket?.setTimeout(0));
        settle({ ok: true, status: response.statusCode ?? 0, headers: response.headers, url, body: response });
      },
    );
    timer = setTimeout(() => fail(`could not connect to ${parsed.host} within ${seconds(connectTimeoutMs)}`), connectTimeoutMs);
    request.on("socket", (socket) => {
      const connected = (): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => fail(`${parsed.host} sent no answer within ${seconds(responseTimeoutMs)}`), responseTimeoutMs);
      };
      if (!socket.connecting) connected();
      else socket.once(secure ? "secureConnect" : "connect", connected);
    });
    request.on("error", (error: NodeJS.ErrnoException) => fail(describeNetworkError(error, parsed.host, signal)));
    request.end();
  });
}

function trustedCas(env: NodeJS.ProcessEnv): string[] | undefined {
  const extra = extraCaCertificates({ NODE_EXTRA_CA_CERTS: env.NODE_EXTRA_CA_CERTS || deferredCaCertsPath(env) });
  return extra ? [...rootCertificates, extra] : undefined;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A network error in words. */
function describeNetworkError(error: NodeJS.ErrnoException, hostName: string, signal?: AbortSignal): string {
  if (signal?.aborted || error.name === "AbortError") return "interrupted";
  switch (error.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `could not resolve ${hostName} (no DNS answer: the machine may be offline, or the host blocked)`;
    case "ECONNREFUSED":
      return `${hostName} refused the connection`;
    case "ECONNRESET":
      return `the connection to ${hostName} was reset`;
    case "ETIMEDOUT":
      return `the connection to ${hostName} timed out`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${hostName} is unreachable from this machine (${error.code})`;
    case "CERT_HAS_EXPIRED":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return `${hostName}'s TLS certificate is not trusted (${error.code}); if a proxy signs with your own CA, set NODE_EXTRA_CA_CERTS to its PEM file`;
    default:
      return `network error talking to ${hostName}: ${error.message}${error.code && !error.message.includes(error.code) ? ` (${error.code})` : ""}`;
  }
}

// fetch for an https endpoint whose certificate is signed by a CA of the user's own
// (NODE_EXTRA_CA_CERTS, which the kernelspec defers reading; see common/deferred-ca-certs.ts).
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { rootCertificates } from "node:tls";

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
      const req = httpsRequest(url, { method: init?.method ?? "GET", headers, agent, signal: init?.signal ?? undefined }, (res) => {
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
      });
      req.on("error", (err) => reject(Object.assign(new TypeError("fetch failed"), { cause: err })));
      req.end(body);
    });
  };
}

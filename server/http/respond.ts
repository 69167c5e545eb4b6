// Replies in the shapes jupyter_server uses: JSON bodies, errors as {message, reason}, and the
// headers every answer carries (nosniff, no caching of API answers that may hold notebook data).
import type { IncomingMessage, ServerResponse } from "node:http";
import { isObject } from "../../kernel/common/json-file.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "./json-depth.js";

/** An error with the HTTP status it should be answered with; the message goes to the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status = 204): void {
  res.writeHead(status, { "Cache-Control": "no-store" });
  res.end();
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { message, reason: REASONS[status] ?? null });
}

/**
 * An error from the file system as the status it deserves: a name too long or a folder where a
 * file was expected is the request's fault (400), not the server's (500).
 */
export function fsErrorStatus(err: unknown): number | undefined {
  const code = err instanceof Error && "code" in err ? err.code : undefined;
  switch (code) {
    case "ENAMETOOLONG":
    case "EISDIR":
    case "ENOTDIR":
    case "ENOTEMPTY":
    case "ELOOP":
    case "EINVAL":
      return 400;
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return 403;
    case "ENOENT":
      return 404;
    case "EEXIST":
      return 409;
    default:
      return undefined;
  }
}

const MAX_BODY = 256 * 1024 * 1024; // a notebook with images can be large; jupyter's default is 512 MB

/** The request's JSON body; an empty body is `{}` (jupyter_server treats it so for POST). */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, "request body too large");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  if (nestedDeeperThan(text)) throw new HttpError(400, `JSON in body of request is nested more than ${MAX_JSON_DEPTH} levels deep`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "Invalid JSON in body of request");
  }
  if (!isObject(value)) throw new HttpError(400, "the body must be a JSON object");
  return value;
}

/**
 * The request's target as a URL, or undefined when it is none: HTTP lets a client send `//[x` or
 * `//host:99999/`, which `new URL` refuses with a throw (outside the handlers' try, that throw
 * stopped the server; the fuzz test found it).
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? "/", "http://localhost");
  } catch {
    return undefined;
  }
}

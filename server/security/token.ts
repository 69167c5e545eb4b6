// Token authentication, as Jupyter Server does it: every API request and every WebSocket
// carries the token, either as `Authorization: token T` (what @jupyterlab/services sends) or as
// `?token=T` (what a browser has in the URL it was given, and what a WebSocket can carry).
import { randomBytes, timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** 24 random bytes as hex, like jupyter_server's generated token. */
export function generateToken(): string {
  return randomBytes(24).toString("hex");
}

export function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  return url.searchParams.get("token") ?? undefined;
}

/** Constant-time comparison (of fixed-length digests, so the token's length does not leak either). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

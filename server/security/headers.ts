// Headers for the page and its files. The page runs model output, which is untrusted, through
// DOMPurify; the CSP is the second wall: no inline scripts, no scripts from anywhere but here,
// no framing by other sites. Images may be data: URLs (plots arrive as base64 PNG).
export function pageSecurityHeaders(host: string | undefined): Record<string, string> {
  // connect-src names this server's WebSocket origin exactly ('self' covers ws: only in newer browsers).
  const sockets = host ? ` ws://${host} wss://${host}` : "";
  return {
    "Content-Security-Policy": [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      `connect-src 'self'${sockets}`,
      "object-src 'none'",
      "base-uri 'self'",
      "frame-ancestors 'self'",
      "form-action 'self'",
    ].join("; "),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
  };
}

/** On every API answer: never sniff JSON into HTML. */
export const API_SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

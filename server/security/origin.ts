// Cross-origin and DNS-rebinding defences.
// - A browser always sends Origin on a WebSocket handshake and on a cross-origin fetch; a page
//   of another site must not drive kernels even if it learnt the token, so an Origin must name
//   this very server (same host and port). Requests without Origin come from non-browser clients
//   (Node, curl, jupyter tools) and are judged by their token alone, as jupyter_server does.
// - When the server listens on loopback, the Host header must be a loopback name too: a page on
//   evil.example whose DNS later points at 127.0.0.1 sends Host: evil.example.
//   Only real loopback addresses count (127.0.0.0/8 written as an address, ::1) and the name
//   localhost: a name that merely starts with "127." (127.evil.example, 127.0.0.1.nip.io) is a
//   DNS name like any other, and its owner decides what it resolves to.
import type { IncomingMessage } from "node:http";
import { isIPv4 } from "node:net";

const LOOPBACK_NAMES = new Set(["localhost", "[::1]", "::1"]);

function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || (isIPv4(host) && host.startsWith("127."));
}

function hostnameOf(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return "";
  }
}

/** Whether the Host header is acceptable for a server bound to `boundHost`. */
export function hostAllowed(req: IncomingMessage, boundHost: string): boolean {
  const host = req.headers.host;
  if (!host) return false;
  if (!isLoopback(boundHost)) return true; // the operator chose to serve the network
  return isLoopback(hostnameOf(host));
}

/** Whether the request's Origin (if any) is this server itself. */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  if (!host || origin === "null") return false;
  try {
    const parsed = new URL(origin);
    return (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

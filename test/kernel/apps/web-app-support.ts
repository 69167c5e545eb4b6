// What the web-app suites share: the dashboard program a model writes when told how apps run in
// Luci, the app display's states as iopub shows them, and waiting on a port.
import type { Message } from "../../../kernel/protocol/messages.js";
import { isObject } from "../../../kernel/common/json-file.js";
import { displayData, sleep } from "../../support/kernel-client.js";

export const APP_MIME = "application/vnd.luci.app+json";

/** The dashboard a model writes when told how apps run in Luci: HOST and PORT from the environment. */
export const DASHBOARD = [
  "import os",
  "from http.server import BaseHTTPRequestHandler, HTTPServer",
  "",
  "class Dashboard(BaseHTTPRequestHandler):",
  "    def do_GET(self):",
  "        body = b'<html><body><h1>Sales dashboard</h1><a href=\"/data\">data</a></body></html>'",
  "        if self.path == '/data':",
  "            body = b'{\"total\": 42}'",
  "        self.send_response(200)",
  "        self.send_header('Content-Type', 'application/json' if self.path == '/data' else 'text/html')",
  "        self.send_header('Content-Length', str(len(body)))",
  "        self.end_headers()",
  "        self.wfile.write(body)",
  "",
  "    def log_message(self, *args):",
  "        pass",
  "",
  "print('dashboard starting', flush=True)",
  "HTTPServer((os.environ.get('HOST', '127.0.0.1'), int(os.environ.get('PORT', '8000'))), Dashboard).serve_forever()",
].join("\n");

export interface AppShown {
  id: number;
  port: number;
  url: string;
  pid: number;
  state: string;
  reason?: string;
  last_output?: string[];
}

/** Every state the app's display was shown in (display_data, then its updates), in order. */
export function appStates(iopub: Message[]): AppShown[] {
  return displayData(iopub, APP_MIME)
    .map((d) => d[APP_MIME])
    .filter(isAppShown);
}

export function isAppShown(value: unknown): value is AppShown {
  return isObject(value) && typeof value.state === "string" && typeof value.port === "number";
}

export async function portAnswers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

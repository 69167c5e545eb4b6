// luci serve's proxy to a kernel's web app (server/apps/app-proxy.ts), with a real kernel started
// by the server and a web-app task answered by the fake model: the cell's link is the proxy's
// path, it answers with the token (and then with the cookie the token gave), the app's own
// links work under the prefix, it is refused without the token, and it is gone with the kernel.
import type { KernelMessage, Session } from "@jupyterlab/services";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import type { Duplex } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";
import { isObject } from "../../../kernel/common/json-file.js";
import { APP_MIME, DASHBOARD, isAppShown, portAnswers, until, type AppShown } from "../../kernel/apps/web-app-support.js";
import { quietJupyterLabServices, startServedKernels, type ServedKernels } from "../server-harness.js";

quietJupyterLabServices();

let model: FakeModelServer;
let served: ServedKernels;

beforeAll(async () => {
  model = await startFakeModelServer({ chunkSize: 64 });
  const state = mkdtempSync(join(tmpdir(), "luci-proxy-state-"));
  served = await startServedKernels({
    kernelEnv: {
      LUCI_EXECUTOR: "local",
      LUCI_STATE_DIR: join(state, "state"),
      LUCI_TRUST_DIR: join(state, "trust"),
      LUCI_ENV_DIR: join(state, "environments"),
      XDG_DATA_HOME: join(state, "data"),
      LUCI_LLM_BASE_URL: model.baseUrl,
      LUCI_LLM_MODEL: "fake-coder",
      LUCI_LLM_API_KEY: "",
    },
  });
});

afterAll(async () => {
  await served?.close();
  await model?.close();
});

/** Runs a web-app task in a new notebook at `path` (the fake model answers with `code`); the session and its app, as the display shows it running. */
async function startApp(path: string, code: string, task: string): Promise<{ session: Session.ISessionConnection; running: AppShown }> {
  const session = await served.sessions.startNew({ path, type: "notebook", name: path, kernel: { name: "luci" } });
  model.enqueue(answer({ code }));
  const iopub: KernelMessage.IIOPubMessage[] = [];
  const future = session.kernel!.requestExecute({ code: task });
  future.onIOPub = (message) => void iopub.push(message);
  const reply = await future.done;
  expect(reply.content, JSON.stringify(iopub.filter((m) => m.header.msg_type === "error").map((m) => m.content))).toMatchObject({ status: "ok" });
  const running = iopub
    .map((m) => ("data" in m.content && isObject(m.content.data) ? m.content.data[APP_MIME] : undefined))
    .filter(isAppShown)
    .find((s) => s.state === "running")!;
  return { session, running };
}

const base = () => served.server.running.baseUrl.replace(/\/$/, "");

describe("luci serve's web-app proxy", () => {
  it("serves a kernel's app under /luci/apps/<kernel>/<app>/ behind the token, and not once the kernel is gone", async () => {
    const { session, running } = await startApp("dash.ipynb", DASHBOARD, "Show a sales dashboard as a web page");
    const kernelId = session.kernel!.id;
    expect(running.url).toBe(`/luci/apps/${kernelId}/${running.id}/`);

    // Without the token: refused.
    expect((await fetch(`${base()}${running.url}`)).status).toBe(403);
    expect((await fetch(`${base()}${running.url}?token=wrong`)).status).toBe(403);
    // With it: the app's page, and the cookie its own links will carry.
    const page = await fetch(`${base()}${running.url}?token=${served.server.running.token}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Sales dashboard");
    // Its link to /data was written for the prefix.
    expect(html).toContain(`href="/luci/apps/${kernelId}/${running.id}/data"`);
    const cookie = page.headers.get("set-cookie")!.split(";")[0]!;
    expect(cookie).toMatch(/^luci_apps=/);
    const data = await fetch(`${base()}/luci/apps/${kernelId}/${running.id}/data`, { headers: { cookie } });
    expect(data.status).toBe(200);
    expect(await data.json()).toEqual({ total: 42 });
    // The page's API calls give the same cookie (its frames of apps carry no token).
    const api = await served.server.api("/api/status");
    expect(api.headers.get("set-cookie")?.split(";")[0]).toBe(cookie);
    // No trailing slash: sent to the one that relative links need.
    const bare = await fetch(`${base()}/luci/apps/${kernelId}/${running.id}`, { headers: { cookie }, redirect: "manual" });
    expect(bare.status).toBe(301);
    expect(bare.headers.get("location")).toBe(`/luci/apps/${kernelId}/${running.id}/`);
    // An app the kernel does not run, a kernel the server does not run: not found.
    expect((await fetch(`${base()}/luci/apps/${kernelId}/99/`, { headers: { cookie } })).status).toBe(404);
    expect((await fetch(`${base()}/luci/apps/00000000-0000-0000-0000-000000000000/1/`, { headers: { cookie } })).status).toBe(404);

    await session.shutdown();
    await until("the app gone with its kernel", async () => !(await portAnswers(running.port)));
    expect((await fetch(`${base()}${running.url}`, { headers: { cookie } })).status).toBe(404);
  });

  it("passes a WebSocket upgrade through to the app with the token, and refuses it without", async () => {
    const { session, running } = await startApp("echo.ipynb", ECHO_APP, "A web page that echoes what its socket gets, in capitals");
    const port = served.server.running.port;
    expect(await upgrade(port, running.url)).toBe(403);
    const socket = await upgrade(port, `${running.url}?token=${served.server.running.token}`);
    if (typeof socket === "number") throw new Error(`the upgrade was refused: ${socket}`);
    socket.write("ping");
    const [echo] = (await once(socket, "data")) as [Buffer];
    expect(echo.toString()).toBe("PING");
    socket.destroy();
    await session.shutdown();
  });
});

/** An app that switches a GET with Upgrade: websocket to a raw echo in capitals. */
const ECHO_APP = [
  "import os",
  "from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer",
  "",
  "class Echo(BaseHTTPRequestHandler):",
  "    protocol_version = 'HTTP/1.1'",
  "",
  "    def do_GET(self):",
  "        if self.headers.get('Upgrade', '').lower() == 'websocket':",
  "            self.send_response(101)",
  "            self.send_header('Upgrade', 'websocket')",
  "            self.send_header('Connection', 'Upgrade')",
  "            self.end_headers()",
  "            self.wfile.flush()",
  "            while True:",
  "                data = self.connection.recv(1024)",
  "                if not data:",
  "                    break",
  "                self.connection.sendall(data.upper())",
  "            self.close_connection = True",
  "            return",
  "        body = b'echo app'",
  "        self.send_response(200)",
  "        self.send_header('Content-Length', str(len(body)))",
  "        self.end_headers()",
  "        self.wfile.write(body)",
  "",
  "    def log_message(self, *args):",
  "        pass",
  "",
  "ThreadingHTTPServer((os.environ['HOST'], int(os.environ['PORT'])), Echo).serve_forever()",
].join("\n");

/** An upgrade request through the server: the upgraded socket, or the status it was refused with. */
function upgrade(port: number, path: string): Promise<Duplex | number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { Connection: "Upgrade", Upgrade: "websocket" } });
    req.on("upgrade", (_res, socket) => resolve(socket));
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

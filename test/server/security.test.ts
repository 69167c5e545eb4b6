// What the server refuses: requests without the token or with a wrong one, paths out of the
// root (.., absolute, symlinks, hidden files), cross-origin WebSockets and REST calls, foreign
// Host names; and that it listens on loopback only and sends its security headers.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { networkInterfaces, tmpdir } from "node:os";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestServer, type TestServer } from "./server-harness.js";

let server: TestServer;
let outside: string;

beforeAll(async () => {
  server = await startTestServer();
  outside = mkdtempSync(join(tmpdir(), "luci-outside-"));
  writeFileSync(join(outside, "secret.txt"), "top secret");
  writeFileSync(join(server.root, "inside.txt"), "fine");
  writeFileSync(join(server.root, ".env"), "API_KEY=hidden");
  symlinkSync(outside, join(server.root, "escape"));
  symlinkSync(join(outside, "secret.txt"), join(server.root, "secret-link.txt"));
  symlinkSync(join(outside, "nowhere.txt"), join(server.root, "dangling.txt"));
});

afterAll(async () => {
  await server?.close();
  rmSync(outside, { recursive: true, force: true });
});

const base = () => server.running.baseUrl;
const wsBase = () => base().replace(/^http/, "ws");

/** A raw request (fetch would refuse to set Host or Origin). */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base()), { method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Opens a WebSocket and reports the HTTP status it was refused with (or 101 if it opened). */
function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on("open", () => {
      ws.close();
      resolve(101);
    });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on("error", () => resolve(-1));
  });
}

describe("authentication", () => {
  it("refuses API calls without a token with 403 and a JSON message", async () => {
    for (const path of ["/api", "/api/kernels", "/api/sessions", "/api/contents", "/api/kernelspecs", "/api/status"]) {
      const res = await fetch(new URL(path, base()));
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as { message: string }).message).toMatch(/token/);
    }
    expect((await fetch(new URL("/api/kernels", base()), { method: "POST", body: "{}" })).status).toBe(403);
  });

  it("refuses a wrong token, in the header or the query", async () => {
    expect((await fetch(new URL("/api/contents", base()), { headers: { Authorization: "token wrong" } })).status).toBe(403);
    expect((await fetch(new URL(`/api/contents?token=${server.running.token}x`, base()))).status).toBe(403);
    expect((await fetch(new URL("/api/contents", base()), { headers: { Authorization: `token ${server.running.token.slice(0, -1)}` } })).status).toBe(403);
  });

  it("accepts the right token in either place", async () => {
    expect((await fetch(new URL("/api/contents", base()), { headers: { Authorization: `token ${server.running.token}` } })).status).toBe(200);
    expect((await fetch(new URL(`/api/contents?token=${server.running.token}`, base()))).status).toBe(200);
  });

  it("prints a URL with a long random token, different for each server", async () => {
    expect(server.running.url).toBe(`http://127.0.0.1:${server.running.port}/?token=${server.running.token}`);
    expect(server.running.token).toMatch(/^[0-9a-f]{48}$/);
    const other = await startTestServer();
    expect(other.running.token).not.toBe(server.running.token);
    await other.close();
  });

  it("refuses a WebSocket without the token or with a wrong one", async () => {
    const started = await server.api("/api/kernels", { method: "POST", body: JSON.stringify({}) });
    const { id } = (await started.json()) as { id: string };
    expect(await wsStatus(`${wsBase()}api/kernels/${id}/channels`)).toBe(403);
    expect(await wsStatus(`${wsBase()}api/kernels/${id}/channels?token=nope`)).toBe(403);
    expect(await wsStatus(`${wsBase()}api/kernels/${id}/channels?token=${server.running.token}`)).toBe(101);
    expect((await server.api(`/api/kernels/${id}`, { method: "DELETE" })).status).toBe(204);
  });
});

describe("paths stay inside the root", () => {
  const get = (encodedPath: string) => server.api(`/api/contents/${encodedPath}`);

  it("refuses .. in any spelling with 404", async () => {
    for (const path of ["..%2F..%2Fetc%2Fpasswd", "%2E%2E%2Fsecret.txt", "sub%2F..%2F..%2Fetc", "inside.txt%2F..%2F..%2F"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { message: string }).message).toMatch(/outside root/);
    }
    const res = await raw(`/api/contents/../../etc/passwd`, { headers: { Authorization: `token ${server.running.token}` } });
    expect(res.status).toBe(404);
    expect(res.body).not.toContain("root:");
  });

  it("refuses absolute paths", async () => {
    for (const path of ["%2Fetc%2Fpasswd", "/etc/passwd", `${encodeURIComponent(outside)}%2Fsecret.txt`]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain("top secret");
    }
  });

  it("refuses symlinks that lead out of the root, and does not list them", async () => {
    for (const path of ["escape", "escape/secret.txt", "secret-link.txt", "dangling.txt"]) {
      const res = await get(path);
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as { message: string }).message).toMatch(/Permission denied/);
    }
    const put = await server.api("/api/contents/escape/planted.txt", { method: "PUT", body: JSON.stringify({ type: "file", format: "text", content: "x" }) });
    expect(put.status).toBe(403);
    const writeThroughDangling = await server.api("/api/contents/dangling.txt", {
      method: "PUT",
      body: JSON.stringify({ type: "file", format: "text", content: "x" }),
    });
    expect(writeThroughDangling.status).toBe(403);
    const rename = await server.api("/api/contents/inside.txt", { method: "PATCH", body: JSON.stringify({ path: "escape/moved.txt" }) });
    expect(rename.status).toBe(403);
    const listing = (await (await get("")).json()) as { content: { name: string }[] };
    expect(listing.content.map((m) => m.name)).toEqual(["inside.txt"]);
  });

  it("never serves or lists hidden files", async () => {
    expect((await get(".env")).status).toBe(404);
    expect((await get("sub%2F.git%2Fconfig")).status).toBe(404);
    const put = await server.api("/api/contents/.bashrc", { method: "PUT", body: JSON.stringify({ type: "file", format: "text", content: "evil" }) });
    expect(put.status).toBe(404);
    const copy = await server.api("/api/contents", { method: "POST", body: JSON.stringify({ copy_from: ".env" }) });
    expect(copy.status).toBe(404);
  });

  it("keeps the page's static files inside dist/frontend", async () => {
    expect((await fetch(new URL("/static/..%2F..%2Fpackage.json", base()))).status).toBe(404);
    const res = await raw("/static/../../package.json");
    expect(res.status).toBe(404);
  });
});

describe("origins and hosts", () => {
  const token = () => server.running.token;

  it("refuses a WebSocket from another origin, accepts one from this server", async () => {
    const started = await server.api("/api/kernels", { method: "POST", body: JSON.stringify({}) });
    const { id } = (await started.json()) as { id: string };
    const url = `${wsBase()}api/kernels/${id}/channels?token=${token()}`;
    expect(await wsStatus(url, { Origin: "http://evil.example" })).toBe(403);
    expect(await wsStatus(url, { Origin: `http://127.0.0.1:${server.running.port + 1}` })).toBe(403);
    expect(await wsStatus(url, { Origin: "null" })).toBe(403);
    expect(await wsStatus(url, { Origin: `http://127.0.0.1:${server.running.port}` })).toBe(101);
    expect((await server.api(`/api/kernels/${id}`, { method: "DELETE" })).status).toBe(204);
  });

  it("refuses mutating API calls from another origin, even with the token", async () => {
    const headers = { Authorization: `token ${token()}`, Origin: "http://evil.example", "Content-Type": "application/json" };
    expect((await raw("/api/kernels", { method: "POST", headers, body: "{}" })).status).toBe(403);
    expect((await raw("/api/contents/inside.txt", { method: "DELETE", headers })).status).toBe(403);
    expect((await raw("/api/contents/x.txt", { method: "PUT", headers, body: JSON.stringify({ type: "file", format: "text", content: "x" }) })).status).toBe(
      403,
    );
    expect((await server.api("/api/kernels")).status).toBe(200);
    expect(await (await server.api("/api/kernels")).json()).toEqual([]);
    const same = await raw("/api/contents", {
      method: "POST",
      headers: { ...headers, Origin: `http://127.0.0.1:${server.running.port}` },
      body: JSON.stringify({ type: "file", ext: ".txt" }),
    });
    expect(same.status).toBe(201);
  });

  it("refuses a foreign Host name (DNS rebinding), on the API and the page", async () => {
    const res = await raw("/api/contents", { headers: { Authorization: `token ${token()}`, Host: `evil.example:${server.running.port}` } });
    expect(res.status).toBe(403);
    expect((await raw("/", { headers: { Host: "evil.example" } })).status).toBe(403);
    expect((await raw("/api/contents", { headers: { Authorization: `token ${token()}`, Host: `localhost:${server.running.port}` } })).status).toBe(200);
  });

  it("listens on 127.0.0.1 only by default", async () => {
    const address = (server.running.server as unknown as { http: import("node:http").Server }).http.address() as import("node:net").AddressInfo;
    expect(address.address).toBe("127.0.0.1");
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === "IPv4" && !i.internal);
    if (external) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(server.running.port, external.address);
        socket.once("connect", () => {
          socket.destroy();
          resolve(false);
        });
        socket.once("error", () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });
});

describe("security headers", () => {
  it("sends a CSP and nosniff with the page, nosniff and a closed CSP with the API", async () => {
    const page = await fetch(new URL("/", base()));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    expect(page.headers.get("content-security-policy")).toMatch(/object-src 'none'/);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const api = await server.api("/api/contents");
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
    expect(api.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it("answers a notebook URL with the page, without a token", async () => {
    const page = await fetch(new URL("/notebooks/some/where.ipynb", base()));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
  });
});

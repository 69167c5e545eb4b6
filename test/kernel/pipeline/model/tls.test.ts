// An https endpoint whose certificate only NODE_EXTRA_CA_CERTS vouches for: the kernel starts
// with that variable deferred (common/deferred-ca-certs.ts), so the client must add the
// certificates to its own trust.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelUnavailable } from "../../../../kernel/pipeline/model/errors.js";
import { ModelClient } from "../../../../kernel/pipeline/model/model-client.js";
import { modelSettings } from "../../../../kernel/pipeline/model/settings.js";
import { answer, answerText, startFakeModelServer, type FakeModelServer } from "../../../support/fake-model-server.js";

function haveOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!haveOpenssl())("https with extra CA certificates", () => {
  let fake: FakeModelServer;
  let proxy: Server;
  let baseUrl: string;
  let certPath: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "luci-tls-"));
    certPath = join(dir, "cert.pem");
    const keyPath = join(dir, "key.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-keyout",
        keyPath,
        "-out",
        certPath,
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    fake = await startFakeModelServer();
    // TLS in front of the fake server, passing requests and streamed answers through.
    proxy = createServer({ key: readFileSync(keyPath), cert: readFileSync(certPath) }, (req, res) => {
      const upstream = httpRequest({ host: "127.0.0.1", port: fake.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    baseUrl = `https://127.0.0.1:${(proxy.address() as { port: number }).port}/v1`;
  });

  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await fake.close();
  });

  it("trusts the endpoint through NODE_EXTRA_CA_CERTS and streams through it", async () => {
    fake.enqueue(answer());
    const client = new ModelClient(modelSettings({ LUCI_LLM_BASE_URL: baseUrl, LUCI_LLM_MODEL: "fake-coder" }), {
      env: { NODE_EXTRA_CA_CERTS: certPath },
    });
    const tokens: string[] = [];
    const result = await client.generate({ messages: [{ role: "user", content: "x" }], onToken: (t) => tokens.push(t) });
    expect(result.text).toBe(answerText());
    expect(tokens.length).toBeGreaterThan(10);
  });

  it("without the certificate the endpoint is refused, in plain words", async () => {
    const client = new ModelClient(modelSettings({ LUCI_LLM_BASE_URL: baseUrl, LUCI_LLM_MODEL: "fake-coder" }), {
      env: {},
      retry: { failureRetries: 0 },
    });
    const err = await client.generate({ messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ModelUnavailable);
    expect((err as Error).message).toMatch(/Could not reach the model server at https:.*not trusted \(set NODE_EXTRA_CA_CERTS\)/);
  });
});

// pullModel from a publisher's URL on loopback: a download cut off is continued with a Range
// request (If-Range with the file's ETag) that fetches only the missing bytes; a server that
// ignores Range starts the file again; a file of the wrong size or the wrong content is refused,
// and nothing is ever left under the model's final name.
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelPaths } from "../../../kernel/local-model/model-store.js";
import { pullModel } from "../../../kernel/local-model/pull.js";
import { fakeModel, modelStore } from "./support/fake-model.js";
import { startModelServer, type ModelServer } from "./support/model-server.js";

let server: ModelServer;

beforeAll(async () => {
  server = await startModelServer();
});
afterAll(() => server.close());

function fileRequests(fileName: string): typeof server.requests {
  return server.requests.filter((r) => r.path === `/model/${fileName}`);
}

describe("pull from the publisher's URL", () => {
  it("continues a cut-off download with a Range request for the missing bytes only", async () => {
    const model = fakeModel(server, { sources: ["url"], parts: [700_000] });
    const dir = modelStore();
    const paths = modelPaths(model.entry, dir);
    server.cutOff(new RegExp(`/model/${model.entry.fileName}$`), 300_000, "destroy");
    const first = await pullModel(model.entry, { dir });
    expect(first.ok).toBe(false);
    if (first.ok) return;
    expect(first.message).toContain("the download stopped at");
    expect(existsSync(paths.file)).toBe(false);
    const sidecar = JSON.parse(readFileSync(paths.sidecar, "utf8")) as { bytes: number; etag?: string };
    expect(sidecar.bytes).toBeGreaterThan(0);
    expect(sidecar.bytes).toBeLessThanOrEqual(300_000);
    expect(readFileSync(paths.partial).subarray(0, sidecar.bytes).equals(model.data.subarray(0, sidecar.bytes))).toBe(true);

    const second = await pullModel(model.entry, { dir });
    expect(second).toMatchObject({ ok: true, resumedFromBytes: sidecar.bytes, downloadedBytes: model.entry.size - sidecar.bytes });
    const requests = fileRequests(model.entry.fileName);
    expect(requests).toHaveLength(2);
    expect(requests[1]).toMatchObject({ range: `bytes=${sidecar.bytes}-`, ifRange: sidecar.etag, status: 206, bytesSent: model.entry.size - sidecar.bytes });
    expect(readFileSync(paths.file).equals(model.data)).toBe(true);
    expect(existsSync(paths.partial) || existsSync(paths.sidecar)).toBe(false);
  });

  it("starts again from the first byte when the server ignores the Range request", async () => {
    const model = fakeModel(server, { sources: ["url"], parts: [500_000] });
    const dir = modelStore();
    server.cutOff(new RegExp(`/model/${model.entry.fileName}$`), 200_000, "destroy");
    expect((await pullModel(model.entry, { dir })).ok).toBe(false);
    server.ignoreRange = true;
    try {
      const result = await pullModel(model.entry, { dir });
      expect(result).toMatchObject({ ok: true, downloadedBytes: model.entry.size });
    } finally {
      server.ignoreRange = false;
    }
    const requests = fileRequests(model.entry.fileName);
    expect(requests[1]).toMatchObject({ status: 200, bytesSent: model.entry.size });
    expect(requests[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(readFileSync(modelPaths(model.entry, dir).file).equals(model.data)).toBe(true);
  });

  it("refuses a file whose size is not the catalogue's before downloading it", async () => {
    const model = fakeModel(server, { sources: ["url"], parts: [100_000] });
    const entry = { ...model.entry, size: model.entry.size + 1 };
    const dir = modelStore();
    const result = await pullModel(entry, { dir });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain(`the file is ${model.entry.size} bytes, but the catalogue's is ${entry.size}`);
    expect(existsSync(modelPaths(entry, dir).file)).toBe(false);
  });

  it("discards a complete download whose sha256 is not the catalogue's", async () => {
    const model = fakeModel(server, { sources: ["url"], parts: [100_000] });
    const entry = { ...model.entry, sha256: "f".repeat(64) };
    const dir = modelStore();
    const result = await pullModel(entry, { dir });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.error).toMatch(/^the downloaded file has sha256 [0-9a-f]{64}, expected f{64}: discarded$/);
    const paths = modelPaths(entry, dir);
    expect(existsSync(paths.file)).toBe(false);
    expect(readFileSync(paths.partial).length).toBe(0);
  });
});

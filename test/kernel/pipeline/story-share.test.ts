// Story 3: the notebook is sent to a colleague, who trusts it and reruns it: the same code and
// the same package versions, with no model needed (the model server is gone for the colleague).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../../kernel/protocol/messages.js";
import { executeAnswering, ofType, streamText } from "../../support/kernel-client.js";
import { LUCI_BIN } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";
import { startPackageIndex, type PackageIndex } from "../../support/package-index.js";
import { progressText, startNotebookKernel, workspace } from "../environments/environment-kernel.js";

const TASK = "Show which version of luci_pinned this notebook uses";
let server: FakeModelServer;
let index: PackageIndex;

beforeAll(async () => {
  server = await startFakeModelServer();
  index = await startPackageIndex([
    { name: "luci-pinned", version: "1.0.0" },
    { name: "luci-pinned", version: "2.0.0" },
  ]);
});
afterAll(async () => {
  await server?.close();
  await index?.close();
});

function saveNotebook(folder: string, iopub: Message[]): void {
  const outputs = ofType(iopub, "display_data").map((m) => ({ output_type: "display_data", data: m.content.data, metadata: m.content.metadata ?? {} }));
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } },
    cells: [{ id: "version", cell_type: "code", source: TASK, metadata: {}, execution_count: 1, outputs }],
  };
  writeFileSync(join(folder, "shared.ipynb"), JSON.stringify(notebook));
}

describe("story 3: share", () => {
  it("a colleague who trusts the notebook reruns it with the same code and package versions, and no model", async () => {
    const mine = workspace();
    writeFileSync(join(mine.notebooks, "shared.ipynb"), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }));
    const author = await startNotebookKernel({ ...mine, session: "shared.ipynb", indexUrl: index.url });
    await executeAnswering(author.client, `%luci model fake-coder --base-url ${server.baseUrl}`, "yes");
    await author.client.execute("%pip install luci-pinned==1.0.0");
    server.enqueue(answer({ code: "import luci_pinned\nprint(luci_pinned.VALUE)" }));
    const first = await author.client.execute(TASK, {}, { cellId: "version" });
    expect(streamText(first.iopub)).toBe("luci-pinned 1.0.0\n");
    await author.stop();

    const colleague = workspace();
    const trust = mkdtempSync(join(tmpdir(), "luci-trust-colleague-"));
    mkdirSync(colleague.notebooks, { recursive: true });
    saveNotebook(colleague.notebooks, first.iopub);
    execFileSync(process.execPath, [LUCI_BIN, "trust", join(colleague.notebooks, "shared.ipynb")], { env: { ...process.env, LUCI_TRUST_DIR: trust } });

    const kernel = await startNotebookKernel({
      ...colleague,
      session: "shared.ipynb",
      indexUrl: index.url,
      env: { LUCI_TRUST_DIR: trust, LUCI_GENERATION: "offline", LUCI_LLM_BASE_URL: "http://127.0.0.1:9/v1" },
    });
    try {
      // The colleague has no model server, and runs headless: everything comes from the record.
      const { reply, iopub } = await kernel.client.execute(TASK);
      expect(reply.content.status, JSON.stringify(reply.content)).toBe("ok");
      expect(streamText(iopub)).toBe("luci-pinned 1.0.0\n"); // not 2.0.0, the newest
      expect(progressText(iopub)).toMatch(/Installing the recorded versions/);
      expect(server.chatRequests).toHaveLength(1); // the author's only
    } finally {
      await kernel.stop();
    }
  }, 120_000);
});

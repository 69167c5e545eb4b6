// The contents API through @jupyterlab/services' ContentsManager: a notebook saved and read
// back, nbformat 4.5 on disk, checkpoints, files, folders, rename and delete.
import { ContentsManager } from "@jupyterlab/services";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./server-harness.js";

let server: TestServer;
let contents: ContentsManager;

beforeAll(async () => {
  server = await startTestServer();
  contents = new ContentsManager({ serverSettings: server.settings });
});

afterAll(async () => {
  contents?.dispose();
  await server?.close();
});

const NOTEBOOK = {
  cells: [
    { cell_type: "markdown", metadata: {}, source: "# Title\nsome *text*" },
    {
      cell_type: "code",
      execution_count: 1,
      metadata: {},
      source: "print('héllo')\n1 + 1",
      outputs: [
        { output_type: "stream", name: "stdout", text: "héllo\n" },
        { output_type: "execute_result", execution_count: 1, metadata: {}, data: { "text/plain": "2", "application/json": { a: 1 } } },
      ],
    },
  ],
  metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } },
  nbformat: 4,
  nbformat_minor: 4,
};

describe("contents through @jupyterlab/services", () => {
  it("creates, saves and reloads a notebook as nbformat 4.5, atomically", async () => {
    const created = await contents.newUntitled({ type: "notebook" });
    expect(created.path).toBe("Untitled.ipynb");
    expect((await contents.newUntitled({ type: "notebook" })).path).toBe("Untitled1.ipynb");
    const saved = await contents.save("Untitled.ipynb", { type: "notebook", format: "json", content: NOTEBOOK });
    expect(saved.type).toBe("notebook");
    expect(saved.content).toBeNull();

    const reloaded = await contents.get("Untitled.ipynb");
    const nb = reloaded.content as { nbformat_minor: number; metadata: typeof NOTEBOOK.metadata; cells: { id: string; source: string[] }[] };
    expect(nb.nbformat_minor).toBe(5);
    expect(nb.cells.map((c) => c.id).every((id) => /^[a-zA-Z0-9-_]{1,64}$/.test(id))).toBe(true);
    expect(nb.cells[1]!.source.join("")).toBe("print('héllo')\n1 + 1");
    expect(nb.metadata.kernelspec.name).toBe("luci");

    const text = readFileSync(join(server.root, "Untitled.ipynb"), "utf8");
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain('"source": [\n    "print(\'héllo\')\\n",\n    "1 + 1"\n   ]');
    expect(text).toContain('"application/json": {\n       "a": 1\n      }');
    // No temporary file is left beside the notebook.
    expect(((await contents.get("")).content as { name: string }[]).map((m) => m.name).sort()).toEqual(["Untitled.ipynb", "Untitled1.ipynb"]);
  });

  it("refuses a broken notebook and leaves the saved one as it was", async () => {
    await contents.save("keep.ipynb", { type: "notebook", format: "json", content: NOTEBOOK });
    const before = readFileSync(join(server.root, "keep.ipynb"), "utf8");
    const res = await server.api("/api/contents/keep.ipynb", {
      method: "PUT",
      body: JSON.stringify({ type: "notebook", format: "json", content: { cells: "not a list" } }),
    });
    expect(res.status).toBe(400);
    expect(readFileSync(join(server.root, "keep.ipynb"), "utf8")).toBe(before);
    expect(readdirSync(server.root).filter((name) => name.includes(".tmp"))).toEqual([]);
  });

  it("keeps a checkpoint and restores it", async () => {
    await contents.save("cp.ipynb", { type: "notebook", format: "json", content: NOTEBOOK });
    expect(await contents.listCheckpoints("cp.ipynb")).toEqual([]);
    const checkpoint = await contents.createCheckpoint("cp.ipynb");
    expect(checkpoint.id).toBe("checkpoint");
    expect((await contents.listCheckpoints("cp.ipynb")).map((c) => c.id)).toEqual(["checkpoint"]);
    await contents.save("cp.ipynb", { type: "notebook", format: "json", content: { ...NOTEBOOK, cells: [] } });
    expect(((await contents.get("cp.ipynb")).content as { cells: unknown[] }).cells).toHaveLength(0);
    await contents.restoreCheckpoint("cp.ipynb", "checkpoint");
    expect(((await contents.get("cp.ipynb")).content as { cells: unknown[] }).cells).toHaveLength(2);
    await contents.deleteCheckpoint("cp.ipynb", "checkpoint");
    expect(await contents.listCheckpoints("cp.ipynb")).toEqual([]);
  });

  it("reads and writes text and binary files, and copies a file", async () => {
    await contents.save("notes.txt", { type: "file", format: "text", content: "line 1\nline 2\n" });
    const text = await contents.get("notes.txt");
    expect(text).toMatchObject({ type: "file", format: "text", content: "line 1\nline 2\n", mimetype: "text/plain" });
    writeFileSync(join(server.root, "blob.bin"), Buffer.from([0, 255, 1, 254]));
    const hashed = await contents.get("notes.txt", { hash: true, content: false });
    expect(hashed.hash).toBe(createHash("sha256").update("line 1\nline 2\n").digest("hex"));
    expect(hashed.hash_algorithm).toBe("sha256");
    const blob = await contents.get("blob.bin");
    expect(blob.format).toBe("base64");
    expect(Buffer.from(blob.content as string, "base64")).toEqual(Buffer.from([0, 255, 1, 254]));
    const copy = await contents.copy("notes.txt", "");
    expect(copy.path).toBe("notes-Copy1.txt");
    expect(readFileSync(join(server.root, "notes-Copy1.txt"), "utf8")).toBe("line 1\nline 2\n");
  });

  it("renames and deletes, and refuses to overwrite by renaming", async () => {
    await contents.save("old.ipynb", { type: "notebook", format: "json", content: NOTEBOOK });
    await contents.createCheckpoint("old.ipynb");
    const dir = await contents.newUntitled({ type: "directory" });
    expect(dir.path).toBe("Untitled Folder");
    const renamed = await contents.rename("old.ipynb", "Untitled Folder/new.ipynb");
    expect(renamed.path).toBe("Untitled Folder/new.ipynb");
    expect(existsSync(join(server.root, "old.ipynb"))).toBe(false);
    expect((await contents.listCheckpoints("Untitled Folder/new.ipynb")).map((c) => c.id)).toEqual(["checkpoint"]);
    await contents.save("other.ipynb", { type: "notebook", format: "json", content: NOTEBOOK });
    await expect(contents.rename("other.ipynb", "Untitled Folder/new.ipynb")).rejects.toThrow(/already exists/);
    await contents.delete("Untitled Folder/new.ipynb");
    await expect(contents.get("Untitled Folder/new.ipynb")).rejects.toThrow();
    await contents.delete("Untitled Folder");
    expect(existsSync(join(server.root, "Untitled Folder"))).toBe(false);
  });

  it("answers the status codes and Location headers jupyter_server does", async () => {
    const put = (path: string) => server.api(`/api/contents/${path}`, { method: "PUT", body: JSON.stringify({ type: "file", format: "text", content: "x" }) });
    const first = await put("status.txt");
    expect(first.status).toBe(201);
    expect(first.headers.get("location")).toBe("/api/contents/status.txt");
    expect((await put("status.txt")).status).toBe(200);
    expect((await server.api("/api/contents/missing.ipynb")).status).toBe(404);
    expect((await server.api("/api/contents/status.txt?type=directory")).status).toBe(400);
    const noContent = await server.api("/api/contents?content=0");
    expect(((await noContent.json()) as { content: unknown }).content).toBeNull();
    expect((await server.api("/api/contents/status.txt", { method: "DELETE" })).status).toBe(204);
  });
});

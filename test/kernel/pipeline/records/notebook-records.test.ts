// Records inside the .ipynb: the output that carries one, and finding a cell's record by id,
// by source and by task, from the file and from this session; a notebook being written gives
// no record and no error.
import { readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findInNotebook, NotebookReader, readNotebookRecords, RecordStore } from "../../../../kernel/pipeline/records/notebook-records.js";
import { checkRecord, contextHash, newRecord, publicEndpoint, RECORD_MIME, recordDisplay, recordSummary } from "../../../../kernel/pipeline/records/record.js";
import { TrustStore } from "../../../../kernel/pipeline/records/trust.js";
import { notebookJson, tempDir, unsigned, writeNotebook } from "./helpers.js";
import { stringMatching } from "../../../support/matchers.js";

const LOAN = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";
const LOAN_07 = LOAN.replace("0.05", "0.07");

function signed(overrides = {}) {
  return new TrustStore(tempDir()).sign(unsigned(overrides));
}

describe("the record output", () => {
  it("carries the record under its MIME type and a readable line", () => {
    const record = signed();
    const { data } = recordDisplay(record);
    expect(data[RECORD_MIME]).toBe(record);
    expect(data["text/plain"]).toBe("Recorded code: 4 lines from fake-coder, 2025-05-01");
    expect(recordSummary({ code: "x = 1", model: "m", created: "2025-01-02T00:00:00Z" })).toBe("Recorded code: 1 line from m, 2025-01-02");
  });

  it("holds what the design says, and nothing secret", () => {
    const before = new Date();
    const record = newRecord({
      task: "t",
      code: "x = 1",
      model: "m",
      endpoint: "https://user:sk-123@api.example.com/v1?key=sk-456",
      context: { b: 1, a: 2 },
      validation: { score: 0.9, passed: true },
    });
    expect(record).toMatchObject({
      version: 1,
      task: "t",
      parameters: {},
      code: "x = 1",
      model: "m",
      endpoint: "https://api.example.com/v1",
      validation: { score: 0.9, passed: true },
    });
    expect(record.context_hash).toBe(contextHash({ a: 2, b: 1 }));
    expect(record.author).toMatch(/.+@.+/);
    // Stamped when it was made: between the moments before and after the call.
    const created = new Date(record.created).getTime();
    expect(created).toBeGreaterThanOrEqual(before.getTime());
    expect(created).toBeLessThanOrEqual(new Date().getTime());
    expect(publicEndpoint("not a url")).toBeUndefined();
  });

  it("refuses malformed records and other versions, keeps unknown fields", () => {
    const record = signed();
    expect(checkRecord(record)).toEqual({ ok: true, record });
    expect(checkRecord(JSON.stringify(record))).toMatchObject({ ok: true });
    expect(checkRecord({ ...record, extra: 1 })).toMatchObject({ ok: true, record: { extra: 1 } });
    expect(checkRecord({ ...record, version: 2 })).toMatchObject({ ok: false, reason: stringMatching(/version 2 is not supported/) });
    expect(checkRecord({ ...record, code: 5 })).toMatchObject({ ok: false, reason: stringMatching(/code/) });
    expect(checkRecord({ ...record, validation: { score: "high" } })).toMatchObject({ ok: false });
    expect(checkRecord("{not json")).toMatchObject({ ok: false });
  });
});

describe("finding a cell's record in the notebook file", () => {
  it("finds it by cell id (JupyterLab), reusable when only parameter values changed", () => {
    const dir = tempDir();
    const first = signed();
    const other = signed({ task: "Plot {n=3} squares", code: "print('squares')" });
    const path = writeNotebook(join(dir, "loan.ipynb"), [
      { id: "cell-a", source: "Plot {n=3} squares", records: [other] },
      { id: "cell-b", source: LOAN, records: [first] },
    ]);
    const notebook = readNotebookRecords(path);
    const found = findInNotebook(notebook, { cellId: "cell-b", source: LOAN_07, task: LOAN_07 });
    expect(found).toMatchObject({ record: first, reusable: true, origin: { kind: "notebook", path, cellIndex: 2, cellId: "cell-b", matchedBy: "id" } });
    // The cell's own record even when the task's words changed: the old code, not reusable.
    const changed = LOAN.replace("Monthly", "Yearly");
    expect(findInNotebook(notebook, { cellId: "cell-b", source: changed, task: changed })).toMatchObject({
      record: first,
      reusable: false,
      origin: { matchedBy: "id" },
    });
  });

  it("finds it by source when no cell id is sent (nbclient, papermill), line endings aside", () => {
    const dir = tempDir();
    const record = signed();
    const path = writeNotebook(join(dir, "loan.ipynb"), [{ source: "print('hello')" }, { source: `%%task\n${LOAN}\n`, records: [record] }]);
    const found = findInNotebook(readNotebookRecords(path), { source: `%%task\r\n${LOAN}\r\n`, task: LOAN });
    expect(found).toMatchObject({ record, reusable: true, origin: { matchedBy: "source", cellIndex: 2 } });
    expect(found!.origin).not.toHaveProperty("cellId");
  });

  it("takes the first matching cell that holds a record, and the last record in a cell", () => {
    const dir = tempDir();
    const older = signed({ code: "print('old')" });
    const newer = signed({ code: "print('new')" });
    const path = writeNotebook(join(dir, "nb.ipynb"), [
      { source: LOAN },
      { source: LOAN, records: [older, newer], outputs: [{ output_type: "stream", name: "stdout", text: ["1342.05\n"] }] },
      { source: LOAN, records: [signed({ code: "print('third')" })] },
    ]);
    expect(findInNotebook(readNotebookRecords(path), { source: LOAN, task: LOAN })?.record.code).toBe("print('new')");
  });

  it("falls back to the same task anywhere when the cell's source changed and no id matches", () => {
    const dir = tempDir();
    const record = signed();
    const path = writeNotebook(join(dir, "nb.ipynb"), [{ id: "old-id", source: LOAN, records: [record] }]);
    const notebook = readNotebookRecords(path);
    expect(findInNotebook(notebook, { cellId: "new-id", source: LOAN_07, task: LOAN_07 })).toMatchObject({
      record,
      reusable: true,
      origin: { matchedBy: "task" },
    });
    expect(findInNotebook(notebook, { source: "Something else", task: "Something else" })).toBeUndefined();
  });

  it("skips record outputs it cannot use, and says why", () => {
    const dir = tempDir();
    const good = signed();
    const path = writeNotebook(join(dir, "nb.ipynb"), [{ source: LOAN, records: [good, { ...good, version: 9 } as never] }]);
    const notebook = readNotebookRecords(path);
    expect(notebook.cells[0]!.records).toEqual([good]);
    expect(notebook.skipped).toEqual([{ cellIndex: 1, reason: stringMatching(/version 9/) }]);
  });
});

describe("NotebookReader", () => {
  it("gives no record and no error for a notebook being written, missing or not a notebook", () => {
    const dir = tempDir();
    const path = join(dir, "nb.ipynb");
    const full = notebookJson([{ id: "c", source: LOAN, records: [signed()] }]);
    const reader = new NotebookReader();
    const store = new RecordStore(reader);
    for (const cut of [0, 1, 100, Math.floor(full.length / 2), full.length - 1]) {
      writeFileSync(path, full.slice(0, cut));
      expect(() => reader.read(path)).not.toThrow();
      expect(reader.read(path)).toBeUndefined();
      expect(store.find({ notebookPath: path, cellId: "c", source: LOAN, task: LOAN })).toBeUndefined();
      expect(reader.lastError).toBeTruthy();
    }
    // Once the write completes, the record is there (a failed read is not cached).
    writeFileSync(path, full);
    expect(store.find({ notebookPath: path, cellId: "c", source: LOAN, task: LOAN })).toMatchObject({ reusable: true });
    expect(reader.read(join(dir, "missing.ipynb"))).toBeUndefined();
    expect(reader.read(dir)).toBeUndefined();
    writeFileSync(path, JSON.stringify({ hello: "world" }));
    expect(reader.read(path)).toBeUndefined();
    expect(reader.lastError).toMatch(/not a Jupyter notebook/);
  });

  it("reads a large notebook once, and again only when it changes", () => {
    const dir = tempDir();
    const path = join(dir, "big.ipynb");
    const png = "iVBORw0KGgo".repeat(5_000);
    const cells = Array.from({ length: 400 }, (_, i) => ({
      id: `c${i}`,
      source: `Task number {n=${i}} of many`,
      records: i % 10 === 0 ? [signed({ task: `Task number {n=${i}} of many`, code: `print(${i})` })] : [],
      outputs: [{ output_type: "display_data", metadata: {}, data: { "image/png": png, "text/plain": "<Figure>" } }],
    }));
    writeNotebook(path, cells);
    expect(statSync(path).size).toBeGreaterThan(20_000_000);
    const reader = new NotebookReader();
    const first = reader.read(path);
    // Read once: while the file is unchanged, every read gives back the very same object.
    for (let i = 0; i < 100; i++) expect(reader.read(path)).toBe(first);
    expect(findInNotebook(first!, { cellId: "c390", source: "", task: "Task number {n=1} of many" })?.record.code).toBe("print(390)");
    // An atomic save (temp file + rename, as jupyter_server does) is seen at once.
    const text = readFileSync(path, "utf8").replace("print(390)", "print('changed')");
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    expect(findInNotebook(reader.read(path)!, { cellId: "c390", source: "", task: "Task number {n=1} of many" })?.record.code).toBe("print('changed')");
  });

  it("re-reads after an in-place rewrite with the same size", () => {
    const dir = tempDir();
    const path = writeNotebook(join(dir, "nb.ipynb"), [{ id: "c", source: LOAN, records: [signed({ code: "print('AAAA')" })] }]);
    const reader = new NotebookReader();
    expect(reader.read(path)!.cells[0]!.records[0]!.code).toBe("print('AAAA')");
    writeFileSync(path, readFileSync(path, "utf8").replace("AAAA", "BBBB"));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(reader.read(path)!.cells[0]!.records[0]!.code).toBe("print('BBBB')");
  });
});

describe("RecordStore", () => {
  it("prefers this session's record for the cell over the saved file (a rerun before saving)", () => {
    const dir = tempDir();
    const saved = signed({ code: "print('saved')" });
    const regenerated = signed({ code: "print('regenerated')" });
    const path = writeNotebook(join(dir, "nb.ipynb"), [{ id: "c", source: LOAN, records: [saved] }]);
    const store = new RecordStore();
    expect(store.find({ notebookPath: path, cellId: "c", source: LOAN_07, task: LOAN_07 })?.record).toEqual(saved);
    store.remember(regenerated, "c");
    expect(store.find({ notebookPath: path, cellId: "c", source: LOAN_07, task: LOAN_07 })).toMatchObject({
      record: regenerated,
      reusable: true,
      origin: { kind: "session", matchedBy: "id" },
    });
    // With no cell id, this session's record of the same task wins over the file too.
    expect(store.find({ notebookPath: path, source: LOAN, task: LOAN })).toMatchObject({ record: regenerated, origin: { kind: "session", matchedBy: "task" } });
  });

  it("works with no notebook path at all (this session only)", () => {
    const store = new RecordStore();
    expect(store.find({ source: LOAN, task: LOAN })).toBeUndefined();
    const record = signed();
    store.remember(record);
    expect(store.find({ source: LOAN_07, task: LOAN_07 })).toMatchObject({ record, reusable: true });
    expect(store.find({ source: "Other", task: "Other" })).toBeUndefined();
  });

  it("a cell's own file record by id comes before another cell's session record", () => {
    const dir = tempDir();
    const own = signed({ code: "print('own')" });
    const path = writeNotebook(join(dir, "nb.ipynb"), [{ id: "b", source: LOAN, records: [own] }]);
    const store = new RecordStore();
    store.remember(signed({ code: "print('from a')" }), "a");
    expect(store.find({ notebookPath: path, cellId: "b", source: LOAN, task: LOAN })?.record.code).toBe("print('own')");
  });
});

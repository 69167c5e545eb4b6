// RecordStore, in-process: this session's record of a cell is forgotten once the cell's notebook
// is saved without it (its outputs were cleared), and only then: not while the file is older
// than the record (not saved since), not when the saved file still holds it, not because another
// notebook was saved. Through the kernel: test/kernel/pipeline/records-cleared.test.ts.
import { utimesSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RecordStore } from "../../../../kernel/pipeline/records/notebook-records.js";
import { TrustStore } from "../../../../kernel/pipeline/records/trust.js";
import { tempDir, unsigned, writeNotebook } from "./helpers.js";

const LOAN = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";

function signed(overrides = {}) {
  return new TrustStore(tempDir()).sign(unsigned(overrides));
}

/** Sets a file's mtime `seconds` from now (a save before or after the record was made). */
function savedIn(path: string, seconds: number): void {
  const when = new Date(Date.now() + seconds * 1000);
  utimesSync(path, when, when);
}

describe("RecordStore and cleared outputs", () => {
  it("forgets the cell's record when its notebook is saved after it without the record", () => {
    const dir = tempDir();
    const record = signed();
    const path = writeNotebook(join(dir, "nb.ipynb"), [{ id: "c", source: LOAN }]);
    savedIn(path, -60); // saved before the run: the session's record wins (not saved since)
    const store = new RecordStore();
    store.remember(record, "c");
    expect(store.find({ notebookPath: path, cellId: "c", source: LOAN, task: LOAN })?.record).toEqual(record);

    // Saved with the record in the cell's outputs: still the record.
    writeNotebook(path, [{ id: "c", source: LOAN, records: [record] }]);
    savedIn(path, 60);
    expect(store.find({ notebookPath: path, cellId: "c", source: LOAN, task: LOAN })?.record).toEqual(record);

    // Outputs cleared and saved: no record, by cell id or by task.
    writeNotebook(path, [{ id: "c", source: LOAN }]);
    savedIn(path, 120);
    expect(store.find({ notebookPath: path, cellId: "c", source: LOAN, task: LOAN })).toBeUndefined();
    expect(store.find({ source: LOAN, task: LOAN })).toBeUndefined();
  });

  it("keeps the record when another notebook, without the cell, is saved after it", () => {
    const dir = tempDir();
    const record = signed();
    const other = writeNotebook(join(dir, "other.ipynb"), [{ id: "x", source: "print(1)" }]);
    const store = new RecordStore();
    store.remember(record, "c");
    savedIn(other, 60);
    expect(store.find({ notebookPath: other, cellId: "c", source: LOAN, task: LOAN })?.record).toEqual(record);
  });

  it("a record made again after the clear is kept", () => {
    const dir = tempDir();
    const first = signed({ code: "print('first')" });
    const path = writeNotebook(join(dir, "nb.ipynb"), [{ id: "c", source: LOAN }]);
    const store = new RecordStore();
    store.remember(first, "c");
    savedIn(path, 60);
    expect(store.find({ notebookPath: path, cellId: "c", source: LOAN, task: LOAN })).toBeUndefined();
    const second = signed({ code: "print('second')" });
    store.remember(second, "c");
    savedIn(path, -60); // the cleared file is older than the new record
    expect(store.find({ notebookPath: path, cellId: "c", source: LOAN, task: LOAN })?.record).toEqual(second);
  });
});

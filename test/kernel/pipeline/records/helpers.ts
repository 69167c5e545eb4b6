// Shared by the records suites: temporary folders and notebooks with record outputs.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { newRecord, recordDisplay, type LuciRecord, type NewRecord } from "../../../../kernel/pipeline/records/record.js";

const made: string[] = [];
afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

export function tempDir(prefix = "luci-records-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function unsigned(overrides: Partial<NewRecord> = {}) {
  return newRecord({
    task: "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years",
    parameters: { principal: 250000, rate: 0.05, years: 30 },
    code: "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\nprint(round(payment, 2))\n",
    model: "fake-coder",
    endpoint: "http://127.0.0.1:1234/v1",
    context: { cells: [], namespace: {} },
    validation: { score: 0.95, passed: true },
    created: "2025-05-01T10:00:00.000Z",
    author: "ann@laptop",
    ...overrides,
  });
}

export interface CellSpec {
  source: string;
  id?: string;
  records?: LuciRecord[];
  /** Other outputs before the record. */
  outputs?: unknown[];
}

/** A notebook as JupyterLab saves it: nbformat 4.5, sources split into lines, outputs kept. */
export function notebookJson(cells: CellSpec[]): string {
  return JSON.stringify(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } },
      cells: [
        { cell_type: "markdown", id: "intro", metadata: {}, source: ["# Loans\n", "A notebook."] },
        ...cells.map((cell, i) => ({
          cell_type: "code",
          ...(cell.id ? { id: cell.id } : {}),
          metadata: {},
          execution_count: i + 1,
          source: cell.source.split(/(?<=\n)/),
          outputs: [
            ...(cell.outputs ?? []),
            ...(cell.records ?? []).map((record) => ({ output_type: "display_data", metadata: {}, data: recordDisplay(record).data })),
          ],
        })),
      ],
    },
    null,
    1,
  );
}

export function writeNotebook(path: string, cells: CellSpec[]): string {
  writeFileSync(path, notebookJson(cells));
  return path;
}

// The sweep's comparison as a table: a row per scenario (its parameter values, then its results,
// or the error it raised), rendered as HTML (JupyterLab, the page), markdown (GitHub, nbviewer)
// and aligned plain text (nbconvert to text, terminals). Every cell's text is escaped: result
// names come from what the notebook's code printed.
import { escapeHtml } from "../../common/html.js";
import { markdownText } from "../task-displays.js";
import type { JsonValue } from "../records/index.js";
import type { ResultValue, ScenarioResult } from "./scenario-results.js";
import type { Scenario } from "./sweep-spec.js";

export interface SweepRow {
  /** The swept parameters' values, by name. */
  parameters: Record<string, JsonValue>;
  /** The same values as the Python literals that were assigned (shown as written). */
  literals: Record<string, string>;
  values: Record<string, ResultValue>;
  error?: string;
}

export interface SweepTable {
  /** The swept parameters, in the order the sweep named them. */
  parameters: string[];
  /** The result columns, in the order the scenarios first gave them. */
  columns: string[];
  rows: SweepRow[];
}

export function sweepRow(scenario: Scenario, result: ScenarioResult): SweepRow {
  const row: SweepRow = {
    parameters: Object.fromEntries(scenario.map((s) => [s.name, s.value.value])),
    literals: Object.fromEntries(scenario.map((s) => [s.name, s.value.literal])),
    values: result.values,
  };
  if (result.error !== undefined) row.error = result.error;
  return row;
}

export function sweepTable(parameters: string[], rows: SweepRow[]): SweepTable {
  const columns: string[] = [];
  for (const row of rows) for (const name of Object.keys(row.values)) if (!columns.includes(name) && !parameters.includes(name)) columns.push(name);
  return { parameters, columns, rows };
}

/** A result as the table shows it: up to 7 significant digits, no float noise. */
export function formatValue(value: ResultValue | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(7)));
}

function hasErrors(table: SweepTable): boolean {
  return table.rows.some((r) => r.error !== undefined);
}

/** The table's cells as text, row by row (the header first). */
function cells(table: SweepTable): string[][] {
  const header = [...table.parameters, ...table.columns, ...(hasErrors(table) ? ["error"] : [])];
  const body = table.rows.map((row) => [
    ...table.parameters.map((p) => row.literals[p] ?? ""),
    ...table.columns.map((c) => formatValue(row.values[c])),
    ...(hasErrors(table) ? [row.error ?? ""] : []),
  ]);
  return [header, ...body];
}

export function tableText(table: SweepTable): string {
  const all = cells(table).map((r) => r.map((c) => c.replace(/\s+/g, " ")));
  const widths = all[0]!.map((_, i) => Math.min(60, Math.max(...all.map((r) => r[i]!.length))));
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const text = c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c;
        return i < table.parameters.length + table.columns.length ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
      })
      .join("  ")
      .trimEnd();
  return [line(all[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

export function tableMarkdown(table: SweepTable): string {
  const all = cells(table);
  // As the task displays escape model text (no tag, link or image), and `|` so a cell stays one cell.
  const escape = (c: string) => markdownText(c).replace(/\|/g, "\\|").replace(/\s+/g, " ") || " ";
  const numeric = all[0]!.map((_, i) => i < table.parameters.length + table.columns.length);
  return [
    `| ${all[0]!.map(escape).join(" | ")} |`,
    `| ${numeric.map((n) => (n ? "---:" : ":---")).join(" | ")} |`,
    ...all.slice(1).map((r) => `| ${r.map(escape).join(" | ")} |`),
  ].join("\n");
}

export function tableHtml(table: SweepTable, caption: string): string {
  const all = cells(table);
  const head = all[0]!.map((c, i) => `<th${i < table.parameters.length ? ' scope="col" class="luci-sweep-parameter"' : ' scope="col"'}>${escapeHtml(c)}</th>`);
  const body = all.slice(1).map((r, rowIndex) => {
    const tds = r.map((c, i) => {
      const isError = i >= table.parameters.length + table.columns.length;
      const style = isError ? ' style="text-align:left;color:#b00020"' : ' style="text-align:right"';
      return `<td${style}>${escapeHtml(c)}</td>`;
    });
    return `<tr data-scenario="${rowIndex + 1}">${tds.join("")}</tr>`;
  });
  return (
    `<table class="luci-sweep"><caption style="caption-side:top;text-align:left">${escapeHtml(caption)}</caption>` +
    `<thead><tr>${head.join("")}</tr></thead><tbody>${body.join("")}</tbody></table>`
  );
}

/** The rows as plain dicts (parameters, results, error), for `sweep_results` in the notebook. */
export function tableRecords(table: SweepTable): Record<string, JsonValue>[] {
  return table.rows.map((row) => {
    const record: Record<string, JsonValue> = { ...row.parameters };
    for (const c of table.columns) {
      const v = row.values[c];
      record[c] = v === undefined || (typeof v === "number" && !Number.isFinite(v)) ? null : v;
    }
    if (hasErrors(table)) record.error = row.error ?? null;
    return record;
  });
}

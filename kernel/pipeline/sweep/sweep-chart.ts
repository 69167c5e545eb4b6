// The sweep's chart, drawn here as SVG (no matplotlib, nothing from the notebook's Python): each
// numeric result against the first swept parameter that takes several numeric values, one line
// per combination of the other swept parameters, a panel per result. All text in it (names the
// notebook's code printed, values) is escaped; it has no script, link or external reference.
import { escapeHtml } from "../../common/html.js";
import { formatValue, type SweepTable } from "./sweep-table.js";

export interface SweepChart {
  svg: string;
  /** What it shows, in words (its text/plain). */
  description: string;
}

const WIDTH = 640;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 72, right: 170, top: 34, bottom: 46 };
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
const MAX_PANELS = 6;
const MAX_SERIES = COLOURS.length;

interface Series {
  label: string;
  points: [number, number][];
}

/** The chart, or why there is none (no numeric parameter with several values, no numeric result). */
export function sweepChart(table: SweepTable): SweepChart | { none: string } {
  const x = table.parameters.find((p) => {
    const values = new Set(table.rows.map((r) => r.parameters[p]));
    return values.size > 1 && [...values].every((v) => typeof v === "number");
  });
  if (!x) return { none: "no chart: no swept parameter takes several numeric values" };
  const others = table.parameters.filter((p) => p !== x);
  const results = table.columns.filter((c) => table.rows.some((r) => typeof r.values[c] === "number" && Number.isFinite(r.values[c])));
  if (results.length === 0) return { none: "no chart: the scenarios gave no numeric result" };
  const shown = results.slice(0, MAX_PANELS);
  const panels = shown.map((column, i) => panel(table, x, others, column, i));
  const height = PANEL_HEIGHT * panels.length;
  const title = `${shown.join(", ")} against ${x}${others.length ? `, one line per ${others.join(" and ")}` : ""}`;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="sans-serif" font-size="12" role="img"><title>${escapeHtml(title)}</title>` +
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>${panels.join("")}</svg>`;
  const dropped = results.length - shown.length;
  return { svg, description: `Chart: ${title}${dropped > 0 ? ` (${dropped} more results in the table)` : ""}` };
}

function seriesOf(table: SweepTable, x: string, others: string[], column: string): Series[] {
  const byLabel = new Map<string, Series>();
  for (const row of table.rows) {
    const xv = row.parameters[x];
    const yv = row.values[column];
    if (typeof xv !== "number" || typeof yv !== "number" || !Number.isFinite(yv)) continue;
    const label = others.map((o) => `${o} = ${row.literals[o] ?? ""}`).join(", ") || column;
    let series = byLabel.get(label);
    if (!series) byLabel.set(label, (series = { label, points: [] }));
    series.points.push([xv, yv]);
  }
  for (const s of byLabel.values()) s.points.sort((a, b) => a[0] - b[0]);
  return [...byLabel.values()].slice(0, MAX_SERIES);
}

function panel(table: SweepTable, x: string, others: string[], column: string, index: number): string {
  const series = seriesOf(table, x, others, column);
  const points = series.flatMap((s) => s.points);
  const xs = ticks(Math.min(...points.map((p) => p[0])), Math.max(...points.map((p) => p[0])));
  const ys = ticks(Math.min(...points.map((p) => p[1])), Math.max(...points.map((p) => p[1])));
  const [x0, x1] = [xs[0]!, xs.at(-1)!];
  const [y0, y1] = [ys[0]!, ys.at(-1)!];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (v: number) => MARGIN.left + (x1 === x0 ? plotW / 2 : ((v - x0) / (x1 - x0)) * plotW);
  const py = (v: number) => MARGIN.top + plotH - (y1 === y0 ? plotH / 2 : ((v - y0) / (y1 - y0)) * plotH);
  const n = (v: number) => v.toFixed(1);
  const parts: string[] = [`<g transform="translate(0,${index * PANEL_HEIGHT})">`];
  parts.push(`<text x="${MARGIN.left}" y="20" font-size="14" font-weight="bold">${escapeHtml(`${column} against ${x}`)}</text>`);
  for (const t of ys)
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${n(py(t))}" y2="${n(py(t))}" stroke="#e5e5e5"/>` +
        `<text x="${MARGIN.left - 6}" y="${n(py(t) + 4)}" text-anchor="end" fill="#444">${escapeHtml(formatTick(t))}</text>`,
    );
  for (const t of xs)
    parts.push(
      `<line x1="${n(px(t))}" x2="${n(px(t))}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 4}" stroke="#444"/>` +
        `<text x="${n(px(t))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle" fill="#444">${escapeHtml(formatTick(t))}</text>`,
    );
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>` +
      `<text x="${MARGIN.left + plotW / 2}" y="${PANEL_HEIGHT - 8}" text-anchor="middle">${escapeHtml(x)}</text>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const path = s.points.map(([a, b]) => `${n(px(a))},${n(py(b))}`).join(" ");
    parts.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const [a, b] of s.points)
      parts.push(
        `<circle cx="${n(px(a))}" cy="${n(py(b))}" r="3" fill="${colour}"><title>${escapeHtml(`${s.label}: ${x} = ${formatValue(a)}, ${column} = ${formatValue(b)}`)}</title></circle>`,
      );
    if (series.length > 1 || others.length) {
      const ly = MARGIN.top + 8 + i * 18;
      parts.push(
        `<line x1="${WIDTH - MARGIN.right + 12}" x2="${WIDTH - MARGIN.right + 32}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>` +
          `<text x="${WIDTH - MARGIN.right + 38}" y="${ly + 4}">${escapeHtml(clip(s.label, 22))}</text>`,
      );
    }
  });
  parts.push("</g>");
  return parts.join("");
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 times a power of ten, about 5 of them. */
export function ticks(min: number, max: number): number[] {
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    return ticks(min - pad, max + pad);
  }
  const rough = (max - min) / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const first = Math.floor(min / step) * step;
  const out: number[] = [];
  const decimalsOf = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = first, i = 0; i < 100; i++, v = first + i * step) {
    out.push(Number(v.toFixed(decimalsOf)));
    if (v >= max - step * 1e-9) break;
  }
  return out;
}

function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6 || (abs > 0 && abs < 1e-4)) return value.toExponential(1);
  return formatValue(value);
}

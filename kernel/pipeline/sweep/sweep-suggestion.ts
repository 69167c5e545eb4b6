// A task whose analysis says it needs a simulation offers one: after it runs, its cell shows the
// `%luci sweep` line for its numeric parameters (half, the same and one and a half times each
// value), ready to copy into the next cell. A task without numeric parameters gets no line: there
// is nothing to sweep, and a task with too many would make a line nobody wants.
import { randomUUID } from "node:crypto";
import type { OutputSink } from "../../common/output-sink.js";
import { parseParameters } from "../records/index.js";
import { fence } from "../task-displays.js";

/** At most this many parameters in the line (3 values each: 27 scenarios). */
const MAX_SUGGESTED = 3;

/** The suggested line, or undefined when the task has no numeric parameter. */
export function sweepSuggestion(task: string): string | undefined {
  const { parameters } = parseParameters(task);
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const p of parameters) {
    if (seen.has(p.name) || typeof p.value !== "number" || parts.length >= MAX_SUGGESTED) continue;
    seen.add(p.name);
    parts.push(`${p.name}=${around(p.value, p.raw).join(",")}`);
  }
  return parts.length ? `%luci sweep ${parts.join(" ")}` : undefined;
}

/** Half, the value, one and a half times: whole numbers stay whole, floats keep 3 significant digits. */
function around(value: number, raw: string): string[] {
  if (value === 0) return ["0", "1", "2"];
  const float = /[.eE]/.test(raw);
  const values = [0.5, 1, 1.5].map((k) => value * k);
  if (!float && values.every(Number.isInteger)) return values.map(String);
  if (!float) return values.map((v) => String(Math.round(v)));
  return values.map((v) => {
    const text = String(Number(v.toPrecision(3)));
    return /[.eE]/.test(text) ? text : `${text}.0`;
  });
}

export function showSweepSuggestion(sink: OutputSink, task: string): void {
  const line = sweepSuggestion(task);
  if (!line) return;
  const text = "This task simulates: compare scenarios with no model call by running, in a new cell,";
  sink.display(
    { "text/plain": `${text}\n  ${line}`, "text/markdown": `${text}\n\n${fence(line)}` },
    { luci: { sweep: line } },
    { display_id: `luci-sweep-suggestion-${randomUUID()}` },
  );
}

// A task's `{name=value}` parameters, read with the kernel's own parser (one syntax, one
// implementation: kernel/pipeline/records/parameters.ts has no runtime imports), and a new
// value written back into the task text, so the text stays the one source of truth.
import { parseParameters, parsePythonLiteral, type TaskParameter } from "../../kernel/pipeline/records/parameters.js";

export type { TaskParameter };

/** The task's parameters, one per name (the first occurrence), and the problems the kernel would report. */
export function taskParameters(source: string): { parameters: TaskParameter[]; problems: string[] } {
  const parsed = parseParameters(source);
  const seen = new Set<string>();
  const parameters = parsed.parameters.filter((p) => (seen.has(p.name) ? false : (seen.add(p.name), true)));
  return { parameters, problems: parsed.problems.map((p) => `${p.text}: ${p.message}`) };
}

/**
 * The literal to write for what was typed in a field: a valid Python literal as it is; plain
 * text for a parameter that holds a string is quoted. Undefined when the value cannot be used.
 */
export function literalFor(typed: string, previous: TaskParameter): string | undefined {
  const text = typed.trim();
  if (text && parsePythonLiteral(text).ok) return text;
  if (typeof previous.value === "string" && !/[\n}]/.test(typed)) return JSON.stringify(typed);
  return undefined;
}

/** The task text with every `{name=…}` of this name set to the literal. */
export function withParameter(source: string, name: string, literal: string): string {
  const groups = parseParameters(source).parameters.filter((p) => p.name === name);
  let out = source;
  for (const group of [...groups].reverse()) out = `${out.slice(0, group.start)}{${name}=${literal}}${out.slice(group.end)}`;
  return out;
}

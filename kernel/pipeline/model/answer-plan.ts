// The plan a cell shows, read from the answer itself (the task prompt asks for a short plan in
// words, then the code; no JSON): the list items before the code, else its lines of prose,
// else the code's own comment lines. Only what came before the code counts: the sentence a
// model writes after its code often describes it wrongly (real-models.md).
import type { PlanStep } from "./answer-schema.js";

const MAX_STEPS = 12;
const MAX_ACTION = 200;

/** A list item: `1. …`, `2) …`, `- …`, `* …`, `• …`. */
const ITEM = /^(\s*)(?:\d{1,3}[.)]|[-*+•])\s+(.+)$/;
/** Lines that open with a greeting or "here is": not steps when they only introduce (they end
 * with ":" or "!", or are short). "Here's a script that computes the payment." is a step. */
const INTRO = /^(sure|certainly|of course|okay|ok|great|absolutely|here('s| is| are)|below is|the following|i('ll| will)|let's|let me)\b/i;
const LABEL = /^(plan|steps|code|solution|answer|explanation|approach)\s*:?$/i;

function isIntroduction(text: string): boolean {
  return LABEL.test(text) || (INTRO.test(text) && (/[:!]$/.test(text) || text.split(/\s+/).length <= 6));
}

export function planFromAnswer(prose: string, code: string): PlanStep[] {
  const lines = prose.split("\n").filter((l) => l.trim());
  const items = lines.map((l) => ITEM.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  let actions: string[];
  if (items.length) {
    // Top-level items only: sub-items belong to the step above them.
    const indent = Math.min(...items.map((m) => m[1]!.length));
    actions = items.filter((m) => m[1]!.length === indent).map((m) => m[2]!);
  } else {
    actions = lines.filter((l) => !/^\s*#{1,6}\s/.test(l));
  }
  let steps = actions
    .map((a) => a.trim())
    .filter((a) => !isIntroduction(a.replace(/\*\*|__/g, "")))
    .map(plainText)
    .filter((a) => a && !/^(`{3}|~{3})/.test(a));
  if (!steps.length) steps = commentSteps(code);
  return steps.slice(0, MAX_STEPS).map((action, i) => ({ step: i + 1, action: clip(action), inputs: [], outputs: [] }));
}

/** The code's own top-level comment lines (`# Load the data`), when the answer has no words. */
function commentSteps(code: string): string[] {
  return code
    .split("\n")
    .filter((l) => /^#(?!!)/.test(l))
    .map((l) => l.replace(/^#+\s*/, "").trim())
    .filter((t) => /[A-Za-z]{2}/.test(t) && !/^(-\*-|type:|noqa|pylint|fmt:)/i.test(t));
}

/** Markdown emphasis and inline code marks off; a trailing colon off; spaces collapsed. */
function plainText(text: string): string {
  return text
    .replace(/\*\*|__/g, "")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/:$/, "")
    .trim();
}

function clip(text: string): string {
  return text.length > MAX_ACTION ? `${text.slice(0, MAX_ACTION - 1)}…` : text;
}

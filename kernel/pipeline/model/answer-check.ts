// Checking the analysis-and-plan JSON an answer may carry: the near misses a model makes are put
// right, then zod judges the shape, and what zod rejects is put in words (for the cell's note
// saying why the JSON was not used).
import type { ZodError } from "zod";
import { isObject } from "../../common/json-file.js";
import { AnalysisAndPlanSchema, type AnalysisAndPlan, type COMPLEXITIES, type TASK_TYPES } from "./answer-schema.js";

/** Normalises and checks a parsed JSON value against the analysis-and-plan schema. */
export function checkAnalysisAndPlan(value: unknown): { ok: true; value: AnalysisAndPlan } | { ok: false; message: string; error: ZodError } {
  const result = AnalysisAndPlanSchema.safeParse(normalise(value));
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: describeZodError(result.error), error: result.error };
}

/** A zod error as lines a reader can act on: `- analysis.task_type: expected one of …, got "foo"`. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 12)
    .map((issue) => {
      const where = issue.path.length ? issue.path.join(".") : "(the whole JSON)";
      let what = issue.message;
      if (issue.code === "invalid_enum_value") {
        what = `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}, not ${JSON.stringify(issue.received)}`;
      } else if (issue.code === "invalid_type") {
        what = issue.received === "undefined" ? `is missing (expected ${issue.expected})` : `must be ${issue.expected}, not ${issue.received}`;
      }
      return `- ${where}: ${what}`;
    })
    .join("\n");
}

// ---------------------------------------------------------------------------------------------
// Normalisation: the near misses a model makes, put right before zod judges the shape.

const TASK_TYPE_SYNONYMS: Record<string, (typeof TASK_TYPES)[number]> = {
  visualization: "visualisation",
  visualize: "visualisation",
  visualise: "visualisation",
  plot: "visualisation",
  plotting: "visualisation",
  chart: "visualisation",
  data_analysis: "analysis",
  report: "report_generation",
  reporting: "report_generation",
  webapp: "web_app",
  web_application: "web_app",
  web: "web_app",
  calc: "calculation",
  computation: "calculation",
  data_processing: "data_processing",
  processing: "data_processing",
  data_transformation: "data_processing",
};

const COMPLEXITY_SYNONYMS: Record<string, (typeof COMPLEXITIES)[number]> = {
  simple: "low",
  easy: "low",
  trivial: "low",
  basic: "low",
  moderate: "medium",
  intermediate: "medium",
  average: "medium",
  complex: "high",
  hard: "high",
  difficult: "high",
  advanced: "high",
};

function normalise(value: unknown): unknown {
  if (!isObject(value)) return value;
  const root: Record<string, unknown> = { ...value };
  // A flattened answer: the analysis fields and the steps at the top level.
  if (root.analysis === undefined && "task_type" in root) root.analysis = { ...root };
  if (root.plan === undefined && root.steps !== undefined) root.plan = { steps: root.steps };
  if (Array.isArray(root.plan)) root.plan = { steps: root.plan };

  if (isObject(root.analysis)) {
    const a: Record<string, unknown> = { ...root.analysis };
    if (typeof a.task_type === "string") {
      const key = a.task_type
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, "_");
      a.task_type = TASK_TYPE_SYNONYMS[key] ?? key;
    }
    if (typeof a.complexity === "string") {
      const key = a.complexity.trim().toLowerCase();
      a.complexity = COMPLEXITY_SYNONYMS[key] ?? key;
    }
    for (const flag of ["needs_web_interface", "needs_simulation"]) a[flag] = booleanish(a[flag]);
    a.data_sources = listOfStrings(a.data_sources);
    root.analysis = a;
  }
  if (isObject(root.plan)) {
    const p: Record<string, unknown> = { ...root.plan };
    if (Array.isArray(p.steps)) {
      p.steps = p.steps.map((step: unknown, i): unknown => {
        if (typeof step === "string") return { step: i + 1, action: step, inputs: [], outputs: [] };
        if (!isObject(step)) return step;
        const s: Record<string, unknown> = { ...step };
        if (s.step === undefined || s.step === null) s.step = i + 1;
        else if (typeof s.step === "string" && /^\s*\d+\s*$/.test(s.step)) s.step = Number(s.step);
        if (s.action === undefined && typeof s.description === "string") s.action = s.description;
        s.inputs = listOfStrings(s.inputs);
        s.outputs = listOfStrings(s.outputs);
        return s;
      });
    }
    root.plan = p;
  }
  return root;
}

function booleanish(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim().toLowerCase();
  if (["true", "yes", "y"].includes(text)) return true;
  if (["false", "no", "n", "none"].includes(text)) return false;
  return value;
}

function listOfStrings(value: unknown): unknown {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value.trim() ? [value] : [];
  if (Array.isArray(value)) return value.map((v: unknown) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v));
  return value;
}

// The analysis and plan a model gives for a new task: the zod schemas that judge it, the same
// shape as JSON Schema for structured output, an example for prompts, and the types.
import { z } from "zod";

export const TASK_TYPES = [
  "calculation",
  "data_processing",
  "analysis",
  "report_generation",
  "visualisation",
  "web_app",
] as const;
export const COMPLEXITIES = ["low", "medium", "high"] as const;

export const AnalysisSchema = z.object({
  task_type: z.enum(TASK_TYPES),
  needs_web_interface: z.boolean(),
  needs_simulation: z.boolean(),
  data_sources: z.array(z.string()),
  complexity: z.enum(COMPLEXITIES),
});

export const PlanStepSchema = z.object({
  step: z.number().int().positive(),
  action: z.string().min(1),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
});

export const PlanSchema = z.object({ steps: z.array(PlanStepSchema).min(1) });

export const AnalysisAndPlanSchema = z.object({ analysis: AnalysisSchema, plan: PlanSchema });

export type Analysis = z.infer<typeof AnalysisSchema>;
export type PlanStep = z.infer<typeof PlanStepSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type AnalysisAndPlan = z.infer<typeof AnalysisAndPlanSchema>;

/** The same shape as JSON Schema, for `response_format: json_schema` (strict rules: every
 * property required, additionalProperties false at every level, no $ref, no unions). Written
 * out rather than generated, so nothing loads a converter; a test checks it against zod. */
export const ANALYSIS_AND_PLAN_JSON_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["analysis", "plan"],
  properties: {
    analysis: {
      type: "object",
      additionalProperties: false,
      required: ["task_type", "needs_web_interface", "needs_simulation", "data_sources", "complexity"],
      properties: {
        task_type: { type: "string", enum: [...TASK_TYPES] },
        needs_web_interface: { type: "boolean" },
        needs_simulation: { type: "boolean" },
        data_sources: { type: "array", items: { type: "string" } },
        complexity: { type: "string", enum: [...COMPLEXITIES] },
      },
    },
    plan: {
      type: "object",
      additionalProperties: false,
      required: ["steps"],
      properties: {
        steps: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["step", "action", "inputs", "outputs"],
            properties: {
              step: { type: "integer" },
              action: { type: "string" },
              inputs: { type: "array", items: { type: "string" } },
              outputs: { type: "array", items: { type: "string" } },
            },
          },
        },
      },
    },
  },
} as const;

export const ANALYSIS_AND_PLAN_SCHEMA_NAME = "luci_analysis_and_plan";

/** An example of the JSON, for prompts (schemas' descriptions are not shown to every model). */
export const EXAMPLE_ANALYSIS_AND_PLAN: AnalysisAndPlan = {
  analysis: {
    task_type: "visualisation",
    needs_web_interface: false,
    needs_simulation: false,
    data_sources: ["sales.csv"],
    complexity: "low",
  },
  plan: {
    steps: [
      { step: 1, action: "Load sales.csv into a DataFrame", inputs: ["sales.csv"], outputs: ["df"] },
      { step: 2, action: "Sum revenue by month and plot it", inputs: ["df"], outputs: ["figure"] },
    ],
  },
};

export interface TaskAnswer extends AnalysisAndPlan {
  code: string;
  /** What the parser had to do to read it ("code had no fences", "JSON repaired: trailing commas"). */
  notes: string[];
}

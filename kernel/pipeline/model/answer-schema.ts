// The analysis and plan of a task: the shape the cell's plan display, the record and the page
// render (application/vnd.luci.plan+json). Luci derives them from the answer (answer-plan.ts,
// code-analysis.ts); an answer that carries them as JSON (the `json` task prompt, or a large
// model that writes them unasked) is judged by these zod schemas. An example for that prompt.
import { z } from "zod";

export const TASK_TYPES = ["calculation", "data_processing", "analysis", "report_generation", "visualisation", "web_app"] as const;
export const COMPLEXITIES = ["low", "medium", "high"] as const;

const AnalysisSchema = z.object({
  task_type: z.enum(TASK_TYPES),
  needs_web_interface: z.boolean(),
  needs_simulation: z.boolean(),
  data_sources: z.array(z.string()),
  complexity: z.enum(COMPLEXITIES),
});

const PlanStepSchema = z.object({
  step: z.number().int().positive(),
  action: z.string().min(1),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
});

const PlanSchema = z.object({ steps: z.array(PlanStepSchema).min(1) });

export const AnalysisAndPlanSchema = z.object({ analysis: AnalysisSchema, plan: PlanSchema });

export type Analysis = z.infer<typeof AnalysisSchema>;
export type PlanStep = z.infer<typeof PlanStepSchema>;
export type AnalysisAndPlan = z.infer<typeof AnalysisAndPlanSchema>;

/** An example of the JSON, for the `json` task prompt. */
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
  /** What the parser had to do to read it ("the code had no fences", "2 python blocks joined"). */
  notes: string[];
}

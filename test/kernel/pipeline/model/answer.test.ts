import { describe, expect, it } from "vitest";
import { parseAnswer, type ParsedAnswer } from "../../../../kernel/pipeline/model/answer-parser.js";
import {
  ANALYSIS_AND_PLAN_JSON_SCHEMA,
  AnalysisAndPlanSchema,
  EXAMPLE_ANALYSIS_AND_PLAN,
  type TaskAnswer,
} from "../../../../kernel/pipeline/model/answer-schema.js";
import { parseJsonLeniently } from "../../../../kernel/pipeline/model/lenient-json.js";
import { parseRepairedJson, repairPrompt } from "../../../../kernel/pipeline/model/repair-prompt.js";
import { AnswerFormatError, ModelRefused } from "../../../../kernel/pipeline/model/errors.js";
import { answerText, brokenJson, refusal, wrongShape } from "../../../support/fake-model-server.js";

const GOOD = {
  analysis: {
    task_type: "calculation",
    needs_web_interface: false,
    needs_simulation: false,
    data_sources: [],
    complexity: "low",
  },
  plan: { steps: [{ step: 1, action: "Compute the payment", inputs: ["rate"], outputs: ["payment"] }] },
};
const CODE = "import math\n\npayment = 250000 * 0.05 / 12\nprint(payment)";

function ok(parsed: ParsedAnswer): TaskAnswer {
  if (!parsed.ok) throw new Error(`expected a usable answer, got ${parsed.problem}: ${parsed.message}`);
  return parsed.answer;
}

describe("parseAnswer: the well-formed answer", () => {
  it("reads the JSON fence and the python fence", () => {
    const text = "```json\n" + JSON.stringify(GOOD, null, 2) + "\n```\n```python\n" + CODE + "\n```\n";
    const answer = ok(parseAnswer(text));
    expect(answer.analysis).toEqual(GOOD.analysis);
    expect(answer.plan).toEqual(GOOD.plan);
    expect(answer.code).toBe(CODE + "\n");
    expect(answer.notes).toEqual([]);
  });

  it("accepts ```py and bare ``` fences for the code and joins several blocks in order", () => {
    const text =
      "```json\n" + JSON.stringify(GOOD) + "\n```\nFirst:\n```py\nx = 1\n```\nThen:\n```\nprint(x + 1)\n```";
    expect(ok(parseAnswer(text)).code).toBe("x = 1\n\nprint(x + 1)\n");
  });

  it("ignores a bash block and an output block that are not Python", () => {
    const text =
      "```json\n" + JSON.stringify(GOOD) + "\n```\n```bash\npip install pandas\n```\n```python\nprint(1)\n```\n" +
      "Output:\n```\n1\n```";
    expect(ok(parseAnswer(text)).code).toBe("print(1)\n");
  });

  it("drops <think> blocks of reasoning models", () => {
    const text =
      "<think>Maybe ```python\nimport os\nos.remove('x')\n``` no.</think>\n```json\n" +
      JSON.stringify(GOOD) + "\n```\n```python\nprint(2)\n```";
    expect(ok(parseAnswer(text)).code).toBe("print(2)\n");
  });
});

describe("parseAnswer: messy answers", () => {
  it("finds bare JSON with prose around it (the fake server's prose + unfenced JSON)", () => {
    const text = answerText({
      analysis: GOOD.analysis,
      plan: GOOD.plan,
      jsonFenced: false,
      prose: { before: "Sure! Here is my analysis of the task {briefly}:", after: "Hope this helps." },
      code: CODE,
    });
    const answer = ok(parseAnswer(text));
    expect(answer.plan.steps[0]?.action).toBe("Compute the payment");
    expect(answer.code).toBe(CODE + "\n");
  });

  it("recognises code with no fences after the JSON, and stops at the prose after it", () => {
    const text =
      "```json\n" + JSON.stringify(GOOD) + "\n```\n" +
      "import pandas as pd\n\ndf = pd.DataFrame({\n    'a': [1, 2],\n})\nfor x in df.a:\n    print(x)\n\n" +
      "This code prints each value of the column.";
    const answer = ok(parseAnswer(text));
    expect(answer.code).toBe("import pandas as pd\n\ndf = pd.DataFrame({\n    'a': [1, 2],\n})\nfor x in df.a:\n    print(x)\n");
    expect(answer.notes).toContain("the code had no fences");
  });

  it("takes code that came as a string inside the JSON when there is no fence", () => {
    const text = JSON.stringify({ ...GOOD, code: "print('in json')" });
    const answer = ok(parseAnswer(text));
    expect(answer.code).toBe("print('in json')\n");
    expect(answer.notes).toContain("the code came inside the JSON");
  });

  it("puts right the near misses: US spelling, 'simple', missing step numbers, strings for lists", () => {
    const json = {
      analysis: { task_type: "Visualization", needs_web_interface: "no", needs_simulation: false, data_sources: "sales.csv", complexity: "simple" },
      plan: { steps: [{ action: "load", inputs: "sales.csv" }, "plot it"] },
    };
    const answer = ok(parseAnswer("```json\n" + JSON.stringify(json) + "\n```\n```python\nprint(1)\n```"));
    expect(answer.analysis).toEqual({
      task_type: "visualisation",
      needs_web_interface: false,
      needs_simulation: false,
      data_sources: ["sales.csv"],
      complexity: "low",
    });
    expect(answer.plan.steps).toEqual([
      { step: 1, action: "load", inputs: ["sales.csv"], outputs: [] },
      { step: 2, action: "plot it", inputs: [], outputs: [] },
    ]);
  });

  it("reads the fake server's default answer (complexity 'simple', steps without numbers)", () => {
    const answer = ok(parseAnswer(answerText()));
    expect(answer.analysis.complexity).toBe("low");
    expect(answer.plan.steps[0]?.step).toBe(1);
    expect(answer.code).toContain("print(result)");
  });
});

describe("parseAnswer: broken JSON", () => {
  it.each(["trailing-comma", "single-quotes"] as const)("repairs %s locally and says so", (kind) => {
    const text = brokenJson(kind, { analysis: GOOD.analysis, plan: GOOD.plan }).reply;
    expect(() => JSON.parse(text.split("```json\n")[1]!.split("\n```")[0]!)).toThrow();
    const answer = ok(parseAnswer(text));
    expect(answer.analysis).toEqual(GOOD.analysis);
    expect(answer.notes.join(" ")).toMatch(kind === "trailing-comma" ? /trailing commas/ : /single quotes/);
  });

  it("repairs Python literals, comments, unquoted keys and missing commas", () => {
    const json = `{
      // the analysis
      analysis: {"task_type": "calculation", "needs_web_interface": False, "needs_simulation": False,
                 "data_sources": [] "complexity": "low"},
      "plan": {"steps": [{"step": 1, "action": "add", "inputs": [], "outputs": ["x"]}]}
    }`;
    const answer = ok(parseAnswer("```json\n" + json + "\n```\n```python\nx = 1 + 1\n```"));
    expect(answer.analysis.needs_web_interface).toBe(false);
    expect(answer.notes[0]).toMatch(/comments.*|unquoted keys|Python literals|missing commas/);
    expect(answer.notes[0]).toContain("missing commas");
  });

  it("closes truncated JSON locally; what is then missing goes to the repair call with zod's words", () => {
    const text = brokenJson("truncated", { analysis: GOOD.analysis, plan: GOOD.plan }).reply;
    const parsed = parseAnswer(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toBe("json_shape");
    expect(parsed.message).toMatch(/- plan(\.steps)?: is missing/);
    expect(parsed.code).toContain("print(result)");
    expect(parsed.notes.join(" ")).toContain("a truncated end");
  });

  it("reports JSON it cannot read as json_broken, keeping the code", () => {
    const mangled = "```json\n{\"analysis\" \"calculation\" @@@ }\n```\n```python\nprint(3)\n```";
    const parsed = parseAnswer(mangled);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toBe("json_broken");
    expect(parsed.message).toMatch(/does not parse/);
    expect(parsed.code).toBe("print(3)\n");
    expect(parsed.jsonText).toContain("@@@");
  });
});

describe("parseAnswer: wrong shape, missing JSON, refusals", () => {
  it("gives a zod message that names the path and what was expected", () => {
    const text = wrongShape({}, { set: { analysis: { ...GOOD.analysis, task_type: "poetry" } }, drop: ["plan"] }).reply;
    const parsed = parseAnswer(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toBe("json_shape");
    expect(parsed.message).toContain('analysis.task_type: must be one of "calculation"');
    expect(parsed.message).toContain('not "poetry"');
    expect(parsed.message).toContain("plan: is missing");
    expect(parsed.zodError?.issues.length).toBe(2);
  });

  it("reports an answer with code but no JSON as json_missing", () => {
    const parsed = parseAnswer("```python\nprint('hi')\n```");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toBe("json_missing");
    expect(parsed.code).toBe("print('hi')\n");
  });

  it.each([
    "I can't help with that.",
    "I cannot help with creating malware.",
    "As an AI language model, I do not have access to your files.",
    "I'm sorry, but I won't write that.",
  ])("throws ModelRefused with the model's words: %s", (words) => {
    let thrown: unknown;
    try {
      parseAnswer(words);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ModelRefused);
    expect((thrown as ModelRefused).modelText).toBe(words);
    expect((thrown as Error).message).toContain(words.slice(0, 20));
  });

  it("the fake server's refusal scenario is a refusal", () => {
    expect(() => parseAnswer(refusal().reply)).toThrow(ModelRefused);
  });

  it("does not take 'I can't' for a refusal when there is code", () => {
    const text = "I can't read your screen, but this works:\n```json\n" + JSON.stringify(GOOD) + "\n```\n```python\nprint(4)\n```";
    expect(ok(parseAnswer(text)).code).toBe("print(4)\n");
  });

  it("throws AnswerFormatError for an answer with neither code nor refusal, and for an empty one", () => {
    expect(() => parseAnswer("The monthly payment depends on the rate.")).toThrow(AnswerFormatError);
    expect(() => parseAnswer("")).toThrow(/empty/);
  });
});

describe("the repair call", () => {
  it("repairPrompt carries the broken text, the zod problem and the schema", () => {
    const parsed = parseAnswer(wrongShape().reply);
    if (parsed.ok || !parsed.zodError) throw new Error("expected a shape problem");
    const messages = repairPrompt(parsed.jsonText, parsed.zodError);
    expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(messages[0]!.content).toContain('"task_type"');
    expect(messages[1]!.content).toContain(parsed.jsonText.slice(0, 40));
    expect(messages[1]!.content).toContain("plan: is missing");
  });

  it("parseRepairedJson accepts bare or fenced JSON and rejects what is still wrong, in plain words", () => {
    expect(parseRepairedJson(JSON.stringify(GOOD))).toEqual(GOOD);
    expect(parseRepairedJson("Here:\n```json\n" + JSON.stringify(GOOD) + "\n```")).toEqual(GOOD);
    expect(() => parseRepairedJson('{"analysis": {}}')).toThrow(/even when asked again[\s\S]*analysis.task_type/);
    expect(() => parseRepairedJson("no idea")).toThrow(AnswerFormatError);
  });
});

describe("the JSON schema for response_format", () => {
  it("agrees with zod: the example passes both, and every object is strict", () => {
    expect(AnalysisAndPlanSchema.parse(EXAMPLE_ANALYSIS_AND_PLAN)).toEqual(EXAMPLE_ANALYSIS_AND_PLAN);
    const objects: Record<string, unknown>[] = [];
    const walk = (node: unknown) => {
      if (!node || typeof node !== "object") return;
      const n = node as Record<string, unknown>;
      if (n.type === "object") objects.push(n);
      Object.values(n).forEach(walk);
    };
    walk(ANALYSIS_AND_PLAN_JSON_SCHEMA);
    expect(objects.length).toBe(4);
    for (const o of objects) {
      expect(o.additionalProperties).toBe(false);
      expect([...(o.required as string[])].sort()).toEqual(Object.keys(o.properties as object).sort());
    }
    const zodAnalysisKeys = Object.keys(AnalysisAndPlanSchema.shape.analysis.shape).sort();
    expect(Object.keys(ANALYSIS_AND_PLAN_JSON_SCHEMA.properties.analysis.properties).sort()).toEqual(zodAnalysisKeys);
  });

  it("parseJsonLeniently: strict JSON passes untouched, garbage fails with the strict parser's message", () => {
    expect(parseJsonLeniently('{"a": [1, 2]}')).toEqual({ ok: true, value: { a: [1, 2] }, fixes: [] });
    const bad = parseJsonLeniently("{ @ }");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/JSON|Unexpected/);
  });
});

// The reader of an answer while it streams (model/partial-answer.ts): every prefix of every
// answer shape is read without throwing, the steps and code it shows only grow as complete
// lines arrive, and once the whole answer has come it shows what the final reader gives.
import { describe, expect, it } from "vitest";
import { parseAnswer } from "../../../../kernel/pipeline/model/answer-parser.js";
import { readPartialAnswer } from "../../../../kernel/pipeline/model/partial-answer.js";
import {
  answer,
  closingThinkOnly,
  codeAnswer,
  indentedFences,
  jsonAnswer,
  listMarkerFences,
  proseFence,
  thinkTags,
  withCrlf,
  withExampleUsage,
  type ReplyScenario,
} from "../../../support/fake-model-server.js";

const PLAN = { steps: [{ action: "Load the numbers" }, { action: "Sum them and print the total" }] };
const CODE = "numbers = [3, 4, 5]\ntotal = sum(numbers)\nprint(f'total {total}')";

const SHAPES: ReplyScenario[] = [
  answer({ plan: PLAN, code: CODE }),
  codeAnswer({ plan: PLAN, code: CODE }),
  jsonAnswer({ plan: { steps: PLAN.steps.map((s, i) => ({ step: i + 1, ...s, inputs: [], outputs: [] })) }, code: CODE }),
  listMarkerFences({ plan: { steps: PLAN.steps.map((s, i) => ({ step: i + 1, ...s, inputs: [], outputs: [] })) }, code: CODE }),
  proseFence({ plan: PLAN, code: CODE }),
  indentedFences({ plan: PLAN, code: CODE }),
  thinkTags("The user wants a sum. I should write `sum(...)`.", { plan: PLAN, code: CODE }),
  closingThinkOnly("Let me think about the sum", { plan: PLAN, code: CODE }),
  withCrlf(answer({ plan: PLAN, code: CODE, prose: { before: "Sure! Here's how:", after: "This prints the total." } })),
  withExampleUsage("def total(xs):\n    return sum(xs)", "print(total([3, 4, 5]))", { plan: PLAN }),
];

describe("reading an answer while it streams", () => {
  for (const shape of SHAPES) {
    it(`${shape.label}: every prefix reads without throwing; at the end it shows the final reader's steps and code`, () => {
      const text = shape.reply;
      for (let end = 0; end <= text.length; end++) {
        const read = readPartialAnswer(text.slice(0, end));
        // The code shown is never a fence line nor a reasoning tag.
        expect(read.code).not.toMatch(/^\s*(```|~~~)/m);
        expect(read.code).not.toMatch(/<\/?think/);
        expect(read.steps.join("\n")).not.toMatch(/<\/?think|```/);
      }
      const final = parseAnswer(text);
      const whole = readPartialAnswer(text);
      expect(whole.code.trim()).toBe(final.code.trim());
      expect(whole.steps).toEqual(final.plan.steps.map((s) => s.action));
    });
  }

  it("shows a step only once its line is complete, and never a half-written fence as code", () => {
    expect(readPartialAnswer("1. Load the num").steps).toEqual([]);
    expect(readPartialAnswer("1. Load the numbers\n2. Sum").steps).toEqual(["Load the numbers"]);
    const half = readPartialAnswer("1. Load the numbers\n\n```python\nx = 1\nprint(x)\n``");
    expect(half.code).toBe("x = 1\nprint(x)");
    expect(half.steps).toEqual(["Load the numbers"]);
    // The default answer's steps are its comments: a comment shows once its line is done.
    expect(readPartialAnswer("```python\n# Load the data\nimport csv\n# Count the ro").steps).toEqual(["Load the data"]);
  });

  it("hides reasoning whose <think> has not closed, a tag half written, and reasoning the template opened", () => {
    const open = readPartialAnswer("<think>\nfirst I will import os\n```python\nimport os");
    expect(open).toMatchObject({ reasoning: true, steps: [], code: "" });
    expect(readPartialAnswer("<thi").code).toBe("");
    expect(readPartialAnswer("1. Step one\n</thi")).toMatchObject({ reasoning: false, steps: ["Step one"] });
    // Prose before a lone </think> is reasoning: it is not a step while no code has come.
    expect(readPartialAnswer("Okay, so the user wants a sum.\nI think\n").steps).toEqual([]);
  });

  it("reads half a JSON plan's complete actions, and a tool call's code as far as its JSON string has come", () => {
    const json = '```json\n{"analysis": {"task_type": "calc"}, "plan": {"steps": [{"step": 1, "action": "Load \\"data\\""}, {"step": 2, "action": "Sum th';
    expect(readPartialAnswer(json).steps).toEqual(['Load "data"']);
    const tool = readPartialAnswer("", '{"code": "import math\\nprint(round(math.pi, 2))\\nprint(\\"é\\u00e9\\');
    expect(tool.code).toBe('import math\nprint(round(math.pi, 2))\nprint("éé');
    expect(readPartialAnswer("", '{"code": "x = 1\\').code).toBe("x = 1");
    expect(readPartialAnswer("", "print('raw tool code')").code).toBe("print('raw tool code')");
  });

  it("never throws on hostile input: a brace storm, unpaired fences, a huge answer", () => {
    for (const text of [
      "{".repeat(5000),
      "```\n```python\n```\n~~~\n````",
      "`".repeat(10_000),
      "x = 1\n".repeat(30_000),
      "\u0000<think></think></think><think>",
    ]) {
      expect(() => readPartialAnswer(text, text)).not.toThrow();
    }
  });
});

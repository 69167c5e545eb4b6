// The answer reader, on answers written the way real models and servers write them. Each shape
// has its own test; the ones that a kernel test also plays through the fake server come from
// the same builders (test/support/fake-model/answers.ts).
import { describe, expect, it } from "vitest";
import { parseAnswer, UnusableAnswer } from "../../../../kernel/pipeline/model/answer-parser.js";
import { AnalysisAndPlanSchema, EXAMPLE_ANALYSIS_AND_PLAN } from "../../../../kernel/pipeline/model/answer-schema.js";
import { analyseCode } from "../../../../kernel/pipeline/model/code-analysis.js";
import { ModelRefused } from "../../../../kernel/pipeline/model/errors.js";
import { parseJsonLeniently } from "../../../../kernel/pipeline/model/lenient-json.js";
import { boundNames, endsMidStatement, showsSomething, usedNames } from "../../../../kernel/pipeline/model/python-scan.js";
import {
  brokenJson,
  closingThinkOnly,
  indentedFences,
  jsonAnswer,
  listMarkerFences,
  proseFence,
  refusal,
  separateReasoning,
  stepBlocks,
  thinkTags,
  withCrlf,
  withExampleUsage,
  wrongShape,
} from "../../../support/fake-model-server.js";

const GOOD = {
  analysis: { task_type: "calculation", needs_web_interface: false, needs_simulation: false, data_sources: [], complexity: "low" },
  plan: { steps: [{ step: 1, action: "Compute the payment", inputs: ["rate"], outputs: ["payment"] }] },
};
const LOAN = "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\nprint(f'{payment:.2f}')";

/** What parseAnswer threw. */
function thrown(read: () => unknown): Error {
  try {
    read();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the answer to be refused");
}

const actions = (text: string) => parseAnswer(text).plan.steps.map((s) => s.action);

describe("the plain answer: a plan in words, then one python block", () => {
  // As Qwen2.5-Coder-1.5B wrote it when asked plainly (real-models.md): a sentence, a numbered
  // plan, the block, and a closing sentence that need not agree with the code.
  const QWEN = [
    "To calculate the monthly payment of a loan, we can use the annuity formula. Here's a step-by-step plan:",
    "",
    "1. Convert the annual interest rate to a monthly rate.",
    "2. Calculate the number of monthly payments.",
    "3. Apply the annuity formula to find the monthly payment.",
    "",
    "```python",
    "# Convert the annual rate to a monthly rate",
    "monthly_rate = rate / 12",
    "n = years * 12",
    "payment = principal * monthly_rate / (1 - (1 + monthly_rate) ** -n)",
    'print(f"Monthly payment: {payment:.2f}")',
    "```",
    "",
    "This code will calculate and print the monthly payment for 10 loans.",
  ].join("\n");

  it("takes the block as the code, the list as the plan, and derives the analysis from the code", () => {
    const answer = parseAnswer(QWEN);
    expect(answer.code).toBe(QWEN.split("```python\n")[1]!.split("\n```")[0] + "\n");
    expect(answer.plan.steps).toEqual([
      { step: 1, action: "Convert the annual interest rate to a monthly rate.", inputs: [], outputs: [] },
      { step: 2, action: "Calculate the number of monthly payments.", inputs: [], outputs: [] },
      { step: 3, action: "Apply the annuity formula to find the monthly payment.", inputs: [], outputs: [] },
    ]);
    expect(answer.analysis).toEqual({ task_type: "calculation", needs_web_interface: false, needs_simulation: false, data_sources: [], complexity: "low" });
    expect(answer.notes).toEqual([]);
    // The result has the shape the displays, the record and the page render.
    expect(AnalysisAndPlanSchema.safeParse(answer).success).toBe(true);
  });

  it("never takes the sentence after the code into the plan", () => {
    expect(actions(QWEN).join(" ")).not.toContain("10 loans");
  });

  it("takes lines of prose as the plan when there is no list, leaving out the introductions", () => {
    const text = "Sure! Here is the code:\nWe read the CSV file and sum the revenue per month.\nThen we plot the sums.\n\n```python\nprint(1)\n```";
    expect(actions(text)).toEqual(["We read the CSV file and sum the revenue per month.", "Then we plot the sums."]);
  });

  it("takes the code's own comment lines as the plan when the answer has no words", () => {
    const text =
      "```python\n#!/usr/bin/env python\n# Load the data\nimport pandas as pd\ndf = pd.read_csv('sales.csv')\n# Plot revenue by month\ndf.plot()\n    # not a step: indented\n```";
    expect(actions(text)).toEqual(["Load the data", "Plot revenue by month"]);
  });

  it("folds sub-items into their step and strips Markdown from the steps", () => {
    const text = "1. **Load** the `sales.csv` file:\n   - with pandas\n2. Plot it\n\n```python\nprint(1)\n```";
    expect(actions(text)).toEqual(["Load the sales.csv file", "Plot it"]);
  });
});

describe("fences where models put them", () => {
  it("a fence after a list marker (`1. ```json`, `2. ```python`): Qwen2.5-Coder-1.5B with a numbered format", () => {
    const answer = parseAnswer(listMarkerFences({ analysis: GOOD.analysis, plan: GOOD.plan, code: LOAN }).reply);
    expect(answer.code).toBe(LOAN + "\n");
    expect(answer.plan).toEqual(GOOD.plan);
    expect(answer.analysis).toEqual(GOOD.analysis);
  });

  it("a fence at the end of a line of prose: `Here is the code: ```python`", () => {
    const answer = parseAnswer(proseFence({ plan: ["Compute the payment"], code: LOAN }).reply);
    expect(answer.code).toBe(LOAN + "\n");
    expect(answer.plan.steps.map((s) => s.action)).toEqual(["Compute the payment"]);
  });

  it("inline ```code``` in a sentence is not a fence", () => {
    const text = "Use ```x = 1``` as a start.\n\n```python\nprint('ok')\n```";
    expect(parseAnswer(text).code).toBe("print('ok')\n");
  });

  it("a fence indented under a list item: the indentation removed (Qwen2.5-Coder-0.5B)", () => {
    const code = "# Define the loan\nprincipal_amount = 250000\n\nfor month in range(2):\n    print(month, principal_amount)";
    const answer = parseAnswer(indentedFences({ plan: ["Define the variables", "Loop over the months"], code }).reply);
    expect(answer.code).toBe(code + "\n");
    expect(answer.plan.steps.map((s) => s.action)).toEqual(["Define the variables", "Loop over the months", "Write the Python Code"]);
  });

  it("the 0.5B model's exact shape: bold steps with sub-bullets, the block under step 5", () => {
    const text = [
      "To calculate the monthly payment, follow these steps:",
      "",
      "1. **Define the Variables:**",
      "   - `principal`: The loan amount.",
      "   - `rate`: The annual interest rate.",
      "",
      "5. **Write the Python Code:**",
      "   ```python",
      "   # Define the variables",
      "   principal = 250000",
      "   ",
      "   payment = principal / 360",
      "   print(payment)",
      "   ```",
    ].join("\n");
    const answer = parseAnswer(text);
    expect(answer.code).toBe("# Define the variables\nprincipal = 250000\n\npayment = principal / 360\nprint(payment)\n");
    expect(answer.plan.steps.map((s) => s.action)).toEqual(["Define the Variables", "Write the Python Code"]);
  });

  it("an indented fence whose code sits at the margin keeps the code's own indentation (no over-stripping)", () => {
    const text = "1. The code:\n   ```python\nfor i in range(2):\n    print(i)\n   ```";
    expect(parseAnswer(text).code).toBe("for i in range(2):\n    print(i)\n");
  });

  it("lines inside a triple-quoted string do not count for the indentation removed", () => {
    // Without that, the string's line at the margin would leave the whole block indented.
    const text = '- Code:\n  ```python\n  text = """\nline at the margin\n      indented line\n"""\n  print(text)\n  ```';
    expect(parseAnswer(text).code).toBe('text = """\nline at the margin\n    indented line\n"""\nprint(text)\n');
  });

  it("a closing fence glued to the last line of code", () => {
    expect(parseAnswer("1. Print\n```python\nprint(1)```").code).toBe("print(1)\n");
  });

  it("a ```python line with no closing fence before it closes the block before and opens a new one", () => {
    const text = "```json\n" + JSON.stringify(GOOD) + "\n```python\nprint(5)\n```";
    const answer = parseAnswer(text);
    expect(answer.code).toBe("print(5)\n");
    expect(answer.plan).toEqual(GOOD.plan);
  });

  it("CRLF line ends (Windows servers and templates): no \\r is left in the code", () => {
    const answer = parseAnswer(withCrlf(proseFence({ code: "x = 1\nprint(x)" })).reply);
    expect(answer.code).toBe("x = 1\nprint(x)\n");
    expect(answer.plan.steps[0]!.action).toBe("compute the result and print it");
  });

  it("~~~ fences, and ```` fences around code that holds a ``` line inside a string", () => {
    expect(parseAnswer("~~~python\nprint(1)\n~~~").code).toBe("print(1)\n");
    const code = 'md = """\n```python\nx = 1\n```\n"""\nprint(md)';
    expect(parseAnswer("````python\n" + code + "\n````").code).toBe(code + "\n");
  });
});

describe("several python blocks: which one is the program", () => {
  it("a program that only defines, then example usage: both run (the example is what shows the result)", () => {
    const answer = parseAnswer(
      withExampleUsage("def payment(p, r, n):\n    return p * r / (1 - (1 + r) ** -n)", "print(round(payment(1000, 0.01, 12), 2))").reply,
    );
    expect(answer.code).toBe("def payment(p, r, n):\n    return p * r / (1 - (1 + r) ** -n)\n\nprint(round(payment(1000, 0.01, 12), 2))\n");
    expect(answer.notes.join(" ")).toMatch(/only defines things, so its example usage was run with it/);
  });

  it("a program that prints its result, then example usage: the example is left out", () => {
    const program = "def payment(p, r, n):\n    return p * r / (1 - (1 + r) ** -n)\n\nprint(payment(principal, rate / 12, years * 12))";
    const answer = parseAnswer(withExampleUsage(program, "# Example usage\nprint(payment(100000, 0.004, 180))").reply);
    expect(answer.code).toBe(program + "\n");
    expect(answer.notes.join(" ")).toMatch(/1 example-usage block left out/);
  });

  it("steps that build on each other are joined in order", () => {
    const answer = parseAnswer(
      stepBlocks([
        { step: "Load the data", code: "import pandas as pd\ndf = pd.read_csv('sales.csv')" },
        { step: "Keep 2024", code: "df_2024 = df[df['year'] == 2024]" },
        { step: "Print the total", code: "print(df_2024['revenue'].sum())" },
      ]).reply,
    );
    expect(answer.code).toBe("import pandas as pd\ndf = pd.read_csv('sales.csv')\n\ndf_2024 = df[df['year'] == 2024]\n\nprint(df_2024['revenue'].sum())\n");
    expect(answer.plan.steps.map((s) => s.action)).toEqual(["Load the data", "Keep 2024", "Print the total"]);
    expect(answer.notes.join(" ")).toMatch(/3 python blocks that build on each other were joined/);
  });

  it("a draft, then the corrected version: only the corrected version", () => {
    const text =
      "```python\ndef mean(xs):\n    return sum(xs) / len(x)\n```\n\nOops, that has a typo. Here is the corrected code:\n\n" +
      "```python\ndef mean(xs):\n    return sum(xs) / len(xs)\n\nprint(mean([1, 2, 3]))\n```";
    expect(parseAnswer(text).code).toBe("def mean(xs):\n    return sum(xs) / len(xs)\n\nprint(mean([1, 2, 3]))\n");
  });

  it("a block that redefines an earlier block's function supersedes it, labelled or not", () => {
    const text =
      "```python\ndef area(r):\n    return 3.14 * r * r\n```\n\n```python\nimport math\n\ndef area(r):\n    return math.pi * r ** 2\n\nprint(area(2))\n```";
    expect(parseAnswer(text).code).toBe("import math\n\ndef area(r):\n    return math.pi * r ** 2\n\nprint(area(2))\n");
  });

  it("a block repeated inside a longer one (an explanation quoting the code) is left out", () => {
    const text = "```python\nimport math\nx = math.sqrt(16)\nprint(x)\n```\n\nThe key line is:\n\n```python\nx = math.sqrt(16)\n```";
    const answer = parseAnswer(text);
    expect(answer.code).toBe("import math\nx = math.sqrt(16)\nprint(x)\n");
    expect(answer.notes.join(" ")).toMatch(/repeated or redefined in a later one/);
  });

  it("an alternative ('Alternatively, …') is left out", () => {
    const text =
      "```python\nsquares = []\nfor i in range(5):\n    squares.append(i * i)\nprint(squares)\n```\n\nAlternatively, with a list comprehension:\n\n```python\nprint([i * i for i in range(5)])\n```";
    const answer = parseAnswer(text);
    expect(answer.code).toBe("squares = []\nfor i in range(5):\n    squares.append(i * i)\nprint(squares)\n");
    expect(answer.notes.join(" ")).toMatch(/1 alternative python block left out/);
  });

  it("a shell `pip install` block and a python block that only installs are left out", () => {
    const text =
      "```bash\npip install pandas\n```\n\n```python\n!pip install matplotlib\n```\n\n```python\nimport pandas as pd\nprint(pd.__name__)\n```\n\nOutput:\n```\npandas\n```";
    expect(parseAnswer(text).code).toBe("import pandas as pd\nprint(pd.__name__)\n");
  });

  it("a block unrelated to the program (no names shared) is left out, and said so", () => {
    const text = "```python\nimport math\nradius = 2\narea = math.pi * radius ** 2\nprint(area)\n```\n\n```python\nprint('hello')\n```";
    const answer = parseAnswer(text);
    expect(answer.code).toBe("import math\nradius = 2\narea = math.pi * radius ** 2\nprint(area)\n");
    expect(answer.notes.join(" ")).toMatch(/1 python block unrelated to the program/);
  });

  it("a `>>>` session keeps only its input lines", () => {
    expect(parseAnswer("```pycon\n>>> x = 2\n>>> print(x * 3)\n6\n```").code).toBe("x = 2\nprint(x * 3)\n");
  });
});

describe("reasoning before the answer", () => {
  it("<think>…</think> is taken off, with the draft code inside it", () => {
    const answer = parseAnswer(thinkTags("Maybe:\n```python\nimport os\nos.remove('x')\n```\nNo, simpler.", { code: "print(2)" }).reply);
    expect(answer.code).toBe("print(2)\n");
    expect(answer.plan.steps.map((s) => s.action)).toEqual(["compute the result and print it"]);
  });

  it("an answer that begins inside the reasoning, with only a closing </think> (DeepSeek-R1 distills, QwQ)", () => {
    const reasoning = "Okay, the user wants the sum. I could write:\n```python\nprint(sum([1]))\n```\nBut let me list the steps first.\n1. Not a plan step";
    const answer = parseAnswer(closingThinkOnly(reasoning, { plan: ["Add the numbers"], code: "print(1 + 2)" }).reply);
    expect(answer.code).toBe("print(1 + 2)\n");
    expect(answer.plan.steps.map((s) => s.action)).toEqual(["Add the numbers"]);
  });

  it("reasoning sent apart (reasoning_content) is not part of the text the reader gets", () => {
    const scenario = separateReasoning("Let me think about ```python\nbad()\n```", { code: "print(3)" });
    expect(scenario.reply).not.toContain("bad()");
    expect(parseAnswer(scenario.reply).code).toBe("print(3)\n");
  });

  it("a <think> that never closes: its text is read, and a note says so", () => {
    const answer = parseAnswer("<think>\nThe plan:\n```python\nprint(4)\n```");
    expect(answer.code).toBe("print(4)\n");
    expect(answer.notes.join(" ")).toMatch(/reasoning never closed/);
  });
});

describe("code as a tool or function call", () => {
  it('takes {"code": …} arguments, and the prose before the call as the plan', () => {
    const answer = parseAnswer({ text: "1. Print the answer", toolCalls: [{ name: "python", arguments: JSON.stringify({ code: "print(42)" }) }] });
    expect(answer.code).toBe("print(42)\n");
    expect(answer.plan.steps.map((s) => s.action)).toEqual(["Print the answer"]);
    expect(answer.notes).toContain('the code came as a call of the tool "python"');
  });

  it("takes the code itself as the arguments (gpt-oss's python tool), and fenced code inside the arguments", () => {
    expect(parseAnswer({ text: "", toolCalls: [{ name: "python", arguments: "import math\nprint(math.pi)" }] }).code).toBe("import math\nprint(math.pi)\n");
    const fenced = JSON.stringify({ source: "```python\nprint(7)\n```" });
    expect(parseAnswer({ text: "", toolCalls: [{ name: "run_code", arguments: fenced }] }).code).toBe("print(7)\n");
  });

  it("a tool call with no code falls back to the text", () => {
    const answer = parseAnswer({ text: "```python\nprint(8)\n```", toolCalls: [{ name: "search", arguments: '{"query": "loans"}' }] });
    expect(answer.code).toBe("print(8)\n");
  });
});

describe("the analysis and plan as JSON (LUCI_TASK_PROMPT=json, or unasked)", () => {
  it("uses a ```json block that zod accepts", () => {
    const answer = parseAnswer(jsonAnswer({ analysis: GOOD.analysis, plan: GOOD.plan, code: "print(1)" }).reply);
    expect(answer.analysis).toEqual(GOOD.analysis);
    expect(answer.plan).toEqual(GOOD.plan);
    expect(answer.code).toBe("print(1)\n");
  });

  it("uses bare JSON in the prose, and puts right the near misses (US spelling, 'simple', missing step numbers)", () => {
    const json = {
      analysis: { ...GOOD.analysis, task_type: "Visualization", complexity: "simple" },
      plan: { steps: [{ action: "plot", inputs: [], outputs: [] }] },
    };
    const answer = parseAnswer(`Here is my analysis: ${JSON.stringify(json)}\n\n\`\`\`python\nprint(1)\n\`\`\``);
    expect(answer.analysis.task_type).toBe("visualisation");
    expect(answer.analysis.complexity).toBe("low");
    expect(answer.plan.steps[0]).toEqual({ step: 1, action: "plot", inputs: [], outputs: [] });
  });

  it("repairs JSON locally (single quotes) rather than asking again", () => {
    const answer = parseAnswer(brokenJson("single-quotes", { analysis: GOOD.analysis, plan: GOOD.plan }).reply);
    expect(answer.plan).toEqual(GOOD.plan);
  });

  it("ignores JSON of the wrong shape, with a note, and reads the plan from the rest", () => {
    const answer = parseAnswer(wrongShape({ code: "# Compute it\nprint(6 * 7)" }).reply);
    expect(answer.code).toBe("# Compute it\nprint(6 * 7)\n");
    expect(answer.notes.join(" ")).toMatch(/JSON had the wrong shape \(plan: is missing/);
    expect(answer.plan.steps.map((s) => s.action)).toEqual(["Compute it"]);
    expect(answer.analysis.task_type).toBe("calculation");
  });

  it("ignores JSON that does not parse, with a note", () => {
    const answer = parseAnswer('```json\n{"analysis": {"task_type": calculation @@@ }}\n```\n```python\nprint(3)\n```');
    expect(answer.code).toBe("print(3)\n");
    expect(answer.notes.join(" ")).toMatch(/JSON did not parse/);
  });

  it("takes code that came inside the JSON when there is no block", () => {
    const answer = parseAnswer(JSON.stringify({ ...GOOD, code: "print('in json')" }));
    expect(answer.code).toBe("print('in json')\n");
    expect(answer.notes).toContain("the code came inside the JSON");
  });

  it("the prompt's example passes zod", () => {
    expect(AnalysisAndPlanSchema.parse(EXAMPLE_ANALYSIS_AND_PLAN)).toEqual(EXAMPLE_ANALYSIS_AND_PLAN);
    expect(parseJsonLeniently("{ @ }").ok).toBe(false);
  });
});

describe("code with no fences", () => {
  it("recognises the code after the plan and stops at the prose after it", () => {
    const text = "1. Build the frame\n\nimport pandas as pd\n\ndf = pd.DataFrame({\n    'a': [1, 2],\n})\nprint(df)\n\nThis prints the frame.";
    const answer = parseAnswer(text);
    expect(answer.code).toBe("import pandas as pd\n\ndf = pd.DataFrame({\n    'a': [1, 2],\n})\nprint(df)\n");
    expect(answer.notes).toContain("the code had no fences");
    expect(answer.plan.steps.map((s) => s.action)).toEqual(["Build the frame"]);
  });
});

describe("answers Luci cannot use: said in words, the raw answer kept, never handed on as code", () => {
  it("no code at all", () => {
    const text = "The monthly payment is about $1,342.05.";
    const err = thrown(() => parseAnswer(text));
    expect(err).toBeInstanceOf(UnusableAnswer);
    expect(err.name).toBe("AnswerFormatError");
    expect(err.message).toMatch(/could not use the model's answer: it has no Python code/);
    expect(err.message).toContain("%luci regenerate");
    expect((err as UnusableAnswer).rawText).toBe(text);
  });

  it("a python block with no closing fence whose code stops mid-statement: cut off", () => {
    const err = thrown(() => parseAnswer("1. Loop\n\n```python\nfor v in [1, 2]:\n    print(v *"));
    expect(err).toBeInstanceOf(UnusableAnswer);
    expect(err.message).toMatch(/no closing fence and its code stops mid-statement, so the answer was cut off/);
  });

  it("a python block with no closing fence in a stream that ended with no finish reason: cut off, though the code looks whole", () => {
    const text = "```python\nprint(1)\n";
    expect(parseAnswer({ text, finishReason: "stop" }).code).toBe("print(1)\n");
    const err = thrown(() => parseAnswer({ text, finishReason: null }));
    expect(err.message).toMatch(/stream ended inside its python block, with no closing fence and no finish reason/);
  });

  it("a block that never closes and holds no Python: the fences do not pair up", () => {
    const err = thrown(() =>
      parseAnswer("Here it is:\n```\nThe payment is computed from the rate and the years of the loan.\nNothing more to add here, really."),
    );
    expect(err.message).toMatch(/fences do not pair up/);
  });

  it("a fence line that would end up in the code is refused, not handed to the gate", () => {
    const err = thrown(() => parseAnswer("````python\nx = 1\n```python\ny = 2\n````"));
    expect(err).toBeInstanceOf(UnusableAnswer);
    expect(err.message).toMatch(/still holds a Markdown fence \(line 2: "```python"\)/);
  });

  it("only reasoning, or nothing at all", () => {
    expect(thrown(() => parseAnswer("<think>\nHmm, I should compute it.\n</think>\n")).message).toMatch(/only the model's reasoning/);
    expect(thrown(() => parseAnswer("")).message).toMatch(/the answer was empty/);
  });

  it("a block with no closing fence but complete code is used, with a note; prose after it is cut off", () => {
    expect(parseAnswer("```python\nprint(1)\n").notes).toContain("the python block had no closing fence");
    const answer = parseAnswer("```python\nx = 2\nprint(x)\n\nThis code prints the value of x.");
    expect(answer.code).toBe("x = 2\nprint(x)\n");
    expect(answer.notes.join(" ")).toMatch(/taken to end where the prose after it begins/);
  });

  it.each(["I can't help with that request.", "As an AI language model, I do not have access to your files.", "I'm sorry, but I won't write that."])(
    "a refusal is ModelRefused with the model's words: %s",
    (words) => {
      const err = thrown(() => parseAnswer(words));
      expect(err).toBeInstanceOf(ModelRefused);
      expect((err as ModelRefused).modelText).toBe(words);
    },
  );

  it("'I can't' with code is not a refusal", () => {
    expect(parseAnswer(refusal("I can't read your screen, but this works:\n```python\nprint(4)\n```").reply).code).toBe("print(4)\n");
  });
});

describe("the analysis, derived from the code", () => {
  const analysis = (code: string) => analyseCode(code);

  it("matplotlib makes a visualisation; the files it reads and writes are its data sources", () => {
    const code =
      "import pandas as pd\nimport matplotlib.pyplot as plt\ndf = pd.read_csv('sales.csv')\ndf.groupby('month')['revenue'].sum().plot()\nplt.savefig(\"revenue.png\")\nplt.show()";
    expect(analysis(code)).toEqual({
      task_type: "visualisation",
      needs_web_interface: false,
      needs_simulation: false,
      data_sources: ["sales.csv", "revenue.png"],
      complexity: "low",
    });
  });

  it("pandas with aggregation is analysis; pandas that only reads and writes is data processing", () => {
    expect(analysis("import pandas as pd\ndf = pd.read_csv('a.csv')\nprint(df.groupby('k').mean())").task_type).toBe("analysis");
    const io = analysis("import pandas as pd\npath = 'in.csv'\ndf = pd.read_csv(path)\ndf[df.x > 0].to_csv('out.csv', index=False)");
    expect(io.task_type).toBe("data_processing");
    expect(io.data_sources).toEqual(["out.csv", "in.csv"]);
  });

  it("a web server is a web app with a web interface", () => {
    for (const code of [
      "from flask import Flask\napp = Flask(__name__)\napp.run(port=8000)",
      "from http.server import HTTPServer, SimpleHTTPRequestHandler\nHTTPServer(('', 8000), SimpleHTTPRequestHandler).serve_forever()",
    ]) {
      expect(analysis(code)).toMatchObject({ task_type: "web_app", needs_web_interface: true });
    }
  });

  it("random numbers mean a simulation; plain arithmetic is a calculation", () => {
    expect(analysis("import random\nrolls = [random.randint(1, 6) for _ in range(1000)]\nprint(sum(rolls) / 1000)")).toMatchObject({
      task_type: "calculation",
      needs_simulation: true,
    });
    expect(analysis("print(6 * 7)")).toMatchObject({ task_type: "calculation", needs_simulation: false, data_sources: [] });
  });

  it("complexity grows with the code's size and structure; comments do not count", () => {
    expect(analysis("# a comment\n".repeat(100) + "print(1)").complexity).toBe("low");
    expect(analysis("x = 1\n".repeat(40)).complexity).toBe("medium");
    expect(analysis("def f():\n    return 1\n".repeat(20) + "x = 1\n".repeat(30)).complexity).toBe("high");
  });
});

describe("reading Python without Python (python-scan)", () => {
  it("finds the names code binds and uses", () => {
    const code =
      "import pandas as pd, numpy\nfrom math import (pi, sqrt as root)\nx, y = 1, 2\nplt.plot(x, color='red')\nfor i in range(3):\n    total = i\ndef f(a):\n    inner = a\nwith open('f') as fh:\n    pass";
    expect([...boundNames(code)].sort()).toEqual(["f", "fh", "i", "numpy", "pd", "pi", "root", "total", "x", "y"]);
    expect(usedNames("df2 = df[df.year == 2024]\nprint(df2.revenue)")).toEqual(new Set(["df2", "df"]));
  });

  it("tells code that shows something from code that only defines", () => {
    expect(showsSomething("def f():\n    print(1)\nx = f")).toBe(false);
    expect(showsSomething("import math\nradius = 2\narea = math.pi * radius ** 2")).toBe(false);
    expect(showsSomething("plt.plot(x, color='red')\nplt.show()")).toBe(true);
    expect(showsSomething("x = 2\nx")).toBe(true);
    expect(showsSomething("def main():\n    print(1)\n\nif __name__ == '__main__':\n    main()")).toBe(true);
  });

  it("tells code that stops mid-statement", () => {
    expect(endsMidStatement("print(1)")).toBe(false);
    expect(endsMidStatement("from x import *")).toBe(false);
    for (const cut of ["print(1,", "for i in x:", "s = '''abc", "y = x +", "z = [1,\n  2"]) expect(endsMidStatement(cut), cut).toBe(true);
  });
});

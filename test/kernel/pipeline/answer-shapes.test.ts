// Every answer shape that real models and servers give (issue 10, section 2), through a real
// kernel against the fake model server: the right code runs and the right output appears, with
// one model call. And the answers Luci cannot use: an error in words, the raw answer folded,
// no code run. The shapes come from test/support/fake-model/answers.ts, which says which models
// or servers produce each.
import { describe, expect, it } from "vitest";
import type { OutputSink } from "../../../kernel/common/output-sink.js";
import { StreamingDisplay } from "../../../kernel/pipeline/task-displays.js";
import type { Message } from "../../../kernel/protocol/messages.js";
import { displayData, mimeText, streamText } from "../../support/kernel-client.js";
import { fakeModelEnv, kernelWithFakeModel } from "../../support/fake-model-kernel.js";
import { startKernel } from "../../support/kernel-process.js";
import {
  answer,
  codeAnswer,
  closingThinkOnly,
  cutOffStream,
  indentedFences,
  jsonAnswer,
  listMarkerFences,
  proseFence,
  separateReasoning,
  stepBlocks,
  thinkTags,
  toolCallAnswer,
  withCrlf,
  withExampleUsage,
  wordsOnly,
  type ReplyScenario,
} from "../../support/fake-model-server.js";

const fixture = kernelWithFakeModel();

const LOAN_TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years, printed with two decimals";
const LOAN_CODE = "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\nprint(f'{payment:.2f}')";
const LOAN_PLAN = ["Convert the yearly rate to a monthly rate", "Apply the annuity formula", "Print the payment"];

/** The `mime` data of every display and display update that carries it, in order. */
function ofMime<T>(iopub: Message[], mime: string): T[] {
  return displayData(iopub, mime).map((d) => d[mime] as T);
}

/** Runs a task answered by `scenario`; checks one call, the code that ran and the output. */
async function runShape(scenario: ReplyScenario, task: string, expected: { code: string; stdout: string }) {
  fixture.server.enqueue(scenario);
  const { reply, iopub } = await fixture.kernel.client.execute(task);
  expect(reply.content, JSON.stringify(reply.content)).toMatchObject({ status: "ok" });
  expect(ofMime<{ code: string }>(iopub, "application/vnd.luci.code+json").map((c) => c.code)).toEqual([expected.code]);
  expect(streamText(iopub)).toBe(expected.stdout);
  expect(fixture.server.chatRequests).toHaveLength(1);
  return iopub;
}

type Plan = { analysis: { task_type: string; complexity: string }; plan: { steps: { step: number; action: string }[] } };

describe("answer shapes through the kernel", () => {
  it("the default answer: one python block whose steps begin with comments; the plan is read from them", async () => {
    const task = LOAN_TASK.replace("printed with", "shown with");
    const scenario = codeAnswer({ plan: LOAN_PLAN, code: LOAN_CODE });
    const code = String(scenario.reply).replace(/^```python\n|\n```$/g, "");
    const iopub = await runShape(scenario, task, { code: code + "\n", stdout: "1342.05\n" });
    const [plan] = ofMime<Plan>(iopub, "application/vnd.luci.plan+json");
    expect(plan!.plan.steps.map((s) => s.action)).toEqual(LOAN_PLAN);
  });

  it("the plain answer: a numbered plan, then one python block (LUCI_TASK_PROMPT=plain asks for it; many models write it unasked)", async () => {
    const iopub = await runShape(answer({ plan: LOAN_PLAN, code: LOAN_CODE }), LOAN_TASK, { code: LOAN_CODE + "\n", stdout: "1342.05\n" });
    const [plan] = ofMime<Plan>(iopub, "application/vnd.luci.plan+json");
    expect(plan!.plan.steps.map((s) => s.action)).toEqual(LOAN_PLAN);
    expect(plan!.analysis).toMatchObject({ task_type: "calculation", complexity: "low" });
    // The system prompt asks plainly, in a sentence, for the code alone (the default), and is not per-task.
    const system = (fixture.server.chatRequests[0]!.body as { messages: { content: string }[] }).messages[0]!.content;
    expect(system).toContain("answer with the complete Python code in a single ```python block, and nothing else");
    expect(system).not.toContain("Monthly payment");
  });

  it("fences after list markers (`1. ```json … 2. ```python`): the shape that failed 20 of 20 tasks", async () => {
    // Another task: the first one's code is recorded, and a rerun would make no model call.
    const task = LOAN_TASK.replace("Monthly payment", "The monthly payment");
    const iopub = await runShape(
      listMarkerFences({ plan: { steps: [{ step: 1, action: "Apply the annuity formula", inputs: [], outputs: [] }] }, code: LOAN_CODE }),
      task,
      {
        code: LOAN_CODE + "\n",
        stdout: "1342.05\n",
      },
    );
    expect(ofMime<Plan>(iopub, "application/vnd.luci.plan+json")[0]!.plan.steps[0]!.action).toBe("Apply the annuity formula");
  });

  it("a fence at the end of a line of prose (`Here is the code: ```python`)", async () => {
    await runShape(proseFence({ code: "print('prose fence ok')" }), "Print prose fence ok", { code: "print('prose fence ok')\n", stdout: "prose fence ok\n" });
  });

  it("a fence indented under a list item (Qwen2.5-Coder-0.5B): the indentation removed", async () => {
    const code = "# Define the values\nvalues = [3, 4]\n\nfor v in values:\n    print(v * v)";
    await runShape(indentedFences({ plan: ["Define the values"], code }), "Print the squares of 3 and 4", { code: code + "\n", stdout: "9\n16\n" });
  });

  it("several blocks: a program that only defines, then example usage: both run", async () => {
    const program = "def area(w, h):\n    return w * h";
    await runShape(withExampleUsage(program, "print(area(3, 4))"), "Write an area function and show it", {
      code: `${program}\n\nprint(area(3, 4))\n`,
      stdout: "12\n",
    });
  });

  it("several blocks: a program that prints, then example usage: the example is not run", async () => {
    const program = "def double(x):\n    return 2 * x\n\nprint(double(21))";
    const iopub = await runShape(withExampleUsage(program, "# Example usage\nprint(double(100))"), "Double 21", { code: program + "\n", stdout: "42\n" });
    expect(ofMime<Plan>(iopub, "application/vnd.luci.plan+json").length).toBe(1);
    const planText = displayData(iopub).find((d) => "application/vnd.luci.plan+json" in d)!["text/plain"] as string;
    expect(planText).toMatch(/Note: 1 example-usage block left out/);
  });

  it("several blocks that build on each other run as one program", async () => {
    const steps = [
      { step: "Make the numbers", code: "numbers = [1, 2, 3]" },
      { step: "Square them", code: "squares = [n * n for n in numbers]" },
      { step: "Print the sum", code: "print(sum(squares))" },
    ];
    await runShape(stepBlocks(steps), "Sum the squares of 1 to 3", { code: steps.map((s) => s.code).join("\n\n") + "\n", stdout: "14\n" });
  });

  it("reasoning in <think> tags before the answer (Qwen3, QwQ, DeepSeek-R1): the draft inside is not run", async () => {
    const reasoning = "The user wants 7. Draft:\n```python\nprint('draft')\n```\nFine.";
    await runShape(thinkTags(reasoning, { code: "print(7)" }), "Print seven", { code: "print(7)\n", stdout: "7\n" });
  });

  it("an answer that begins inside the reasoning, with only </think> (DeepSeek-R1 distills, QwQ)", async () => {
    await runShape(closingThinkOnly("Okay, so I need to print eight.\n```python\nprint('draft')\n```", { code: "print(8)" }), "Print eight", {
      code: "print(8)\n",
      stdout: "8\n",
    });
  });

  it("CRLF line ends", async () => {
    await runShape(withCrlf(answer({ code: "for i in range(2):\n    print('crlf', i)" })), "Print crlf twice", {
      code: "for i in range(2):\n    print('crlf', i)\n",
      stdout: "crlf 0\ncrlf 1\n",
    });
  });

  it("reasoning streamed in reasoning_content: the cell says 'Thinking… N s' before the answer, and never shows the reasoning", async () => {
    const scenario = { ...separateReasoning("SECRET-REASONING: the answer is nine.", { code: "print(9)" }), chunkSize: 4 };
    const iopub = await runShape(scenario, "Print nine", { code: "print(9)\n", stdout: "9\n" });
    const texts = displayData(iopub).map((d) => mimeText(d));
    const thinking = texts.findIndex((t) => /^Asking fake-coder…\nThinking… \d+ s$/.test(t));
    const answerShown = texts.findIndex((t) => t.includes("print(9)"));
    expect(thinking).toBeGreaterThanOrEqual(0);
    expect(answerShown).toBeGreaterThan(thinking);
    expect(texts.some((t) => /^Answer from fake-coder in 1 call\. \(thought for \d+ s\)$/.test(t))).toBe(true);
    expect(JSON.stringify(iopub)).not.toContain("SECRET-REASONING");
  });

  it("reasoning streamed in `reasoning` (OpenRouter, newer vLLM) the same way", async () => {
    const iopub = await runShape({ ...separateReasoning("thinking…", { code: "print(10)" }, "reasoning"), chunkSize: 4 }, "Print ten", {
      code: "print(10)\n",
      stdout: "10\n",
    });
    expect(displayData(iopub).some((d) => /Thinking… \d+ s/.test(String(d["text/plain"])))).toBe(true);
  });

  it('code returned as a tool call (tool_calls with {"code": …})', async () => {
    const iopub = await runShape(toolCallAnswer("import math\nprint(round(math.pi, 2))", { prose: "1. Print pi to two decimals" }), "Print pi", {
      code: "import math\nprint(round(math.pi, 2))\n",
      stdout: "3.14\n",
    });
    expect(ofMime<Plan>(iopub, "application/vnd.luci.plan+json")[0]!.plan.steps.map((s) => s.action)).toEqual(["Print pi to two decimals"]);
  });

  it("code returned as a legacy function_call, the code itself as the arguments", async () => {
    await runShape(toolCallAnswer("print('function call ok')", { legacy: true, raw: true }), "Print function call ok", {
      code: "print('function call ok')\n",
      stdout: "function call ok\n",
    });
  });

  it("the older JSON-then-code answer, under LUCI_TASK_PROMPT=json: the plan comes from the JSON", async () => {
    const jsonKernel = await startKernel({ env: fakeModelEnv(fixture.server, { LUCI_TASK_PROMPT: "json" }) });
    try {
      const plan = { steps: [{ step: 1, action: "Add the two numbers", inputs: [], outputs: ["total"] }] };
      fixture.server.enqueue(
        jsonAnswer({
          analysis: { task_type: "calculation", needs_web_interface: false, needs_simulation: false, data_sources: [], complexity: "low" },
          plan,
          code: "print(2 + 3)",
        }),
      );
      const { reply, iopub } = await jsonKernel.client.execute("Add two and three");
      expect(reply.content.status).toBe("ok");
      expect(streamText(iopub)).toBe("5\n");
      expect(ofMime<Plan>(iopub, "application/vnd.luci.plan+json")[0]!.plan).toEqual(plan);
      const system = (fixture.server.chatRequests[0]!.body as { messages: { content: string }[] }).messages[0]!.content;
      expect(system).toContain("one JSON object in a ```json block");
      expect(fixture.server.chatRequests).toHaveLength(1);
    } finally {
      await jsonKernel.stop();
    }
  });
});

describe("answers Luci cannot use", () => {
  /** The folded raw answer the cell shows, if any. */
  function rawAnswer(iopub: Message[]): { html: string; plain: string } | undefined {
    const d = displayData(iopub).find((x) => mimeText(x, "text/html").startsWith('<details class="luci-raw-answer">'));
    return d ? { html: mimeText(d, "text/html"), plain: mimeText(d) } : undefined;
  }

  it("an answer in words only: an error that says so and offers %luci regenerate, the answer folded, nothing run", async () => {
    const scenario = wordsOnly("The payment is <b>about</b> $1,342.05 a month.");
    fixture.server.enqueue(scenario);
    const { reply, iopub } = await fixture.kernel.client.execute("What is the monthly payment");
    expect(reply.content).toMatchObject({ status: "error", ename: "AnswerFormatError" });
    expect(String(reply.content.evalue)).toMatch(/^Luci could not use the model's answer: it has no Python code/);
    expect(String(reply.content.evalue)).toContain("`%luci regenerate`");
    const raw = rawAnswer(iopub)!;
    expect(raw.plain).toBe(`The model's answer (not used)\n${scenario.reply}`);
    // Folded (no `open`), and the model's markup shown as text.
    expect(raw.html).not.toMatch(/<details[^>]*open/);
    expect(raw.html).toContain("&lt;b&gt;about&lt;/b&gt;");
    expect(ofMime(iopub, "application/vnd.luci.code+json")).toEqual([]);
    expect(ofMime(iopub, "application/vnd.luci.validation+json")).toEqual([]);
    expect(streamText(iopub)).toBe("");
    expect(fixture.server.chatRequests).toHaveLength(1);
  });

  it("a stream cut off mid-code with no finish_reason (llama-cpp-python's interrupted requests): refused as cut off, nothing run", async () => {
    const scenario = cutOffStream();
    fixture.server.enqueue(scenario);
    const { reply, iopub } = await fixture.kernel.client.execute("Print the values times two");
    expect(reply.content).toMatchObject({ status: "error", ename: "AnswerFormatError" });
    expect(String(reply.content.evalue)).toMatch(/code stops mid-statement, so the answer was cut off/);
    expect(rawAnswer(iopub)!.plain).toBe(`The model's answer (not used)\n${scenario.reply}`);
    expect(ofMime(iopub, "application/vnd.luci.code+json")).toEqual([]);
    expect(streamText(iopub)).toBe("");
    const after = await fixture.kernel.client.execute("print('kernel fine')");
    expect(streamText(after.iopub)).toBe("kernel fine\n");
  });
});

describe("the thinking indicator (StreamingDisplay, with a clock of the test's own)", () => {
  it("counts the seconds while reasoning streams, once a second at most, then shows the answer and how long it thought", () => {
    const shown: string[] = [];
    const sink = {
      display: (data: Record<string, string>) => shown.push(data["text/plain"]!),
      updateDisplay: (data: Record<string, string>) => shown.push(data["text/plain"]!),
    } as unknown as OutputSink;
    let clock = 1_000_000;
    const stream = new StreamingDisplay(sink, "Asking m…", 50, () => clock);
    stream.thinking("a");
    clock += 400;
    stream.thinking("b"); // the same second: not shown again
    clock += 800;
    stream.thinking("c");
    clock += 11_000;
    stream.thinking("d");
    stream.add("1. Load the data\n");
    stream.finish("Answer from m in 1 call.");
    expect(shown).toEqual([
      "Asking m…\nThinking… 0 s",
      "Asking m…\nThinking… 1 s",
      "Asking m…\nThinking… 12 s",
      "Asking m…\n(thought for 12 s)\n1. Load the data",
      "Answer from m in 1 call. (thought for 12 s)",
    ]);
  });
});

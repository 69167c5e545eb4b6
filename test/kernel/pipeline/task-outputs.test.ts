// The outputs of a task cell as every frontend gets them, from a real kernel over ZeroMQ with the
// fake model server: while the answer streams, the cell's one streaming display is updated in
// place with the plan's steps as a list and the code as a python block (never the raw answer);
// then the plan, code, validation and record carry text/markdown beside their structured data
// and no text/html (so JupyterLab without an extension, nbconvert and GitHub render the markdown
// and highlight the code themselves); a passed validation is folded, the record line says what
// it is. An interrupt while the model writes leaves a note and the code that had come, folded.
import { describe, expect, it } from "vitest";
import { executeContent } from "../../../kernel/protocol/client.js";
import type { Message } from "../../../kernel/protocol/messages.js";
import { codeAnswer } from "../../support/fake-model-server.js";
import { kernelWithFakeModel } from "../../support/fake-model-kernel.js";
import { displayData, mimeText, sleep } from "../../support/kernel-client.js";

const fixture = kernelWithFakeModel();

const STREAM = "application/vnd.luci.stream+json";
const PLAN = { steps: [{ action: "Make the list of numbers" }, { action: "Add them up" }, { action: "Print the total" }] };
const CODE = "numbers = [3, 4, 5]\nsubtotal = 0\nfor n in numbers:\n    subtotal += n\ntotal = subtotal\nprint('total', total)";

interface StreamData {
  state: string;
  steps: string[];
  code: string;
  code_lines: number;
}

function streamStates(iopub: Message[]): StreamData[] {
  return displayData(iopub, STREAM).map((d) => d[STREAM] as StreamData);
}

describe("a task cell's outputs", () => {
  it("stream the plan and code in place, then show markdown with the code fenced, a folded pass and a record line", async () => {
    fixture.server.enqueue({ ...codeAnswer({ plan: PLAN, code: CODE }), chunkSize: 6, chunkDelayMs: 20 });
    const { reply, iopub } = await fixture.kernel.client.execute("Add up three numbers and print the total");
    expect(reply.content.status).toBe("ok");

    // One display, updated in place: its steps and code grew as the answer came.
    const generation = iopub.filter((m) => String((m.content.transient as { display_id?: string } | undefined)?.display_id).startsWith("luci-generation-"));
    expect(generation[0]!.header.msg_type).toBe("display_data");
    expect(generation.slice(1).every((m) => m.header.msg_type === "update_display_data")).toBe(true);
    const states = streamStates(iopub).filter((s) => s.state === "streaming");
    expect(states.length).toBeGreaterThan(3);
    const stepCounts = states.map((s) => s.steps.length);
    expect(stepCounts).toEqual([...stepCounts].sort((a, b) => a - b));
    expect(new Set(stepCounts).size).toBeGreaterThan(1);
    expect(states.some((s) => s.steps.length === 1 && s.code.length > 0)).toBe(true);
    expect(states.at(-1)!.steps).toEqual(PLAN.steps.map((s) => s.action));
    // Never the raw answer: no fence line inside the code, the markdown a python block.
    for (const d of displayData(iopub, STREAM)) {
      expect((d[STREAM] as StreamData).code).not.toMatch(/```/);
      expect(mimeText(d, "text/markdown")).not.toMatch(/^```python\n```/m);
    }
    const midway = displayData(iopub, STREAM).find((d) => (d[STREAM] as StreamData).steps.length === 2)!;
    expect(mimeText(midway, "text/markdown")).toMatch(/^\*Asking fake-coder…\*\n\n1\. Make the list of numbers\n2\. Add them up\n\n```python\n# Make the list/);
    // The stream ends as its summary line.
    expect(mimeText(generation.at(-1)!.content.data as Record<string, unknown>)).toBe("Answer from fake-coder in 1 call.");

    const final = (mime: string) => displayData(iopub, mime)[0]!;
    for (const mime of [
      "application/vnd.luci.plan+json",
      "application/vnd.luci.code+json",
      "application/vnd.luci.validation+json",
      "application/vnd.luci.record+json",
    ]) {
      expect(final(mime)["text/html"], mime).toBeUndefined();
      expect(mimeText(final(mime), "text/markdown"), mime).not.toBe("");
    }
    expect(mimeText(final("application/vnd.luci.plan+json"), "text/markdown")).toContain("1. Make the list of numbers\n2. Add them up\n3. Print the total");
    expect(mimeText(final("application/vnd.luci.code+json"), "text/markdown")).toMatch(
      /^\*\*Code\*\* · from fake-coder · 9 lines\n\n```python\n# Make the list of numbers\nnumbers = \[3, 4, 5\]\n[\s\S]*\n```$/,
    );
    expect(mimeText(final("application/vnd.luci.validation+json"), "text/markdown")).toMatch(
      /^<details><summary>Validation: score 1\.00 \(threshold 0\.80\), passed · no issues<\/summary>/,
    );
    const record = final("application/vnd.luci.record+json");
    const date = new Date().toISOString().slice(0, 10);
    expect(mimeText(record)).toMatch(new RegExp(`^Recorded code — reruns without a model; signed by you \\(.+@.+\\), ${date} · 9 lines from fake-coder$`));
    expect(mimeText(record, "text/markdown")).toMatch(/^\*\*Recorded code\*\* — reruns without a model; signed by you/);
  });

  it("an interrupt while the model writes leaves a note with the code that had come, folded", async () => {
    const long = Array.from({ length: 40 }, (_, i) => `value_${i} = ${i}`).join("\n");
    fixture.server.enqueue({ ...codeAnswer({ plan: { steps: [{ action: "Set forty values" }] }, code: long }), chunkSize: 8, chunkDelayMs: 40 });
    const client = fixture.kernel.client;
    const { msgId, reply } = client.request("shell", "execute_request", executeContent("Set forty values"));
    // Interrupt once a few lines of code are in the cell.
    for (let i = 0; i < 1200 && !streamStates(client.iopubFor(msgId)).some((s) => s.code_lines >= 4); i++) await sleep(25);
    await client.request("control", "interrupt_request", {}).reply;
    expect((await reply).content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    await client.waitForIdle(msgId);

    const shown = displayData(client.iopubFor(msgId), STREAM);
    const last = shown.at(-1)!;
    const state = last[STREAM] as StreamData;
    expect(state.state).toBe("interrupted");
    expect(state.code_lines).toBeGreaterThanOrEqual(4);
    expect(state.code_lines).toBeLessThan(41);
    const lines = state.code_lines;
    expect(mimeText(last)).toMatch(new RegExp(`^Interrupted while the model was writing; ${lines} lines of code had come\\.`));
    expect(mimeText(last, "text/markdown")).toMatch(
      new RegExp(
        `^\\*Interrupted while the model was writing; ${lines} lines of code had come\\.\\*\\n\\n<details><summary>The code as far as it came \\(${lines} lines\\)</summary>\\n\\n1\\. Set forty values\\n\\n\`\`\`python\\n# Set forty values\\nvalue_0 = 0\\n`,
      ),
    );
    // The partial answer was not run and nothing after the note replaced it.
    const after = client.iopubFor(msgId).filter((m) => m.header.msg_type === "update_display_data" && STREAM in (m.content.data as object));
    expect(after.at(-1)!.content.data).toBe(last);
    expect(displayData(client.iopubFor(msgId), "application/vnd.luci.code+json")).toEqual([]);
  });
});

// Task cells through a real kernel against the fake model server: the answer streams into the
// cell, the plan, the code and the validation show as rich outputs, the code runs; messy
// answers and faults end in a working cell or a clear error, and the kernel stays up.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { displayData, mimeText, sleep, streamText } from "../../support/kernel-client.js";
import { fakeModelEnv, kernelWithFakeModel } from "../../support/fake-model-kernel.js";
import { startKernel } from "../../support/kernel-process.js";
import { answer, answerText, brokenJson, codeOnly, wrongShape, refusal, unfencedCode } from "../../support/fake-model-server.js";
import { executeContent } from "../../../kernel/protocol/client.js";

const fixture = kernelWithFakeModel();

describe("task cells", () => {
  it("turns a task into a plan, code and a validation report, and runs the code: one model call", async () => {
    fixture.server.enqueue(answer({ code: "result = 6 * 7\nprint('result is', result)" }));
    const { reply, iopub } = await fixture.kernel.client.execute("Multiply six by seven and print it");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("result is 42\n");
    expect(displayData(iopub, "application/vnd.luci.plan+json")).toHaveLength(1);
    const code = displayData(iopub, "application/vnd.luci.code+json")[0]!;
    expect(code["text/markdown"]).toContain("```python\nresult = 6 * 7");
    const validation = displayData(iopub, "application/vnd.luci.validation+json")[0]!["application/vnd.luci.validation+json"];
    expect(validation).toMatchObject({ passed: true });
    expect(fixture.server.chatRequests).toHaveLength(1);
    expect((fixture.server.chatRequests[0]!.body as { stream?: boolean }).stream).toBe(true);
    // The streamed answer was shown in place as it came, then summarised.
    const streamed = iopub.filter((m) => m.header.msg_type === "update_display_data");
    expect(streamed.length).toBeGreaterThan(0);
  });

  it("uses the namespace: the code runs with the variables of earlier cells", async () => {
    await fixture.kernel.client.execute("base = 10");
    fixture.server.enqueue(answer({ code: "print(base * 3)" }));
    const { iopub } = await fixture.kernel.client.execute("Triple the base value");
    expect(streamText(iopub)).toBe("30\n");
  });

  it("reads code with no fences after the plan", async () => {
    fixture.server.enqueue(unfencedCode({ code: "print('unfenced ok')" }));
    const { reply, iopub } = await fixture.kernel.client.execute("Say unfenced ok");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("unfenced ok\n");
  });

  it("an answer whose plan JSON does not parse still runs, in one call: the JSON is ignored with a note", async () => {
    fixture.server.enqueue(brokenJson("truncated", { code: "# Print it\nprint('one call')" }));
    const { reply, iopub } = await fixture.kernel.client.execute("Print one call please");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("one call\n");
    expect(fixture.server.chatRequests).toHaveLength(1);
    const plan = displayData(iopub, "application/vnd.luci.plan+json")[0]!;
    expect(plan["text/plain"]).toMatch(/Note: the answer's analysis-and-plan JSON had the wrong shape/);
    expect(plan["application/vnd.luci.plan+json"]).toMatchObject({ plan: { steps: [{ step: 1, action: "Print it" }] } });
  });

  it("reports a refusal in the model's words, and the kernel goes on", async () => {
    fixture.server.enqueue(refusal("I can't help with that request."));
    const { reply } = await fixture.kernel.client.execute("Do something I refuse");
    expect(reply.content).toMatchObject({ status: "error", ename: "ModelRefused" });
    expect(String(reply.content.evalue)).toContain("can't help");
    const after = await fixture.kernel.client.execute("1 + 1");
    expect(after.reply.content.status).toBe("ok");
  });

  it("waits and retries after a 429 with Retry-After, saying so in the cell", async () => {
    fixture.server.enqueue({ status: 429, retryAfter: 0.2 }, answer({ code: "print('after the wait')" }));
    const { reply, iopub } = await fixture.kernel.client.execute("Print after the wait");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("after the wait\n");
    const shown = iopub.map((m) => JSON.stringify(m.content)).join("\n");
    expect(shown).toMatch(/retrying in/);
  });

  it("says what is wrong when the model server fails, in plain words", async () => {
    fixture.server.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
    const { reply } = await fixture.kernel.client.execute("Fail on the server side");
    expect(reply.content).toMatchObject({ status: "error", ename: "ModelUnavailable" });
    expect(String(reply.content.evalue)).toContain(fixture.server.baseUrl.replace("/v1", ""));
  });

  it("stops a slow answer at once on interrupt", async () => {
    // A slow answer (2 characters every 200 ms), interrupted while it streams.
    fixture.server.enqueue({ ...answer({ code: "print('never')" }), chunkSize: 2, chunkDelayMs: 200 });
    const c = fixture.kernel.client;
    const { msgId, reply } = c.request("shell", "execute_request", executeContent("Print never, slowly"));
    while (!c.iopubFor(msgId).some((m) => m.header.msg_type === "display_data")) await sleep(20);
    await c.request("control", "interrupt_request", {}).reply;
    const r = await reply;
    expect(r.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(streamText(c.iopubFor(msgId))).toBe("");
    // The kernel closed the model's connection mid-answer: the rest was never sent.
    const request = fixture.server.chatRequests[0]!;
    await vi.waitFor(() => expect(request.abortedByClient).toBe(true), { timeout: 30_000 });
    expect(request.chunks.length).toBeLessThan(Math.ceil(answerText({ code: "print('never')" }).length / 2));
  });

  it("shows code below the validation threshold without running it; %luci run-anyway runs it", async () => {
    fixture.server.enqueue(answer({ code: "import os\nos.system('echo ran-the-shell')" }));
    const blocked = await fixture.kernel.client.execute("Run a shell command");
    expect(blocked.reply.content).toMatchObject({ status: "error", ename: "ValidationFailed" });
    expect(String(blocked.reply.content.evalue)).toMatch(/run-anyway/);
    expect(streamText(blocked.iopub)).toBe("");
    const anyway = await fixture.kernel.client.execute("%luci run-anyway");
    expect(anyway.reply.content.status).toBe("ok");
    expect(streamText(anyway.iopub)).toContain("ran-the-shell");
  });

  it("renders the plan as markdown with the model's markup and links neutralised", async () => {
    const plan = { steps: [{ step: 1, action: "Show <script>alert(1)</script> and [x](javascript:alert(1))", inputs: [], outputs: ["text"] }] };
    fixture.server.enqueue(answer({ plan, code: "print('safe')" }));
    const { iopub } = await fixture.kernel.client.execute("Show something risky in the plan");
    const markdown = mimeText(displayData(iopub, "application/vnd.luci.plan+json")[0], "text/markdown");
    expect(markdown).toMatch(/^\*\*Plan\*\* · /);
    expect(markdown).not.toMatch(/<script|[^\\]\[x\]/);
    expect(markdown).toContain("&lt;script");
  });

  it("sends failing code back to the model with its traceback in one repair call, and runs the fix", async () => {
    fixture.server.enqueue(
      { ...answer({ code: "print(total_sales)" }), label: "task" },
      { ...codeOnly("total_sales = 5\nprint('fixed', total_sales)"), label: "repair" },
      { ...codeOnly("print('a second repair that must not be asked for')"), label: "unused" },
    );
    const { reply, iopub } = await fixture.kernel.client.execute("Print the total sales");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("fixed 5\n");
    // Exactly one repair call: the task's call, the repair's, and the third answer left over.
    expect(fixture.server.chatRequests).toHaveLength(2);
    expect(fixture.server.pending.map((s) => s.label)).toEqual(["unused"]);
    const panels = displayData(iopub, "application/vnd.luci.code+json").map((d) => String(d["text/plain"]).split("\n")[0]!);
    expect(panels.filter((title) => /^Repair attempt/.test(title))).toEqual([expect.stringMatching(/^Repair attempt 1/)]);
    const repairText = JSON.stringify(fixture.server.chatRequests[1]!.body);
    expect(repairText).toContain("NameError");
    expect(repairText).toContain("print(total_sales)");
  });

  it("gives up after two repair attempts, with the last error", async () => {
    fixture.server.enqueue(answer({ code: "raise ValueError('one')" }), codeOnly("raise ValueError('two')"), codeOnly("raise ValueError('three')"));
    const { reply } = await fixture.kernel.client.execute("Fail three times");
    expect(reply.content).toMatchObject({ status: "error", ename: "ValueError", evalue: "three" });
    expect(fixture.server.chatRequests).toHaveLength(3);
  });

  it("tells the model about earlier cells and the live namespace, so a follow-up task can use them", async () => {
    await fixture.kernel.client.execute("sales_2024 = [120, 80, 95]\ndef monthly_total(values):\n    return sum(values)");
    fixture.server.enqueue(answer({ code: "print(monthly_total(sales_2024))" }));
    const { iopub } = await fixture.kernel.client.execute("now only the total of sales_2024");
    expect(streamText(iopub)).toBe("295\n");
    const prompt = JSON.stringify(fixture.server.chatRequests[0]!.body);
    expect(prompt).toContain("sales_2024");
    expect(prompt).toContain("monthly_total");
    expect(prompt).toMatch(/def monthly_total/); // the earlier cell's code
  });

  it("answers %luci help, %luci model, and switches the model for the session", async () => {
    const help = await fixture.kernel.client.execute("%luci?");
    expect(streamText(help.iopub)).toMatch(/%luci model/);
    const shown = await fixture.kernel.client.execute("%luci model");
    expect(streamText(shown.iopub)).toMatch(/In use: fake-coder at http:\/\/127\.0\.0\.1/);
    expect(streamText(shown.iopub)).not.toMatch(/sk-|Bearer/);
    const switched = await fixture.kernel.client.execute("%luci model other-coder");
    expect(streamText(switched.iopub)).toMatch(/now use other-coder/);
    fixture.server.enqueue(answer({ code: "print('from the other model')" }));
    await fixture.kernel.client.execute("Print from the other model");
    expect((fixture.server.chatRequests[0]!.body as { model?: string }).model).toBe("other-coder");
    await fixture.kernel.client.execute("%luci model fake-coder");
    const bad = await fixture.kernel.client.execute("%luci frobnicate");
    expect(bad.reply.content).toMatchObject({ status: "error", ename: "UsageError" });
  });

  it("%luci show-code shows the last task's code; %luci export writes the program as deployment files", async () => {
    fixture.server.enqueue(answer({ code: "exported_value = 21 * 2\nprint(exported_value)" }));
    await fixture.kernel.client.execute("Compute the exported value");
    const shown = await fixture.kernel.client.execute("%luci show-code");
    expect(streamText(shown.iopub)).toContain("exported_value = 21 * 2");
    const dir = mkdtempSync(join(tmpdir(), "luci-export-"));
    const exported = await fixture.kernel.client.execute(`%luci export ${dir}`);
    expect(exported.reply.content.status).toBe("ok");
    for (const file of ["script.py", "requirements.txt", ".env.example", "Dockerfile", "docker-compose.yml", "deploy.sh", "README.md"]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    const script = readFileSync(join(dir, "script.py"), "utf8");
    expect(script).toMatch(/# Cell \d+ \(task\): Compute the exported value\nexported_value = 21 \* 2/);
    expect(readFileSync(join(dir, "docker-compose.yml"), "utf8")).toMatch(/mem_limit: 1g[\s\S]*pids_limit: 256/);
    const run = execFileSync("python3", [join(dir, "script.py")], { cwd: dir, encoding: "utf8" });
    expect(run).toContain("42\n");
  });

  it("tells the model which names are parameters, floats stay floats, and __future__ imports stay first", async () => {
    fixture.server.enqueue(answer({ code: "from __future__ import annotations\nprint(type(x).__name__, x)" }));
    const { reply, iopub } = await fixture.kernel.client.execute("Show the type of {x=1.0}");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("float 1.0\n");
    expect(JSON.stringify(fixture.server.chatRequests[0]!.body)).toMatch(/Parameters[^"]*x = 1/);
  });

  it("does not run or record an answer cut off at the token limit", async () => {
    fixture.server.enqueue({ ...answer({ code: "print('partial')" }), finishReason: "length" });
    const { reply, iopub } = await fixture.kernel.client.execute("Print partial, cut off");
    expect(reply.content).toMatchObject({ status: "error", ename: "AnswerCutOff" });
    expect(String(reply.content.evalue)).toContain("%luci regenerate");
    expect(streamText(iopub)).toBe("");
    expect(JSON.stringify(iopub)).not.toContain("application/vnd.luci.record+json");
    expect(displayData(iopub, "application/vnd.luci.code+json")).toEqual([]);
    // The answer as far as it came, folded.
    const raw = iopub.filter((m) => m.header.msg_type === "display_data").map((m) => (m.content.data as Record<string, string>)["text/html"] ?? "");
    expect(raw.filter((h) => h.startsWith('<details class="luci-raw-answer">'))).toHaveLength(1);
  });

  it("never sends the notebook's secrets to the model", async () => {
    await fixture.kernel.client.execute('db_password = "hunter2-secret"\ngithub = "ghp_' + "a".repeat(36) + '"');
    fixture.server.enqueue(answer({ code: "print('connected')" }));
    await fixture.kernel.client.execute("Connect to the database");
    const prompt = JSON.stringify(fixture.server.chatRequests[0]!.body);
    expect(prompt).toContain("db_password");
    expect(prompt).not.toContain("hunter2-secret");
    expect(prompt).not.toContain("ghp_" + "a".repeat(36));
  });

  it("an answer whose plan JSON has the wrong shape runs in one call, with no second call for the plan", async () => {
    fixture.server.enqueue(wrongShape({ code: "print('shape ignored')" }));
    const { reply, iopub } = await fixture.kernel.client.execute("Print shape ignored");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe("shape ignored\n");
    expect(fixture.server.chatRequests).toHaveLength(1);
  });

  it("a stalled stream ends in a clear error after LUCI_LLM_TIMEOUT of silence, and the kernel goes on", async () => {
    const impatient = await startKernel({ env: fakeModelEnv(fixture.server, { LUCI_LLM_TIMEOUT: "1" }) });
    try {
      fixture.server.enqueue({ stall: true, firstChunk: "1. Compute" }, { stall: true }, { stall: true });
      // A stall never ends by itself: only the timeout can end this cell.
      const { reply } = await impatient.client.execute("Stall forever");
      expect(reply.content).toMatchObject({ status: "error", ename: "ModelUnavailable" });
      expect(String(reply.content.evalue)).toMatch(/sent nothing for 1 s.*LUCI_LLM_TIMEOUT/s);
      const after = await impatient.client.execute("print('alive')");
      expect(streamText(after.iopub)).toBe("alive\n");
    } finally {
      await impatient.stop();
    }
  });
});

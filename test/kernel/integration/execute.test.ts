// A real kernel process over real ZeroMQ: the execute path end to end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ofType, streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

let kernel: StartedKernel;
beforeAll(async () => {
  kernel = await startKernel({ env: { LUCI_LLM_BASE_URL: "", LUCI_LLM_MODEL: "", OPENAI_API_KEY: "" } });
});
afterAll(async () => {
  await kernel?.stop();
});

describe("execute", () => {
  it("publishes busy first and idle last, with execute_input carrying code and count", async () => {
    const { reply, iopub } = await kernel.client.execute("print('hello, world')");
    expect(reply.content.status).toBe("ok");
    expect(iopub[0]!.header.msg_type).toBe("status");
    expect(iopub[0]!.content.execution_state).toBe("busy");
    expect(iopub.at(-1)!.content.execution_state).toBe("idle");
    const input = ofType(iopub, "execute_input")[0]!;
    expect(input.content.code).toBe("print('hello, world')");
    expect(input.content.execution_count).toBe(reply.content.execution_count);
    expect(streamText(iopub)).toBe("hello, world\n");
  });

  it("keeps state between cells and returns the last expression as execute_result", async () => {
    await kernel.client.execute("a = 41");
    const { reply, iopub } = await kernel.client.execute("a + 1");
    const result = ofType(iopub, "execute_result")[0]!;
    expect(result.content.data).toMatchObject({ "text/plain": "42" });
    expect(result.content.execution_count).toBe(reply.content.execution_count);
  });

  it("counts only executions that store history, and silent ones publish nothing", async () => {
    const first = await kernel.client.execute("1");
    const quiet = await kernel.client.execute("print('shh'); 5", { store_history: false });
    const silent = await kernel.client.execute("print('shh'); 6", { silent: true });
    const next = await kernel.client.execute("2");
    const count = first.reply.content.execution_count as number;
    expect(quiet.reply.content.execution_count).toBe(count);
    expect(silent.reply.content.execution_count).toBe(count);
    expect(next.reply.content.execution_count).toBe(count + 1);
    expect(silent.iopub.map((m) => m.header.msg_type)).toEqual(["status", "status"]);
    expect(streamText(quiet.iopub)).toBe("shh\n");
  });

  it("reports an error on iopub and in the reply, with a traceback", async () => {
    const { reply, iopub } = await kernel.client.execute("def f():\n    return 1/0\nf()");
    expect(reply.content).toMatchObject({ status: "error", ename: "ZeroDivisionError" });
    const error = ofType(iopub, "error")[0]!;
    expect(error.content.ename).toBe("ZeroDivisionError");
    expect((error.content.traceback as string[]).join("\n")).toContain("return 1/0");
  });

  it("answers queued execute_requests 'aborted' after an error with stop_on_error", async () => {
    const c = kernel.client;
    const failing = c.request("shell", "execute_request", { code: "import time; time.sleep(0.3); raise ValueError('x')", stop_on_error: true });
    const queued = c.request("shell", "execute_request", { code: "never_ran = True" });
    const queued2 = c.request("shell", "execute_request", { code: "never_ran2 = True" });
    expect((await failing.reply).content.status).toBe("error");
    expect((await queued.reply).content.status).toBe("aborted");
    expect((await queued2.reply).content.status).toBe("aborted");
    await c.waitForIdle(queued2.msgId);
    expect(c.iopubFor(queued.msgId).map((m) => m.content.execution_state)).toEqual(["busy", "idle"]);
    const check = await c.execute("'never_ran' in globals()");
    expect(ofType(check.iopub, "execute_result")[0]!.content.data).toMatchObject({ "text/plain": "False" });
  });

  it("does not abort the queue when stop_on_error is false", async () => {
    const c = kernel.client;
    const failing = c.request("shell", "execute_request", { code: "raise ValueError('y')", stop_on_error: false });
    const queued = c.request("shell", "execute_request", { code: "ran_anyway = 1" });
    expect((await failing.reply).content.status).toBe("error");
    expect((await queued.reply).content.status).toBe("ok");
  });

  it("keeps stdout and stderr in order with displays", async () => {
    // stdout and stderr are two pipes, so their relative order is only kept across events
    // (as with ipykernel); each stream's order relative to displays is exact.
    const { iopub } = await kernel.client.execute("import sys\nprint('one')\ndisplay(1)\nprint('two')\nsys.stderr.write('err\\n')\ndisplay(2)\nprint('three')");
    const seq = (name: string) =>
      iopub
        .filter((m) => (m.header.msg_type === "stream" && m.content.name === name) || m.header.msg_type === "display_data")
        .map((m) => (m.header.msg_type === "stream" ? (m.content.text as string) : "<display>"))
        .join("");
    expect(seq("stdout")).toBe("one\n<display>two\n<display>three\n");
    expect(seq("stderr")).toBe("<display>err\n<display>");
  });

  it("captures output of subprocesses at the file-descriptor level", async () => {
    const { iopub } = await kernel.client.execute("import os, subprocess\nos.system('echo from-shell')\nsubprocess.run(['sh', '-c', 'echo err-side >&2'])");
    expect(streamText(iopub)).toContain("from-shell\n");
    expect(streamText(iopub, "stderr")).toContain("err-side\n");
  });

  it("batches a flood of output into few stream messages", async () => {
    const { iopub } = await kernel.client.execute("for i in range(10000):\n    print(i)");
    const text = streamText(iopub);
    expect(text.split("\n")).toHaveLength(10001);
    expect(text.startsWith("0\n1\n2\n")).toBe(true);
    expect(ofType(iopub, "stream").length).toBeLessThan(50);
  });

  it("sends display_data with a display_id and updates it with update_display_data", async () => {
    const { iopub } = await kernel.client.execute("h = display('first', display_id=True)\nh.update('second')");
    const shown = ofType(iopub, "display_data")[0]!;
    const updated = ofType(iopub, "update_display_data")[0]!;
    const id = (shown.content.transient as { display_id: string }).display_id;
    expect(id).toBeTruthy();
    expect((updated.content.transient as { display_id: string }).display_id).toBe(id);
    expect(updated.content.data).toMatchObject({ "text/plain": "'second'" });
  });

  it("renders IPython.display objects as rich output", async () => {
    const { iopub } = await kernel.client.execute(
      "from IPython.display import display, HTML, Markdown, clear_output\ndisplay(HTML('<b>bold</b>'))\ndisplay(Markdown('*md*'))\nclear_output(wait=True)",
    );
    const displays = ofType(iopub, "display_data");
    expect(displays[0]!.content.data).toMatchObject({ "text/html": "<b>bold</b>" });
    expect(displays[1]!.content.data).toMatchObject({ "text/markdown": "*md*" });
    expect(ofType(iopub, "clear_output")[0]!.content.wait).toBe(true);
  });

  it("returns a rich MIME bundle for an object with _repr_html_", async () => {
    const { iopub } = await kernel.client.execute("class T:\n    def _repr_html_(self):\n        return '<table><tr><td>1</td></tr></table>'\nT()");
    const data = ofType(iopub, "execute_result")[0]!.content.data as Record<string, string>;
    expect(data["text/html"]).toBe("<table><tr><td>1</td></tr></table>");
    expect(data["text/plain"]).toMatch(/<.*T object at/);
  });

  it("evaluates user_expressions after the cell", async () => {
    const { reply } = await kernel.client.execute("z = 10", { user_expressions: { double: "z * 2", bad: "nope" } });
    const exprs = reply.content.user_expressions as Record<string, { status: string; data?: Record<string, string>; ename?: string }>;
    expect(exprs.double).toMatchObject({ status: "ok", data: { "text/plain": "20" } });
    expect(exprs.bad).toMatchObject({ status: "error", ename: "NameError" });
  });

  it("answers a task cell with no model configured by saying how to configure one; Python keeps working", async () => {
    const { reply, iopub } = await kernel.client.execute("load sales.csv and plot revenue by month");
    expect(reply.content).toMatchObject({ status: "error", ename: "ModelNotConfigured" });
    const text = (ofType(iopub, "error")[0]!.content.traceback as string[]).join("\n");
    expect(text).toMatch(/LUCI_LLM_BASE_URL/);
    const forced = await kernel.client.execute("%%task\nx = 1");
    expect(forced.reply.content.ename).toBe("ModelNotConfigured");
    const python = await kernel.client.execute("print('still fine')");
    expect(streamText(python.iopub)).toBe("still fine\n");
  });

  it("runs %%python cells as Python, so a typo is a SyntaxError and not a task", async () => {
    const { reply } = await kernel.client.execute("%%python\nx = (1,");
    expect(reply.content).toMatchObject({ status: "error", ename: "SyntaxError" });
  });
});

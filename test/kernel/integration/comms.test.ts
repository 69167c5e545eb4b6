// Jupyter comms, end to end: ipywidgets 8 in a notebook environment, driven as JupyterLab drives
// it (comm_open to jupyter.widget.control, comm_msg updates, comm_info_request), a comm target
// registered in Python and opened from the client (buffers both ways), interact's Output widget
// capture, and the comms closed when the worker dies (not on a restart: the clients know). Runs in the
// notebook's venv, or its container under LUCI_TEST_EXECUTOR=container.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../../kernel/protocol/messages.js";
import { mimeText, ofType, streamText } from "../../support/kernel-client.js";
import { ROOT, startKernel, type StartedKernel } from "../../support/kernel-process.js";

const CONTAINER = process.env.LUCI_TEST_EXECUTOR === "container";

let kernel: StartedKernel;
beforeAll(async () => {
  const envs = mkdtempSync(join(tmpdir(), "luci-comms-envs-"));
  kernel = await startKernel({
    env: {
      JPY_SESSION_NAME: "widgets.ipynb",
      ...(CONTAINER ? {} : { LUCI_EXECUTOR: "venv", LUCI_ENV_DIR: envs, LUCI_UV: join(ROOT, ".venv", "bin", "uv") }),
    },
  });
  // The import cascade installs ipywidgets (and comm, ipython) into the notebook's environment.
  const { reply } = await kernel.client.execute("import ipywidgets, comm");
  expect(reply.content.status).toBe("ok");
}, 600_000);
afterAll(async () => {
  await kernel?.stop();
});

/** The value of a cell's last expression as text (its execute_result's text/plain). */
async function evaluate(code: string): Promise<string> {
  const { reply, iopub } = await kernel.client.execute(code);
  expect(reply.content, JSON.stringify(reply.content)).toMatchObject({ status: "ok" });
  return mimeText(ofType(iopub, "execute_result")[0]?.content.data as Record<string, unknown> | undefined);
}

function commMessages(iopub: Message[], type = "comm_msg", commId?: string): Message[] {
  return ofType(iopub, type).filter((m) => commId === undefined || m.content.comm_id === commId);
}

async function commInfo(targetName?: string): Promise<Record<string, { target_name: string }>> {
  const reply = await kernel.client.request("shell", "comm_info_request", targetName === undefined ? {} : { target_name: targetName }).reply;
  expect(reply.content.status).toBe("ok");
  return reply.content.comms as Record<string, { target_name: string }>;
}

let sliderId = "";
const controlId = randomUUID().replaceAll("-", "");

describe("comms with ipywidgets", () => {
  it("IntSlider() opens a jupyter.widget comm and shows as a widget view", async () => {
    const { reply, iopub } = await kernel.client.execute("s = ipywidgets.IntSlider(value=3)\ns");
    expect(reply.content.status).toBe("ok");
    const opens = ofType(iopub, "comm_open").filter((m) => m.content.target_name === "jupyter.widget");
    const sliderOpen = opens.find((m) => (m.content.data as { state: { _model_name: string } }).state._model_name === "IntSliderModel");
    expect(sliderOpen, JSON.stringify(opens.map((m) => m.content))).toBeDefined();
    sliderId = String(sliderOpen!.content.comm_id);
    // Published while the cell ran: its parent is the execute_request.
    expect(sliderOpen!.parent_header.msg_type).toBe("execute_request");
    expect(String(sliderOpen!.metadata.version)).toMatch(/^2\./);
    const result = ofType(iopub, "execute_result")[0]!;
    const view = (result.content.data as Record<string, unknown>)["application/vnd.jupyter.widget-view+json"];
    expect(view).toMatchObject({ model_id: sliderId });
  });

  it("a value sent as JupyterLab sends it reaches Python", async () => {
    const msgId = await kernel.client.comm("comm_msg", { comm_id: sliderId, data: { method: "update", state: { value: 7 }, buffer_paths: [] } });
    // Handled as ipykernel does: busy, then idle, with the comm_msg as parent.
    const states = ofType(kernel.client.iopubFor(msgId), "status").map((m) => m.content.execution_state);
    expect(states).toEqual(["busy", "idle"]);
    const { iopub } = await kernel.client.execute("print(s.value)");
    expect(streamText(iopub)).toBe("7\n");
  });

  it("a comm_msg sent while a cell runs waits for the cell, as in ipykernel", async () => {
    const c = kernel.client;
    const cell = c.request("shell", "execute_request", { code: "import time\ntime.sleep(0.5)\nbefore = s.value", silent: false });
    const commId = await c.comm("comm_msg", { comm_id: sliderId, data: { method: "update", state: { value: 8 }, buffer_paths: [] } });
    await c.waitForIdle(cell.msgId);
    const at = (msgId: string, state: string) =>
      c.allIopub.findIndex((m) => m.parent_header.msg_id === msgId && m.header.msg_type === "status" && m.content.execution_state === state);
    expect(at(commId, "busy")).toBeGreaterThan(at(cell.msgId, "idle"));
    expect(await evaluate("(before, s.value)")).toBe("(7, 8)");
  });

  it("a widget changed by a thread after its cell ended still reaches the frontend, under that cell's request", async () => {
    const { msgId } = kernel.client.request("shell", "execute_request", {
      code: "import threading\nthreading.Timer(0.3, lambda: setattr(s, 'value', 6)).start()",
      silent: false,
    });
    await kernel.client.waitForIdle(msgId);
    const sent = () =>
      commMessages(kernel.client.allIopub, "comm_msg", sliderId).find((m) => (m.content.data as { state?: { value?: number } }).state?.value === 6);
    for (let i = 0; i < 200 && !sent(); i++) await new Promise((ok) => setTimeout(ok, 25));
    expect(sent()?.parent_header.msg_id).toBe(msgId);
    await kernel.client.comm("comm_msg", { comm_id: sliderId, data: { method: "update", state: { value: 8 }, buffer_paths: [] } });
  });

  it("JupyterLab's control comm answers request_states with every widget's state", async () => {
    // JupyterLab's widget manager opens it with the control protocol's version.
    const openId = await kernel.client.comm("comm_open", { comm_id: controlId, target_name: "jupyter.widget.control", data: {} }, [], { version: "1.0.0" });
    expect(ofType(kernel.client.iopubFor(openId), "error")).toEqual([]);
    const msgId = await kernel.client.comm("comm_msg", { comm_id: controlId, data: { method: "request_states" } });
    const answers = commMessages(kernel.client.iopubFor(msgId), "comm_msg", controlId);
    expect(answers).toHaveLength(1);
    const data = answers[0]!.content.data as { method: string; states: Record<string, { state: { value?: number } }> };
    expect(data.method).toBe("update_states");
    expect(data.states[sliderId]!.state.value).toBe(8);
  });

  it("comm_info_request lists the open comms, filtered by target_name", async () => {
    const all = await commInfo();
    expect(all[sliderId]).toEqual({ target_name: "jupyter.widget" });
    expect(all[controlId]).toEqual({ target_name: "jupyter.widget.control" });
    const widgets = await commInfo("jupyter.widget");
    expect(widgets[sliderId]).toBeDefined();
    expect(widgets[controlId]).toBeUndefined();
    expect(await commInfo("no.such.target")).toEqual({});
  });

  it("a comm_open to a target nobody registered is closed at once", async () => {
    const commId = randomUUID();
    const msgId = await kernel.client.comm("comm_open", { comm_id: commId, target_name: "no.such.target", data: {} });
    expect(commMessages(kernel.client.iopubFor(msgId), "comm_close", commId)).toHaveLength(1);
    expect((await commInfo())[commId]).toBeUndefined();
  });

  it("interact runs the function on a slider change; its output, parented by the comm_msg, is captured by the Output widget", async () => {
    const ids = await evaluate("w = ipywidgets.interactive(lambda x: print('x is', x), x=(0, 10))\ndisplay(w)\n(w.children[0].model_id, w.out.model_id)");
    const [xId, outId] = [...ids.matchAll(/'([0-9a-f]+)'/g)].map((m) => m[1]!);
    const msgId = await kernel.client.comm("comm_msg", { comm_id: xId, data: { method: "update", state: { value: 3 }, buffer_paths: [] } });
    const iopub = kernel.client.iopubFor(msgId);
    expect(streamText(iopub)).toBe("x is 3\n");
    // The Output widget is told to capture the comm_msg's id before the output, and to stop after.
    const outUpdates = commMessages(iopub, "comm_msg", outId).map((m) => (m.content.data as { state: { msg_id?: string } }).state.msg_id);
    expect(outUpdates.filter((v) => v !== undefined)).toEqual([msgId, ""]);
    const order = iopub.map((m) => m.header.msg_type + (m.content.comm_id === outId ? ":out" : ""));
    const stream = order.indexOf("stream");
    expect(order.indexOf("comm_msg:out")).toBeLessThan(stream);
    expect(order.lastIndexOf("comm_msg:out")).toBeGreaterThan(stream);
  });

  it("a figure an interact function leaves open is shown in its Output widget", async () => {
    const id = await evaluate(
      "import matplotlib.pyplot as plt\nplot_w = ipywidgets.interactive(lambda k: plt.plot([0, k]), k=(1, 5))\ndisplay(plot_w)\nplot_w.children[0].model_id",
    );
    const msgId = await kernel.client.comm("comm_msg", { comm_id: id.replaceAll("'", ""), data: { method: "update", state: { value: 4 }, buffer_paths: [] } });
    const figures = ofType(kernel.client.iopubFor(msgId), "display_data").filter((m) => "image/png" in (m.content.data as Record<string, unknown>));
    expect(figures).toHaveLength(1);
  }, 300_000);

  it("an exception in an interact callback is shown in the Output widget (an error output with the comm_msg as parent)", async () => {
    const ids = await evaluate("bad = ipywidgets.interactive(lambda y: 1 / y, y=(0, 5))\ndisplay(bad)\nbad.children[0].model_id");
    const yId = ids.replaceAll("'", "");
    const msgId = await kernel.client.comm("comm_msg", { comm_id: yId, data: { method: "update", state: { value: 0 }, buffer_paths: [] } });
    const errors = ofType(kernel.client.iopubFor(msgId), "error");
    expect(errors.map((m) => m.content.ename)).toEqual(["ZeroDivisionError"]);
  });

  it("a comm the client opens to a target registered in Python works both ways, buffers included", async () => {
    const { reply } = await kernel.client.execute(
      [
        "import comm",
        "opened = []",
        "def echo_target(c, msg):",
        "    opened.append(msg['content']['data'])",
        "    c.on_msg(lambda m: c.send({'echo': m['content']['data'], 'sizes': [len(b) for b in m['buffers']]}, buffers=[bytes(b)[::-1] for b in m['buffers']]))",
        "comm.get_comm_manager().register_target('luci.echo', echo_target)",
      ].join("\n"),
    );
    expect(reply.content.status).toBe("ok");
    const commId = randomUUID();
    await kernel.client.comm("comm_open", { comm_id: commId, target_name: "luci.echo", data: { hello: 1 } });
    const msgId = await kernel.client.comm("comm_msg", { comm_id: commId, data: { n: 42 } }, [Buffer.from([1, 2, 3]), Buffer.from("abc")]);
    const echoes = commMessages(kernel.client.iopubFor(msgId), "comm_msg", commId);
    expect(echoes).toHaveLength(1);
    expect(echoes[0]!.content.data).toEqual({ echo: { n: 42 }, sizes: [3, 3] });
    expect(echoes[0]!.buffers.map((b) => [...b])).toEqual([[3, 2, 1], [...Buffer.from("cba")]]);
    expect(await evaluate("opened")).toBe("[{'hello': 1}]");
    expect((await commInfo("luci.echo"))[commId]).toEqual({ target_name: "luci.echo" });
  });

  it("an interrupt stops a comm handler; the comm stays open and the kernel serves on", async () => {
    const c = kernel.client;
    const { reply } = await c.execute(
      "import comm, time\ncomm.get_comm_manager().register_target('luci.slow', lambda cm, msg: cm.on_msg(lambda m: (print('started', flush=True), time.sleep(60))))",
    );
    expect(reply.content.status).toBe("ok");
    const commId = randomUUID();
    await c.comm("comm_open", { comm_id: commId, target_name: "luci.slow", data: {} });
    const message = c.session.request("comm_msg", { comm_id: commId, data: {} });
    const msgId = message.header.msg_id;
    await c.sendFrames("shell", c.session.frames(message));
    for (let i = 0; i < 400 && !streamText(c.iopubFor(msgId)).includes("started"); i++) await new Promise((ok) => setTimeout(ok, 25));
    await c.request("control", "interrupt_request", {}).reply;
    await c.waitForIdle(msgId);
    expect(ofType(c.iopubFor(msgId), "error").map((m) => m.content.ename)).toEqual(["KeyboardInterrupt"]);
    expect((await commInfo("luci.slow"))[commId]).toEqual({ target_name: "luci.slow" });
    expect(await evaluate("1 + 1")).toBe("2");
  });

  it("when the worker dies, the kernel closes every comm it knew was open", async () => {
    const open = Object.keys(await commInfo());
    expect(open.length).toBeGreaterThan(3);
    const { msgId } = kernel.client.request("shell", "execute_request", { code: "import os, signal; os.kill(os.getpid(), signal.SIGKILL)", silent: false });
    await kernel.client.waitForIdle(msgId);
    const closed = commMessages(kernel.client.allIopub, "comm_close").map((m) => String(m.content.comm_id));
    for (const id of open) expect(closed).toContain(id);
    expect(await commInfo()).toEqual({});
    // The new worker has comms again.
    const { reply, iopub } = await kernel.client.execute("import ipywidgets\nipywidgets.IntSlider()");
    expect(reply.content.status).toBe("ok");
    expect(ofType(iopub, "comm_open").length).toBeGreaterThan(0);
  });

  it("a restart publishes no comm_close: the clients drop their comms on the restart themselves, as with ipykernel", async () => {
    // JupyterLab's kernel connection drops its comms when the server announces the restart; a
    // comm_close after that is logged as "Comm not found" (test/jupyterlab/widgets.test.ts).
    const open = Object.keys(await commInfo());
    expect(open.length).toBeGreaterThan(0);
    const exited = new Promise((ok) => kernel.process.once("exit", ok));
    const { msgId, reply } = kernel.client.request("control", "shutdown_request", { restart: true });
    await reply;
    // Under the test harness the kernel exits after its shutdown (jupyter_client would start a
    // new one); everything it published came before.
    await exited;
    await expect.poll(() => ofType(kernel.client.iopubFor(msgId), "shutdown_reply").length).toBe(1);
    expect(commMessages(kernel.client.allIopub, "comm_close").filter((m) => open.includes(String(m.content.comm_id)))).toEqual([]);
  });
});

// kernel_info, complete, inspect, is_complete, history, comm_info and heartbeat on a real kernel.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

let kernel: StartedKernel;
beforeAll(async () => {
  kernel = await startKernel();
});
afterAll(async () => {
  await kernel?.stop();
});

describe("requests", () => {
  it("kernel_info_reply describes Luci and Python, on shell and on control", async () => {
    for (const channel of ["shell", "control"] as const) {
      const { reply } = kernel.client.request(channel, "kernel_info_request", {});
      const content = (await reply).content;
      expect(content).toMatchObject({ status: "ok", protocol_version: "5.3", implementation: "luci" });
      expect(content.language_info).toMatchObject({ name: "python", file_extension: ".py", mimetype: "text/x-python" });
      expect(content.banner).toMatch(/Luci/);
      expect(Array.isArray(content.help_links)).toBe(true);
    }
  });

  it("wraps kernel_info on control in busy/idle too", async () => {
    const { msgId, reply } = kernel.client.request("control", "kernel_info_request", {});
    await reply;
    await kernel.client.waitForIdle(msgId);
    expect(kernel.client.iopubFor(msgId).map((m) => m.content.execution_state)).toEqual(["busy", "idle"]);
  });

  it("completes from the live namespace", async () => {
    await kernel.client.execute("my_variable_abc = 1\nimport os");
    const zi = await kernel.client.request("shell", "complete_request", { code: "zi", cursor_pos: 2 }).reply;
    expect(zi.content.matches).toEqual(["zip"]);
    const mine = await kernel.client.request("shell", "complete_request", { code: "x = my_vari", cursor_pos: 11 }).reply;
    expect(mine.content).toMatchObject({ status: "ok", matches: ["my_variable_abc"], cursor_start: 4, cursor_end: 11 });
    const attr = await kernel.client.request("shell", "complete_request", { code: "os.pa", cursor_pos: 5 }).reply;
    expect(attr.content.matches).toContain("path");
    expect(attr.content).toMatchObject({ cursor_start: 3, cursor_end: 5 });
  });

  it("inspects objects of the namespace", async () => {
    const { content } = await kernel.client.request("shell", "inspect_request", { code: "zip", cursor_pos: 3, detail_level: 0 }).reply;
    expect(content).toMatchObject({ status: "ok", found: true });
    expect((content.data as Record<string, string>)["text/plain"]).toMatch(/zip/);
    const missing = await kernel.client.request("shell", "inspect_request", { code: "no_such_name", cursor_pos: 5 }).reply;
    expect(missing.content.found).toBe(false);
  });

  it("says whether code is complete", async () => {
    const ask = async (code: string) => (await kernel.client.request("shell", "is_complete_request", { code }).reply).content;
    expect(await ask("x = 1")).toMatchObject({ status: "complete" });
    expect(await ask("for i in range(3):")).toMatchObject({ status: "incomplete", indent: "    " });
    expect(await ask("%%task\nplot it")).toMatchObject({ status: "complete" });
  });

  it("keeps history for tail, range and search", async () => {
    await kernel.client.execute("history_marker = 'abc'");
    const tail = await kernel.client.request("shell", "history_request", { hist_access_type: "tail", n: 1, output: false, raw: true }).reply;
    expect(tail.content.history).toEqual([[1, expect.any(Number), "history_marker = 'abc'"]]);
    const search = await kernel.client.request("shell", "history_request", { hist_access_type: "search", pattern: "history_marker*", output: false, raw: true })
      .reply;
    expect((search.content.history as unknown[]).length).toBeGreaterThan(0);
  });

  it("has no comms, and closes a comm opened for an unknown target", async () => {
    const info = await kernel.client.request("shell", "comm_info_request", {}).reply;
    expect(info.content).toEqual({ status: "ok", comms: {} });
    const { msgId } = kernel.client.request("shell", "comm_open", { comm_id: "c1", target_name: "nothing", data: {} });
    await kernel.client.waitForIdle(msgId);
    const close = kernel.client.iopubFor(msgId).find((m) => m.header.msg_type === "comm_close");
    expect(close?.content.comm_id).toBe("c1");
  });

  it("answers heartbeats", async () => {
    expect(await kernel.client.heartbeat()).toBe(true);
  });
});

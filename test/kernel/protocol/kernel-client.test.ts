// The ZeroMQ KernelClient against the kernel's own transport, both in this process over ipc
// sockets: a scripted kernel answers kernel_info and execute (busy, output, reply, idle) and
// asks for input on stdin, so the client's matching of replies and output can be checked
// without a kernel process or Python.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionInfo } from "../../../kernel/protocol/connection.js";
import { KernelClient } from "../../../kernel/protocol/kernel-client.js";
import { PROTOCOL_VERSION, type Message } from "../../../kernel/protocol/messages.js";
import type { RequestChannel } from "../../../kernel/protocol/transport.js";
import { ZmqTransport } from "../../../kernel/protocol/zmq-transport.js";

const KEY = "in-process";

function ipcConnection(key = KEY): ConnectionInfo {
  const ip = join(mkdtempSync(join(tmpdir(), "luci-client-")), "kernel");
  return { transport: "ipc", ip, shell_port: 1, control_port: 2, stdin_port: 3, iopub_port: 4, hb_port: 5, key, signature_scheme: "hmac-sha256" };
}

/** A kernel that runs nothing: it echoes the code as output, or asks for input when the code is `input()`. */
class ScriptedKernel {
  readonly transport: ZmqTransport;
  readonly received: Message[] = [];
  /** The msg_id of the last input_request sent. */
  inputRequestId?: string;
  private pendingInput?: Message;

  constructor(readonly info: ConnectionInfo) {
    this.transport = new ZmqTransport(info);
  }

  start(): Promise<void> {
    return this.transport.start((channel, message) => this.handle(channel, message));
  }

  private handle(channel: RequestChannel, message: Message): void {
    this.received.push(message);
    const type = message.header.msg_type;
    if (type === "input_reply") {
      const request = this.pendingInput!;
      this.pendingInput = undefined;
      this.finish(request, String(message.content.value));
      return;
    }
    this.transport.publish({ msgType: "status", content: { execution_state: "busy" }, parent: message });
    if (type === "kernel_info_request") {
      this.transport.send(channel, message.identities, { msgType: "kernel_info_reply", content: { status: "ok" }, parent: message });
      this.transport.publish({ msgType: "status", content: { execution_state: "idle" }, parent: message });
    } else if (type === "execute_request" && message.content.code === "input()") {
      this.pendingInput = message;
      this.inputRequestId = this.transport.send("stdin", message.identities, {
        msgType: "input_request",
        content: { prompt: "? ", password: false },
        parent: message,
      });
    } else if (type === "execute_request") {
      this.finish(message, String(message.content.code));
    }
  }

  private finish(request: Message, text: string): void {
    this.transport.publish({ msgType: "stream", content: { name: "stdout", text }, parent: request });
    this.transport.send("shell", request.identities, { msgType: "execute_reply", content: { status: "ok", execution_count: 1 }, parent: request });
    this.transport.publish({ msgType: "status", content: { execution_state: "idle" }, parent: request });
  }
}

let kernel: ScriptedKernel;
let client: KernelClient;
beforeAll(async () => {
  kernel = new ScriptedKernel(ipcConnection());
  await kernel.start();
  client = new KernelClient(kernel.info, { username: "ada" });
  client.connect();
  await client.waitForReady();
});
afterAll(async () => {
  client?.close();
  await kernel?.transport.close();
  if (kernel) rmSync(dirname(kernel.info.ip), { recursive: true, force: true });
});

describe("KernelClient", () => {
  it("is ready once kernel_info is answered on shell and iopub", async () => {
    const { msgId, reply } = client.request("shell", "kernel_info_request", {});
    expect((await reply).header.msg_type).toBe("kernel_info_reply");
    await client.waitForIdle(msgId);
    expect(client.iopubFor(msgId).map((m) => m.content.execution_state)).toEqual(["busy", "idle"]);
  });

  it("sends headers of its session, as the kernel decodes them", async () => {
    const { reply } = client.request("shell", "kernel_info_request", {});
    const answered = (await reply).parent_header.msg_id;
    const request = kernel.received.find((m) => m.header.msg_id === answered)!;
    expect(request.header).toMatchObject({ session: client.session.id, username: "ada", version: PROTOCOL_VERSION });
  });

  it("executes code and collects its output from busy to idle with the reply", async () => {
    const { reply, iopub } = await client.execute("hello");
    expect(reply.header.msg_type).toBe("execute_reply");
    expect(reply.content.status).toBe("ok");
    expect(iopub.map((m) => m.header.msg_type)).toEqual(["status", "stream", "status"]);
    expect(iopub[1]!.content.text).toBe("hello");
    const request = kernel.received.find((m) => m.header.msg_id === reply.parent_header.msg_id)!;
    expect(request.content).toMatchObject({ code: "hello", silent: false, store_history: true, stop_on_error: true });
  });

  it("matches each of many requests sent at once to its own reply", async () => {
    const runs = await Promise.all(Array.from({ length: 50 }, (_, i) => client.execute(`cell ${i}`)));
    runs.forEach(({ iopub }, i) => expect(iopub.find((m) => m.header.msg_type === "stream")!.content.text).toBe(`cell ${i}`));
  });

  it("answers an input_request on stdin with input_reply, the request as parent", async () => {
    const prompts: unknown[] = [];
    client.onInputRequest = (request) => {
      prompts.push(request.content.prompt);
      client.input("typed", request);
    };
    try {
      const { iopub } = await client.execute("input()", { allow_stdin: true });
      expect(prompts).toEqual(["? "]);
      expect(iopub.find((m) => m.header.msg_type === "stream")!.content.text).toBe("typed");
      const inputReply = kernel.received.find((m) => m.header.msg_type === "input_reply")!;
      expect(inputReply.header.session).toBe(client.session.id);
      expect(inputReply.content).toEqual({ value: "typed" });
      expect(inputReply.parent_header).toMatchObject({ msg_type: "input_request", msg_id: kernel.inputRequestId });
    } finally {
      client.onInputRequest = undefined;
    }
  });

  it("hears the heartbeat", async () => {
    expect(await client.heartbeat(10_000)).toBe(true);
  });

  it("ignores messages signed with another key and says why", async () => {
    const stranger = new KernelClient({ ...kernel.info, key: "another key" });
    stranger.connect();
    try {
      // The kernel drops the stranger's requests, so its own published statuses are what arrive.
      const deadline = Date.now() + 20_000;
      while (stranger.rejected.length === 0 && Date.now() < deadline) {
        await client.execute("ping");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(stranger.rejected[0]).toBe("iopub: bad signature");
      expect(stranger.allIopub).toEqual([]);
    } finally {
      stranger.close();
    }
  });
});

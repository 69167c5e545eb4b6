// The tests' kernel client: kernel/protocol's KernelClient, with a message from the kernel
// that does not verify or parse failing the run instead of being counted and ignored; and the
// helpers the suites read iopub with.
import { KernelClient as ProtocolClient } from "../../kernel/protocol/kernel-client.js";
import type { ConnectionInfo } from "../../kernel/protocol/connection.js";
import type { JsonObject, Message } from "../../kernel/protocol/messages.js";
import { isObject } from "../../kernel/common/json-file.js";

export class KernelClient extends ProtocolClient {
  constructor(info: ConnectionInfo) {
    super(info, {
      username: "test",
      onRejected: (channel, reason) => {
        throw new Error(`bad message from kernel on ${channel}: ${reason}`);
      },
    });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** The text of all stream messages of one name, in order. */
export function streamText(iopub: Message[], name = "stdout"): string {
  return iopub
    .filter((m) => m.header.msg_type === "stream" && m.content.name === name)
    .map((m) => (typeof m.content.text === "string" ? m.content.text : ""))
    .join("");
}

/** A MIME bundle's text of one type ("" when it has none, or not as text). */
export function mimeText(data: Record<string, unknown> | undefined, mime = "text/plain"): string {
  const value = data?.[mime];
  return typeof value === "string" ? value : "";
}

export function ofType(iopub: Message[], type: string): Message[] {
  return iopub.filter((m) => m.header.msg_type === type);
}

/** The data of every display_data and update_display_data, in order; with `mime`, those that carry it. */
export function displayData(iopub: Message[], mime?: string): Record<string, unknown>[] {
  return iopub
    .filter((m) => m.header.msg_type === "display_data" || m.header.msg_type === "update_display_data")
    .map((m) => (isObject(m.content.data) ? m.content.data : {}))
    .filter((d) => mime === undefined || mime in d);
}

/**
 * Runs a cell as a person at JupyterLab does (allow_stdin) and answers each question the kernel
 * asks on stdin with `answer` (what `%luci trust` and a new `%luci model --base-url` wait for).
 */
export async function executeAnswering(client: KernelClient, code: string, answer: string, metadata: JsonObject = {}) {
  const previous = client.onInputRequest;
  client.onInputRequest = (message) => client.input(answer, message);
  try {
    return await client.execute(code, { allow_stdin: true }, metadata);
  } finally {
    client.onInputRequest = previous;
  }
}

// Message headers, for the kernel's messages and a client's requests alike: one session id per
// sender (clients detect a kernel restart by a change of session), a fresh msg_id and a date in
// every header, and the one protocol version (messages.ts).
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { PROTOCOL_VERSION, type Header } from "./messages.js";

export class HeaderFactory {
  readonly session = randomUUID();

  /** `username` defaults to the user this process runs as, as jupyter_client's Session does. */
  constructor(private readonly username = safeUsername()) {}

  make(msgType: string): Header {
    return {
      msg_id: randomUUID(),
      session: this.session,
      username: this.username,
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    };
  }
}

function safeUsername(): string {
  try {
    return userInfo().username || "luci";
  } catch {
    return "luci";
  }
}

// Headers of the messages the kernel sends: one session id per kernel process, a date in
// every header, protocol version 5.3 (clients detect a restart by a change of session).
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { PROTOCOL_VERSION, type Header } from "./messages.js";

export class HeaderFactory {
  readonly session = randomUUID();
  private readonly username = safeUsername();

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

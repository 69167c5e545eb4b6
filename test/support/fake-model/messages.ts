// Reading message text in `when` predicates, whether content is a string or a list of parts.
import type { ChatMessage, ChatRequest } from "./types.js";

export function messageText(message: ChatMessage | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => p.text ?? "").join("");
  return "";
}

/** The text of the request's last message: `when: (r) => lastMessageText(r).includes("Traceback")`. */
export function lastMessageText(request: ChatRequest): string {
  return messageText(request.messages.at(-1));
}

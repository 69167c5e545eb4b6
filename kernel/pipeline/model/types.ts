// Types the model layer's files share (type-only: importing this loads nothing).

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A tool (function) call in an answer: some models and servers return code this way
 * (OpenAI `tool_calls`, the legacy `function_call`). `arguments` is the text as sent, usually JSON. */
export interface ToolCall {
  name: string;
  arguments: string;
}

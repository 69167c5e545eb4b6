// Types the model layer's files share (type-only: importing this loads nothing).

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The structured output an endpoint gives: json_schema, json_object, or none (the prompt alone). */
export type StructuredMode = "json_schema" | "json_object" | "none";

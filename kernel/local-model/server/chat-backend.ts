// What the OpenAI-compatible server needs from a model, and nothing more: measure a prompt,
// generate one answer into a callback, stop when told. The HTTP layer only knows this interface,
// so it can be tested with a scripted backend; llama-backend.ts is the real one.

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface GenerationRequest {
  messages: readonly ChatMessage[];
  /** Tokens to generate at most; already clamped to what the context has room for. */
  maxTokens: number;
  /** 0 = greedy. */
  temperature: number;
  topP: number | undefined;
  /** Texts that end the answer (not included in it). */
  stop: readonly string[];
  seed: number | undefined;
}

type FinishReason = "stop" | "length";

export interface Usage {
  promptTokens: number;
  /** Of promptTokens, those already in the context from an earlier request (not evaluated again). */
  cachedPromptTokens: number;
  completionTokens: number;
}

export type GenerationOutcome =
  | { kind: "finished"; finishReason: FinishReason; usage: Usage }
  /** The signal fired: the generation stopped where it was. */
  | { kind: "aborted"; usage: Usage };

/** A prompt measured against the context: its size, or why it cannot be answered. */
export type PromptFit = { ok: true; promptTokens: number; room: number } | { ok: false; message: string };

export interface ChatBackend {
  /** The size of the context a prompt and its answer share. */
  readonly contextSize: number;
  measure(messages: readonly ChatMessage[]): PromptFit;
  /** One generation at a time: the caller queues. Throws only on a failure of the model itself. */
  generate(request: GenerationRequest, signal: AbortSignal, onText: (text: string) => void): Promise<GenerationOutcome>;
  close(): Promise<void>;
}

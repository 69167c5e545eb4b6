// The model server's real backend: node-llama-cpp running a GGUF file in this process.
// One context with ONE sequence and a LlamaChat on it (not a LlamaChatSession, which keeps a
// history of its own): each request's messages are rendered with the chat template and compared
// with the tokens already in the sequence, so a request that shares its beginning with the
// previous one (the same system prompt, the same earlier cells) evaluates only the new part.
// The thread count is set to the machine's cores: node-llama-cpp's default ran a 2-core machine
// at 0.3 tokens/s instead of 17 (see /work/shared/research/real-models.md).
import { availableParallelism } from "node:os";
import { getLlama, LlamaChat, LlamaLogLevel, type ChatHistoryItem, type Llama, type LlamaGpuType } from "node-llama-cpp";
import type { ChatBackend, ChatMessage, GenerationOutcome, GenerationRequest, PromptFit } from "./chat-backend.js";

export type GpuChoice = "auto" | LlamaGpuType;

export interface LlamaBackendOptions {
  modelFile: string;
  /** Wanted context size, in tokens; capped at what the model was trained for. */
  contextSize: number;
  /** CPU threads (default: the machine's cores). */
  threads?: number;
  /** "auto" uses a GPU where node-llama-cpp finds one (CUDA, Vulkan, Metal); false: the CPU only. */
  gpu?: GpuChoice;
  log: (message: string) => void;
}

export async function loadLlamaBackend(options: LlamaBackendOptions): Promise<ChatBackend> {
  const threads = options.threads ?? availableParallelism();
  const llama = await getLlama({
    gpu: options.gpu ?? "auto",
    // Prebuilt binaries only: building llama.cpp from source needs a download and minutes.
    build: "never",
    maxThreads: threads,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      const text = message.trim();
      if (text && level !== LlamaLogLevel.disabled) options.log(`llama.cpp ${level}: ${text}`);
    },
  });
  try {
    options.log(await describeCompute(llama, threads));
    const model = await llama.loadModel({ modelPath: options.modelFile });
    const contextSize = Math.min(options.contextSize, model.trainContextSize);
    const context = await model.createContext({ contextSize, sequences: 1, threads });
    const chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper: "auto" });
    options.log(`context ${context.contextSize} tokens, chat template ${chat.chatWrapper.wrapperName}`);
    return new LlamaBackend(llama, chat, context.contextSize);
  } catch (err) {
    await llama.dispose();
    throw err;
  }
}

async function describeCompute(llama: Llama, threads: number): Promise<string> {
  if (llama.gpu === false) return `computing on the CPU with ${threads} threads (no GPU found)`;
  const names = await llama.getGpuDeviceNames().catch(() => []);
  return `computing on the GPU with ${llama.gpu}${names.length ? ` (${names.join(", ")})` : ""}, ${threads} CPU threads`;
}

class LlamaBackend implements ChatBackend {
  constructor(
    private readonly llama: Llama,
    private readonly chat: LlamaChat,
    readonly contextSize: number,
  ) {}

  measure(messages: readonly ChatMessage[]): PromptFit {
    const promptTokens = this.promptTokens(toHistory(messages)).length;
    // One token at least must fit after the prompt.
    const room = this.contextSize - promptTokens - 1;
    if (room < 1) {
      return { ok: false, message: `The messages take ${promptTokens} tokens; this server's context holds ${this.contextSize}.` };
    }
    return { ok: true, promptTokens, room };
  }

  async generate(request: GenerationRequest, signal: AbortSignal, onText: (text: string) => void): Promise<GenerationOutcome> {
    const history = toHistory(request.messages);
    const prompt = this.promptTokens(history);
    const sequence = this.chat.sequence;
    const cachedPromptTokens = Math.min(sequence.compareContextTokens(prompt).firstDifferentIndex, prompt.length);
    const outputBefore = sequence.tokenMeter.usedOutputTokens;
    const usage = () => ({
      promptTokens: prompt.length,
      cachedPromptTokens,
      completionTokens: sequence.tokenMeter.usedOutputTokens - outputBefore,
    });
    try {
      const result = await this.chat.generateResponse(history, {
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        ...(request.topP !== undefined ? { topP: request.topP } : {}),
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.stop.length ? { customStopTriggers: request.stop } : {}),
        signal,
        stopOnAbortSignal: true,
        onTextChunk: (text) => {
          if (!signal.aborted) onText(text);
        },
      });
      if (result.metadata.stopReason === "abort" || signal.aborted) return { kind: "aborted", usage: usage() };
      return { kind: "finished", finishReason: result.metadata.stopReason === "maxTokens" ? "length" : "stop", usage: usage() };
    } catch (err) {
      // Aborted before the first token (still reading the prompt): node-llama-cpp throws the reason.
      if (signal.aborted) return { kind: "aborted", usage: usage() };
      throw err;
    }
  }

  async close(): Promise<void> {
    this.chat.dispose({ disposeSequence: true });
    await this.llama.dispose();
  }

  /** The prompt's tokens as LlamaChat will evaluate them (the chat template, then the tokenizer). */
  private promptTokens(history: ChatHistoryItem[]) {
    const { contextText } = this.chat.chatWrapper.generateContextState({ chatHistory: history });
    return contextText.tokenize(this.chat.model.tokenizer);
  }
}

/** OpenAI messages as node-llama-cpp's history, ending with the model's (empty) answer to write. */
function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message): ChatHistoryItem => {
    switch (message.role) {
      case "system":
        return { type: "system", text: message.content };
      case "user":
        return { type: "user", text: message.content };
      case "assistant":
        return { type: "model", response: [message.content] };
    }
  });
  history.push({ type: "model", response: [] });
  return history;
}

// The model layer's errors, in plain words, each with a name a cell can show as its ename.
// Kept in a file of their own so the cells layer can recognise them (instanceof, or `name`)
// without loading the client. None of them ever carries the API key: the client redacts every
// text that came from a server before it builds one of these.
import { CellFailure } from "../../common/cell-failure.js";

/** No endpoint is set and none was found on this machine. The message says how to set one. */
export class ModelNotConfigured extends CellFailure {
  constructor(
    message: string,
    /** What was looked for and what each place said, for a message that adds to it. */
    readonly seen: string[] = [],
  ) {
    super("ModelNotConfigured", message);
  }
}

/** The endpoint could not be used: refused, failed, busy beyond the retries, or silent too long. */
export class ModelUnavailable extends CellFailure {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    /** The error that made the endpoint unusable, when it is one of ours and carries no key. */
    options: { cause?: unknown } = {},
  ) {
    super("ModelUnavailable", message, options);
  }
}

/** The generation was stopped (an interrupt). `partialText` is what had arrived by then. */
export class GenerationInterrupted extends CellFailure {
  constructor(readonly partialText: string) {
    super("KeyboardInterrupt", "the model's answer was interrupted");
  }
}

/** The model declined the task and gave no code; the message holds its words. */
export class ModelRefused extends CellFailure {
  constructor(readonly modelText: string) {
    super("ModelRefused", `The model declined the task and wrote no code. It said: ${JSON.stringify(clip(modelText, 600))}`);
  }
}

/** The answer cannot be used: no code, fences that do not pair up, code cut off (answer-parser.ts). */
export class AnswerFormatError extends CellFailure {
  constructor(message: string) {
    super("AnswerFormatError", message);
  }
}

export function clip(text: string, max: number): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}

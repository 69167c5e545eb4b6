// How the model client retries: how many times, how long it waits, and the waiting itself
// (cut short by the interrupt). Which failures are retried, and when not, is in model-client.ts.
import { GenerationInterrupted } from "./errors.js";

export interface RetryPolicy {
  /** Retries of a 429 (default 2). */
  rateLimitRetries: number;
  /** Retries of a 5xx or a connection failure (default 2). */
  failureRetries: number;
  /** The back-off's first wait, doubled each time (default 1000 ms). */
  baseDelayMs: number;
  /** All waits together stay under this (default 30 s). */
  maxTotalWaitSeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = { rateLimitRetries: 2, failureRetries: 2, baseDelayMs: 1000, maxTotalWaitSeconds: 30 };

/** The cell's line for a retry: "The model server is busy (HTTP 429); retrying in 3 s…". */
export function retryMessage(reason: string, waitSeconds: number): string {
  return `${reason}; retrying in ${formatSeconds(waitSeconds)}…`;
}

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new GenerationInterrupted(""));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new GenerationInterrupted(""));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function formatSeconds(seconds: number): string {
  if (seconds >= 10 || Number.isInteger(seconds)) return `${Math.round(seconds)} s`;
  return `${seconds.toFixed(1)} s`;
}

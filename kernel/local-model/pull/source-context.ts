// What a download source is given (the model, its partial file, the network settings, progress)
// and what it answers: either the partial file now holds every byte of the model (not yet
// verified), or why not, in words.
import type { CatalogueEntry } from "../catalogue.js";
import type { ModelPaths } from "../model-store.js";
import type { HttpGetOptions } from "./http-get.js";
import type { PartialDownload } from "./partial.js";
import type { ProgressMeter } from "./progress.js";

export type VerifiableEntry = CatalogueEntry & { sha256: string };

export interface SourceContext {
  entry: VerifiableEntry;
  paths: ModelPaths;
  partial: PartialDownload;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  meter: ProgressMeter;
  /** Timeouts and the environment, passed to every request. */
  http: Pick<HttpGetOptions, "connectTimeoutMs" | "responseTimeoutMs" | "idleTimeoutMs" | "env" | "signal">;
  /** Network bytes received, counted by the sources. */
  received: { bytes: number };
}

export type SourceOutcome = { ok: true } | { ok: false; error: string; aborted: boolean };

/** A response status in words, after `what: ` when given. */
export function describeStatus(status: number, what?: string): string {
  const prefix = what ? `${what}: ` : "";
  if (status === 401 || status === 403) return `${prefix}refused (HTTP ${status})`;
  if (status === 404 || status === 410) return `${prefix}not found (HTTP ${status})`;
  if (status === 429) return `${prefix}too many requests (HTTP 429), try again later`;
  if (status >= 500) return `${prefix}the server failed (HTTP ${status})`;
  return `${prefix}unexpected answer (HTTP ${status})`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
}

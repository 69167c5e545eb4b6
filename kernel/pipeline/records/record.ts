// A recorded generation ("pin"): the code the model wrote for a task, with what it was made
// from. It travels inside the .ipynb as an output of the task cell (a display_data with
// RECORD_MIME), so any copy of the notebook carries its records, and it is signed with the
// author's key (trust.ts) so that code from someone else never runs by itself.
import { hostname, userInfo } from "node:os";
import { canonicalJson, isJsonObject, isJsonRecord, sha256Hex, type JsonValue } from "./json.js";

export const RECORD_MIME = "application/vnd.luci.record+json";
export const RECORD_VERSION = 1;

export interface LuciRecord {
  version: 1;
  /** The task text as written, parameters included. */
  task: string;
  /** The `{name=value}` defaults of the task when the code was made. */
  parameters: Record<string, JsonValue>;
  code: string;
  model: string;
  /** The model's endpoint, without credentials or query. */
  endpoint?: string;
  /** sha256 of the canonical JSON of the context the code was made from. */
  context_hash: string;
  validation: { score: number; passed: boolean };
  /** ISO 8601. */
  created: string;
  /** user@host. An unverified label: who signed is what counts (trust.ts). */
  author: string;
  /**
   * The distributions of the notebook's environment when the code ran ("pandas==2.2.3"), so a
   * colleague's rerun installs the same versions. Optional: records made before it have none.
   */
  packages?: string[];
  /** Hex HMAC-SHA256 over the canonical JSON of the record without `signature`. */
  signature: string;
}

export type UnsignedRecord = Omit<LuciRecord, "signature">;

export interface NewRecord {
  task: string;
  parameters?: Record<string, JsonValue>;
  code: string;
  model: string;
  endpoint?: string;
  /** The context the code was made from (hashed, never stored), or its hash already made. */
  context?: unknown;
  contextHash?: string;
  validation: { score?: number; passed?: boolean };
  created?: Date | string;
  author?: string;
  packages?: string[];
}

/** A record ready to sign (TrustStore.sign adds the signature). */
export function newRecord(input: NewRecord): UnsignedRecord {
  const record: UnsignedRecord = {
    version: RECORD_VERSION,
    task: input.task,
    parameters: input.parameters ?? {},
    code: input.code,
    model: input.model,
    context_hash: input.contextHash ?? contextHash(input.context ?? null),
    validation: { score: Number.isFinite(input.validation.score) ? input.validation.score! : 0, passed: input.validation.passed ?? false },
    created: input.created instanceof Date ? input.created.toISOString() : (input.created ?? new Date().toISOString()),
    author: input.author ?? defaultAuthor(),
  };
  const endpoint = input.endpoint ? publicEndpoint(input.endpoint) : undefined;
  if (endpoint) record.endpoint = endpoint;
  if (input.packages?.length) record.packages = [...input.packages].sort();
  return record;
}

export function contextHash(context: unknown): string {
  return sha256Hex(canonicalJson(context ?? null));
}

/** The canonical JSON a record is signed over: every field but `signature`. */
export function signedText(record: UnsignedRecord | LuciRecord | Record<string, unknown>): string {
  const rest: Record<string, unknown> = { ...record };
  delete rest.signature;
  return canonicalJson(rest);
}

/** What trusting a record stores: sha256 of its signed text (so re-signing does not change it). */
export function recordDigest(record: UnsignedRecord | LuciRecord | Record<string, unknown>): string {
  return sha256Hex(signedText(record));
}

export function defaultAuthor(): string {
  let user = process.env.USER ?? process.env.USERNAME ?? "";
  try {
    user = userInfo().username || user;
  } catch {
    /* no passwd entry (some containers) */
  }
  return `${user || "unknown"}@${hostname()}`;
}

/** An endpoint URL without user:password@ and without the query (which can hold a key). */
export function publicEndpoint(endpoint: string): string | undefined {
  try {
    const url = new URL(endpoint);
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    return url.toString().replace(/\/$/, "");
  } catch {
    return undefined;
  }
}

export type RecordCheck = { ok: true; record: LuciRecord } | { ok: false; reason: string };

/**
 * A record read from a notebook, checked field by field. Unknown extra fields are kept as they
 * are (the signature covers them, so a newer Luci's records still verify); a record of another
 * version is refused.
 */
export function checkRecord(value: unknown): RecordCheck {
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, reason: "the record is not JSON" };
    }
  }
  if (!isJsonObject(value)) return { ok: false, reason: "the record is not an object" };
  const r = value;
  if (r.version !== RECORD_VERSION)
    return { ok: false, reason: `record version ${JSON.stringify(r.version)} is not supported (this Luci reads version ${RECORD_VERSION})` };
  const { task, code, model, context_hash, created, author, signature, endpoint, parameters, validation: v, packages } = r;
  if (typeof task !== "string") return notAString("task");
  if (typeof code !== "string") return notAString("code");
  if (typeof model !== "string") return notAString("model");
  if (typeof context_hash !== "string") return notAString("context_hash");
  if (typeof created !== "string") return notAString("created");
  if (typeof author !== "string") return notAString("author");
  if (typeof signature !== "string") return notAString("signature");
  if (endpoint !== undefined && typeof endpoint !== "string") return { ok: false, reason: "the record's endpoint is not a string" };
  if (!isJsonRecord(parameters)) return { ok: false, reason: "the record's parameters are not an object of JSON values" };
  if (!isJsonObject(v) || typeof v.score !== "number" || typeof v.passed !== "boolean")
    return { ok: false, reason: "the record's validation is not {score, passed}" };
  if (packages !== undefined && !(Array.isArray(packages) && packages.every((p: unknown): p is string => typeof p === "string")))
    return { ok: false, reason: "the record's packages are not a list of strings" };
  // Made of the checked fields, with any others (a newer Luci's) kept as they are.
  const record: LuciRecord = {
    ...r,
    version: RECORD_VERSION,
    task,
    code,
    model,
    context_hash,
    created,
    author,
    signature,
    parameters,
    validation: { ...v, score: v.score, passed: v.passed },
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(packages === undefined ? {} : { packages }),
  };
  return { ok: true, record };
}

function notAString(field: string): RecordCheck {
  return { ok: false, reason: `the record's ${field} is missing or not a string` };
}

/**
 * The output that carries a record: the record itself plus a line anyone can read, in text and
 * markdown (what JupyterLab with no extension, nbconvert and GitHub show). Given how this user's
 * Luci judged the record (trust.ts), the line says what it means for a rerun: "Recorded code —
 * reruns without a model; signed by you (ana@laptop), 2025-05-01 · 4 lines from qwen2.5-coder".
 */
export function recordDisplay(
  record: LuciRecord,
  verdict?: "mine" | "trusted" | "untrusted",
): { data: Record<string, unknown>; metadata: Record<string, unknown> } {
  if (!verdict) return { data: { "text/plain": recordSummary(record), [RECORD_MIME]: record }, metadata: {} };
  const date = /^\d{4}-\d{2}-\d{2}/.exec(record.created)?.[0] ?? record.created;
  const lines = record.code.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n").length;
  const what = {
    mine: `reruns without a model; signed by you (${record.author}), ${date}`,
    trusted: `reruns without a model; made by ${record.author}, ${date}, in a notebook you trust`,
    untrusted: `made by ${record.author}, ${date}, not by you; shown and not run until you trust the notebook`,
  }[verdict];
  const params = Object.entries(record.parameters).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const detail = `${lines} ${lines === 1 ? "line" : "lines"} from ${record.model}${params.length ? `, made with ${params.join(", ")}` : ""}`;
  const line = `Recorded code — ${what} · ${detail}`;
  const markdown = `**Recorded code** — ${escapeMarkdown(what)} · ${escapeMarkdown(detail)}`;
  return { data: { "text/plain": line, "text/markdown": markdown, [RECORD_MIME]: record }, metadata: {} };
}

/** Text from a record inside markdown: no tag, link or emphasis of its own (the author and model are the record's words). */
function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([[\]*_`\\])/g, "\\$1");
}

/** "Recorded code: 12 lines from qwen2.5-coder, 2025-05-01" */
export function recordSummary(record: Pick<LuciRecord, "code" | "model" | "created">): string {
  const lines = record.code.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n").length;
  const date = /^\d{4}-\d{2}-\d{2}/.exec(record.created)?.[0] ?? record.created;
  return `Recorded code: ${lines} ${lines === 1 ? "line" : "lines"} from ${record.model}, ${date}`;
}

// JSON values and the canonical form that records are signed and digested over: keys sorted at
// every level, no spaces, so the same record gives the same bytes in Node, in Python's json and
// after any frontend has re-indented the .ipynb.
import { createHash } from "node:crypto";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item === undefined ? null : item)).join(",")}]`;
  if (isJsonObject(value)) {
    const entries = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(",")}}`;
  }
  const text = JSON.stringify(value);
  // undefined, functions and symbols have no JSON form; records never hold them.
  if (text === undefined) throw new TypeError(`not a JSON value: ${String(value)}`);
  return text;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object whose values are all JSON values, at every level. */
export function isJsonRecord(value: unknown): value is { [key: string]: JsonValue } {
  return isJsonObject(value) && Object.values(value).every(isJsonValue);
}

function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value === "boolean" || typeof value === "number" || typeof value === "string") return true;
  return Array.isArray(value) ? value.every(isJsonValue) : isJsonRecord(value);
}

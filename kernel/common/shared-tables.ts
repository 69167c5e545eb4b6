// The tables the kernel shares with the worker's validation gate, written once in
// kernel/runtime/worker/luci_worker/validation/shared_tables.json (the worker reads the same
// file): the gate's default threshold, and the patterns of secrets (key formats, an
// Authorization header's token, a password in a URL) that the gate reports and the kernel
// redacts from what a model is sent. Read once, when first asked for.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./package-root.js";
import { array, boolean, number, object, optional, parseShape, string, type Infer } from "./shape.js";

const TablesShape = object({
  default_threshold: number,
  key_patterns: array(object({ description: string, pattern: string, private_key: optional(boolean) })),
  auth_header_case_insensitive: string,
  url_password_case_insensitive: string,
});

export type SharedTables = Infer<typeof TablesShape>;

let cached: SharedTables | undefined;

export function sharedTablesFile(): string {
  return join(packageRoot(), "kernel", "runtime", "worker", "luci_worker", "validation", "shared_tables.json");
}

/** The tables; a file that is missing or of another shape is a broken installation, said in words. */
export function sharedTables(): SharedTables {
  if (cached) return cached;
  const parsed = parseShape(TablesShape, JSON.parse(readFileSync(sharedTablesFile(), "utf8")));
  if (!parsed.ok) throw new Error(`${sharedTablesFile()} is damaged (${parsed.reason}); reinstall Luci`);
  cached = parsed.value;
  return cached;
}

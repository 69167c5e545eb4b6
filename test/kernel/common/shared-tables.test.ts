// The tables the kernel shares with the worker's gate, written once (shared_tables.json): the
// kernel's setting takes its default from there, every pattern compiles as a JavaScript RegExp,
// and the worker's gate reads the same file (checked by a real Python below).
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { setting } from "../../../kernel/common/settings.js";
import { sharedTables, sharedTablesFile } from "../../../kernel/common/shared-tables.js";

describe("the tables shared with the gate", () => {
  it("give LUCI_VALIDATION_THRESHOLD its default", () => {
    expect(setting({}, "LUCI_VALIDATION_THRESHOLD")).toBe(sharedTables().default_threshold);
  });

  it("hold patterns that JavaScript compiles as they are", () => {
    const tables = sharedTables();
    for (const entry of tables.key_patterns) expect(() => new RegExp(entry.pattern)).not.toThrow();
    expect(() => new RegExp(tables.auth_header_case_insensitive, "i")).not.toThrow();
    expect(() => new RegExp(tables.url_password_case_insensitive, "i")).not.toThrow();
  });

  it("are what the worker's gate reads: the same default and the same key patterns", () => {
    const worker = join(dirname(sharedTablesFile()), "..", "..");
    const out = execFileSync(
      "python3",
      [
        "-c",
        "import json; from luci_worker.validation import tables, credentials; print(json.dumps([tables.DEFAULT_THRESHOLD, [p.pattern for p, _ in credentials._KEY_PATTERNS]]))",
      ],
      { cwd: worker, encoding: "utf8" },
    );
    const [threshold, patterns] = JSON.parse(out) as [number, string[]];
    expect(threshold).toBe(sharedTables().default_threshold);
    expect(patterns).toEqual(sharedTables().key_patterns.map((entry) => entry.pattern));
  });
});

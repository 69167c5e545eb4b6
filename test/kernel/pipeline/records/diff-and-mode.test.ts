// codeDiff (what `%luci regenerate` shows) and the generation mode (LUCI_GENERATION).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codeDiff } from "../../../../kernel/pipeline/records/diff.js";
import { generationMode, GenerationModeError, NoRecordOffline } from "../../../../kernel/pipeline/records/mode.js";
import * as records from "../../../../kernel/pipeline/records/index.js";
import { tempDir } from "./helpers.js";

describe("codeDiff", () => {
  it("writes a unified diff with context and hunk headers as diff -u does", () => {
    const old = ["import math", "", "r = rate / 12", "n = years * 12", "payment = principal * r / (1 - (1 + r) ** -n)", "print(payment)", ""].join("\n");
    const fresh = [
      "import math",
      "",
      "r = rate / 12",
      "n = years * 12",
      "payment = principal * r / (1 - (1 + r) ** -n)",
      "print(round(payment, 2))",
      "print('done')",
      "",
    ].join("\n");
    expect(codeDiff(old, fresh)).toBe(
      [
        "--- recorded",
        "+++ regenerated",
        "@@ -3,4 +3,5 @@",
        " r = rate / 12",
        " n = years * 12",
        " payment = principal * r / (1 - (1 + r) ** -n)",
        "-print(payment)",
        "+print(round(payment, 2))",
        "+print('done')",
        "",
      ].join("\n"),
    );
  });

  it("is empty for the same code (line endings and a final newline aside)", () => {
    expect(codeDiff("a\nb\n", "a\r\nb")).toBe("");
    expect(codeDiff("", "")).toBe("");
  });

  it("handles empty sides, separate hunks and labels", () => {
    expect(codeDiff("", "x = 1\n", { oldLabel: "a", newLabel: "b" })).toBe("--- a\n+++ b\n@@ -0,0 +1 @@\n+x = 1\n");
    expect(codeDiff("x = 1\n", "")).toBe("--- recorded\n+++ regenerated\n@@ -1 +0,0 @@\n-x = 1\n");
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const changed = [...lines];
    changed[2] = "changed 2";
    changed[25] = "changed 25";
    const diff = codeDiff(lines.join("\n"), changed.join("\n"));
    expect(diff.match(/^@@.*@@$/gm)).toEqual(["@@ -1,6 +1,6 @@", "@@ -23,7 +23,7 @@"]);
    expect(codeDiff(lines.join("\n"), changed.join("\n"), { context: 0 }).match(/^@@.*@@$/gm)).toEqual(["@@ -3 +3 @@", "@@ -26 +26 @@"]);
  });

  it("falls back to replacing the changed middle when the inputs are huge, rather than an LCS table", () => {
    // One line in common in the middle: an LCS keeps it as context; the fallback (used above
    // maxCells table cells) does not look for it and replaces the whole middle.
    const a = Array.from({ length: 3000 }, (_, i) => (i === 1500 ? "shared" : `a${i}`)).join("\n");
    const b = Array.from({ length: 3000 }, (_, i) => (i === 1500 ? "shared" : `b${i}`)).join("\n");
    const lines = (diff: string, prefix: string) => diff.split("\n").filter((l) => l.startsWith(prefix));
    const fallback = codeDiff(a, b, { maxCells: 1_000_000 });
    expect(lines(fallback, "-")).toHaveLength(3001); // "--- recorded" and the 3000 old lines
    expect(lines(fallback, "+")).toHaveLength(3001);
    expect(lines(fallback, "-")).toContain("-shared");
    expect(lines(fallback, " ")).toEqual([]);
    // Below the limit, the same inputs get the LCS: "shared" is kept.
    const lcs = codeDiff(a, b, { maxCells: 10_000_000 });
    expect(lines(lcs, " ")).toEqual([" shared"]);
    expect(lines(lcs, "-")).not.toContain("-shared");
  });

  // Debian's `patch`, which .ci/run installs: missing, this fails (it is not skipped).
  const hasPatch = spawnSync("patch", ["--version"]).status === 0;
  it("produces patches that `patch` applies exactly, on random edits", () => {
    expect(hasPatch, "the `patch` program is not installed (Debian's patch; bash .ci/run installs it)").toBe(true);
    const dir = tempDir();
    let seed = 42;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 40; round++) {
      const old = Array.from({ length: random(40) }, () => `line ${random(8)}`);
      const fresh = old.flatMap((line) => {
        const r = random(10);
        return r === 0 ? [] : r === 1 ? [line, `added ${random(5)}`] : r === 2 ? [`edited ${random(5)}`] : [line];
      });
      if (random(3) === 0) fresh.unshift("new head");
      const oldText = old.length ? `${old.join("\n")}\n` : "";
      const newText = fresh.length ? `${fresh.join("\n")}\n` : "";
      writeFileSync(join(dir, "old.py"), oldText);
      writeFileSync(join(dir, "patch.diff"), codeDiff(oldText, newText));
      execFileSync("patch", ["-s", "-o", join(dir, "new.py"), join(dir, "old.py"), join(dir, "patch.diff")]);
      expect(readFileSync(join(dir, "new.py"), "utf8")).toBe(newText);
    }
  });
});

describe("generationMode", () => {
  it("is online by default and offline with LUCI_GENERATION=offline; a typo is an error, not a model call", () => {
    expect(generationMode({})).toBe("online");
    expect(generationMode({ LUCI_GENERATION: "" })).toBe("online");
    expect(generationMode({ LUCI_GENERATION: "online" })).toBe("online");
    expect(generationMode({ LUCI_GENERATION: "offline" })).toBe("offline");
    expect(generationMode({ LUCI_GENERATION: " OFFLINE " })).toBe("offline");
    expect(() => generationMode({ LUCI_GENERATION: "ofline" })).toThrow(GenerationModeError);
    expect(() => generationMode({ LUCI_GENERATION: "ofline" })).toThrow(/must be "online" \(the default\) or "offline"/);
  });

  it("has a plain error for a task with no record offline", () => {
    const err = new NoRecordOffline("the notebook could not be read");
    expect(err.name).toBe("NoRecordOffline");
    expect(err.message).toMatch(/LUCI_GENERATION=offline and this task has no recorded code in the notebook \(the notebook could not be read\)/);
  });
});

describe("the records module's entry point", () => {
  it("exports the API", () => {
    for (const name of [
      "parseParameters",
      "taskKey",
      "parameterAssignments",
      "literalAssignments",
      "newRecord",
      "recordDisplay",
      "RECORD_MIME",
      "checkRecord",
      "RecordStore",
      "NotebookReader",
      "findInNotebook",
      "readNotebookRecords",
      "TrustStore",
      "signRecord",
      "verifyRecord",
      "trustNotebook",
      "trustDir",
      "generationMode",
      "codeDiff",
      "canonicalJson",
    ]) {
      expect(records, name).toHaveProperty(name);
    }
  });
});

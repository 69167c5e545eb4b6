// The suite's own rule: no test asserts how long something took. A test asserts behaviour (the
// thing happened, in order, with the right result) and waits with a generous deadline; a bound on
// a duration fails on a loaded machine and passes on a fast one for the wrong reason. Timings are
// measured in bench/.
//
// This reads every test file (TypeScript and the pytest files, support code included) and fails
// on an assertion line that reads a clock or holds a measured duration.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./kernel-process.js";

const TEST_DIR = join(ROOT, "test");
const THIS_FILE = relative(ROOT, import.meta.filename);

/** A line that asserts: expect(...), expect.poll(...), assert.x(...), or Python's `assert`. */
const ASSERTION = /\bexpect(\.poll)?\(|\bassert(\.\w+)?\(|^\s*assert\s/;
/** A clock read, a difference from a start time, or a name that by convention holds a measured duration. */
const TIMING = [
  /\b(Date\.now|performance\.now|process\.hrtime)\(/,
  /\btime\.(monotonic|perf_counter|time)\(/,
  /\bnow\(\)/,
  /\b(elapsed|duration|took)\w*/i,
  /-\s*(started|start|sent|t0|t1|begin)\b/,
  // A difference of recorded times (`second.time - first.time`, `arrivals.at(-1) - arrivals[0]`).
  /\b(time|arrivals\b.*)!?\s*-\s*\S*\b(time|arrivals)\b/,
  /\bper_(cell|call|item|run)\b/,
];
/** readMs, best_ms, ready_after: measured. Settings and file times (timeoutMs, chunkDelayMs,
 * timeoutSeconds, mtimeMs, retry_after) are not durations something took. */
const MEASURED_NAME = /\b\w+(Ms|_ms|Seconds|_seconds|_after)\b/g;
const SETTING_NAME = /timeout|delay|mtime|wait|retry|idle/i;

function timesSomething(line: string): boolean {
  if (TIMING.some((pattern) => pattern.test(line))) return true;
  return [...line.matchAll(MEASURED_NAME)].some(([name]) => !SETTING_NAME.test(name));
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "__pycache__" ? [] : testFiles(path);
    // bench_*.py files here are benchmarks, run by hand; they measure time on purpose.
    return /\.(ts|mjs|py)$/.test(entry.name) && !entry.name.startsWith("bench_") ? [path] : [];
  });
}

/** "file:line: text" for each assertion line that times something. */
function timedAssertions(files: string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      if (ASSERTION.test(line) && timesSomething(line)) found.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

describe("the test suite", () => {
  it("has no assertion on a duration", () => {
    const files = testFiles(TEST_DIR).filter((file) => relative(ROOT, file) !== THIS_FILE);
    expect(files.length).toBeGreaterThan(50);
    expect(timedAssertions(files)).toEqual([]);
  });
});

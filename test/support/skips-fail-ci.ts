// A vitest reporter (vitest.config.ts): with CI set, a skipped or todo test fails the run.
//
// A skip in CI means a check did not run: it.skip, describe.skip, it.todo, a skipIf whose
// condition held (a tool .ci/run should have installed is missing), ctx.skip(). The run then ends
// with a failing exit code and the list of those tests, after vitest's own summary. Without CI
// (a developer's run) skips are reported as skips, as usual. A run filtered by name (-t) skips
// the tests it leaves out on purpose: the rule is not applied to it.
import type { Reporter, TestCase, TestModule, Vitest } from "vitest/node";

/** CI as the CI systems set it: anything but unset, empty, "0", "false" or "no". */
function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return !["", "0", "false", "no"].includes((env.CI ?? "").trim().toLowerCase());
}

/** "project › file › suite › test (todo|skip: note)", one per skipped test. */
function skippedTests(modules: ReadonlyArray<TestModule>): string[] {
  const lines: string[] = [];
  for (const module of modules) {
    for (const test of module.children.allTests()) {
      const result = test.result();
      if (result.state !== "skipped") continue;
      lines.push(describeSkip(test, result.note));
    }
  }
  return lines;
}

function describeSkip(test: TestCase, note: string | undefined): string {
  const project = test.project.name ? `${test.project.name} › ` : "";
  const file = test.module.relativeModuleId;
  const how = test.options.mode === "todo" ? "todo" : note ? `skipped: ${note}` : "skipped";
  return `${project}${file} › ${test.fullName} (${how})`;
}

export default class SkipsFailCi implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    if (!inCi() || this.vitest?.config.testNamePattern) return;
    const skipped = skippedTests(modules);
    if (skipped.length === 0) return;
    const message = [
      "",
      `${skipped.length} test(s) skipped, and a skip fails the run when CI is set (CI=${process.env.CI ?? ""}):`,
      ...skipped.map((line) => `  - ${line}`),
      "Install what the test needs (.ci/run), or make the test fail with the reason instead of skipping.",
      "",
    ].join("\n");
    if (this.vitest) this.vitest.logger.error(message);
    else process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  }
}

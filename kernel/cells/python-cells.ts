// Running a Python cell in the notebook's environment: what the cell imports is installed
// first (the worker lists it; the cascade installs it, with progress in the cell), a module
// missing only at run time is installed and the cell run once more (saying so), and %pip /
// %luci lines are handed to `kernelMagic` (kernel-magics.ts).
import type { OutputSink } from "../common/output-sink.js";
import { CellFailure } from "../common/cell-failure.js";
import { showFailure } from "../core/show-failure.js";
import type { NotebookEnvironment } from "../environments/notebook-environment.js";
import { describeFailures, installImports } from "../environments/package-installer.js";
import { InstallInterrupted } from "../environments/installer.js";
import { Progress } from "../environments/progress.js";
import type { PythonRuntime, RunCommand, RunOutcome } from "../runtime/python-runtime.js";
import type { KernelRequestHandler } from "../runtime/worker-connection.js";

export async function runPythonCell(
  python: PythonRuntime,
  environment: () => NotebookEnvironment | undefined,
  command: RunCommand,
  sink: OutputSink,
  kernelMagic: KernelRequestHandler,
  /** An interrupt: stops an install this cell started (the cell then does not run). */
  signal?: AbortSignal,
): Promise<RunOutcome> {
  try {
    return await installAndRun();
  } catch (err) {
    if (!(err instanceof InstallInterrupted)) throw err;
    return showFailure(sink, err);
  }

  async function installAndRun(): Promise<RunOutcome> {
    let scan = true;
    let packagesChanged = false;
    let rerunForMissing = false;
    for (;;) {
      const outcome = await python.run({ ...command, scan, packages_changed: packagesChanged }, sink, kernelMagic);
      const env = environment();
      if (outcome.status === "missing_modules") {
        scan = false;
        if (!env) continue; // no environment to install into: let the import fail where it stands
        const result = await installImports(
          env,
          outcome.modules.map((m) => m.name),
          new Progress(sink),
          signal,
        );
        packagesChanged = result.installed.length > 0 || packagesChanged;
        if (result.failed.length > 0) return installFailure(result.failed, sink);
        continue;
      }
      if (outcome.status === "error" && outcome.missingModule && env && !rerunForMissing) {
        rerunForMissing = true;
        const progress = new Progress(sink);
        progress.note(
          `The cell imported ${outcome.missingModule} while it ran (an import the check before running could not see): ` +
            "installing it and running the cell once more.",
        );
        const result = await installImports(env, [outcome.missingModule], progress, signal);
        if (result.installed.length === 0) return outcome;
        packagesChanged = true;
        scan = false;
        continue;
      }
      return outcome;
    }
  }
}

function installFailure(failed: Parameters<typeof describeFailures>[0], sink: OutputSink): RunOutcome {
  const evalue = `the cell was not run, because what it imports could not be installed:\n${describeFailures(failed)}`;
  return showFailure(sink, new CellFailure("PackageInstallError", evalue));
}

/**
 * A program as dead code, for installing what it imports without running it (a web app before it
 * starts, a sweep's recorded code before its scenarios): under `if False:` the worker's import
 * scan (PROTOCOL.md "Import scan") still lists every import the program makes, the kernel installs
 * what is missing, and running it then does nothing.
 */
export function importsOnly(code: string): string {
  // `from __future__` must begin a module: as dead code it would not compile (and imports nothing to install).
  const body = code
    .split("\n")
    .filter((line) => !/^\s*from\s+__future__\s+import\b/.test(line))
    .map((line) => `    ${line}`)
    .join("\n");
  return `if False:\n    pass\n${body}\n`;
}

// Vitest's global setup: every temporary folder of a test run (the tests' own mkdtemp folders,
// and those of the kernels, servers and tools they start, which inherit TMPDIR) is made inside
// one folder for the run, removed when the run ends. Tests leave nothing behind in /tmp
// (notebook environments of a few hundred MB each, model servers' runtime files), also when a
// test fails before its own clean-up.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MARK = "LUCI_TEST_TEMP_ROOT";

export default function setup(): () => void {
  // Each project of the config runs the global setup: the first one makes the folder.
  if (process.env[MARK]) return () => undefined;
  const outer = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), "luci-tests-"));
  // Workers, and every process they start, are forked after this and read TMPDIR (os.tmpdir()).
  process.env.TMPDIR = root;
  process.env[MARK] = root;
  return () => {
    if (outer === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer;
    delete process.env[MARK];
    if (process.env.LUCI_KEEP_TEST_TEMP) process.stdout.write(`test temporary files kept in ${root}\n`);
    else rmSync(root, { recursive: true, force: true });
  };
}

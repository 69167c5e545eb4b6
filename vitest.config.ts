import { defineConfig } from "vitest/config";
import SkipsFailCi from "./test/support/skips-fail-ci.js";

// The kernel's cell suites (state, rich outputs, errors, interrupt, crash, input, completion, comms)
// run twice: in the default project with the worker on this machine, and in the "container"
// project with each kernel's code in its own Docker container (LUCI_TEST_EXECUTOR=container).
const CELL_SUITES = ["execute", "interrupt", "crash", "stdin", "requests", "comms"].map((name) => `test/kernel/integration/${name}.test.ts`);

// The suites that run a real model (Luci's own 0.5B, from the user's model store). They are a
// project of their own, run after the others one file at a time (`npm test`): a model on two
// cores shared with other suites answers ten times slower, and two model servers at once
// slower still.
const REAL_MODEL_SUITES = [
  "test/kernel/pipeline/real-model.test.ts",
  "test/kernel/pipeline/own-model.test.ts",
  "test/kernel/local-model/server/*.test.ts",
  "test/frontend/own-model.test.ts",
  "test/jupyterlab/own-model.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each suite starts real kernel processes; two cores do not gain from more parallel files.
    maxWorkers: 2,
    // One temporary folder per run, removed at its end (test/support/temp-root.ts).
    globalSetup: ["test/support/temp-root.ts"],
    // With CI set, a skipped or todo test fails the run, naming the tests (test/support/skips-fail-ci.ts).
    reporters: ["default", new SkipsFailCi()],
    // With nothing configured a task cell would start Luci's own model: the suites that mean to,
    // the real-model ones, say so themselves; everything else uses the fake model server or none.
    env: { LUCI_LOCAL_MODEL: "off" },
    projects: [
      { extends: true, test: { name: "kernel", include: ["test/**/*.test.ts"], exclude: REAL_MODEL_SUITES } },
      { extends: true, test: { name: "container", include: CELL_SUITES, env: { LUCI_TEST_EXECUTOR: "container" } } },
      {
        extends: true,
        test: { name: "real-model", include: REAL_MODEL_SUITES, fileParallelism: false, testTimeout: 900_000, hookTimeout: 300_000 },
      },
    ],
  },
});

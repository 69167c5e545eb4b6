import { defineConfig } from "vitest/config";

// The kernel's cell suites (state, rich outputs, errors, interrupt, crash, input, completion)
// run twice: in the default project with the worker on this machine, and in the "container"
// project with each kernel's code in its own Docker container (LUCI_TEST_EXECUTOR=container).
const CELL_SUITES = ["execute", "interrupt", "crash", "stdin", "requests"].map((name) => `test/kernel/integration/${name}.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each suite starts real kernel processes; two cores do not gain from more parallel files.
    maxWorkers: 2,
    reporters: ["default"],
    // With nothing configured a task cell would start Luci's own model: the suites that mean to,
    // the real-model ones, say so themselves; everything else uses the fake model server or none.
    env: { LUCI_LOCAL_MODEL: "off" },
    projects: [
      { extends: true, test: { name: "kernel", include: ["test/**/*.test.ts"] } },
      { extends: true, test: { name: "container", include: CELL_SUITES, env: { LUCI_TEST_EXECUTOR: "container" } } },
    ],
  },
});

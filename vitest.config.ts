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
    projects: [
      { extends: true, test: { name: "kernel", include: ["test/**/*.test.ts"] } },
      { extends: true, test: { name: "container", include: CELL_SUITES, env: { LUCI_TEST_EXECUTOR: "container" } } },
    ],
  },
});

// The task pipeline benchmark (bench/pipeline.bench.ts), run on its own:
//
//   npx vitest run --config bench/vitest.pipeline.config.ts
//
// Not part of `npm test`: vitest.config.ts collects test/**/*.test.ts only, and timings don't
// belong in tests. bench/run.sh runs this and bench/report.py renders its JSON.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["bench/pipeline.bench.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    // One file, one kernel: nothing else runs beside it, so the timings are the pipeline's own.
    fileParallelism: false,
    reporters: ["default"],
  },
});

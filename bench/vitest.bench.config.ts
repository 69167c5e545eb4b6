// The benchmarks written in TypeScript (bench/*.bench.ts), each run on its own:
//
//   npx vitest run --config bench/vitest.bench.config.ts bench/pipeline.bench.ts
//   npx vitest run --config bench/vitest.bench.config.ts bench/container.bench.ts
//   npx vitest run --config bench/vitest.bench.config.ts bench/server/server.bench.ts
//
// Not part of `npm test`: vitest.config.ts collects test/**/*.test.ts only, and timings don't
// belong in tests. bench/run.sh runs these and bench/report.py renders their JSON.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["bench/**/*.bench.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    // One file at a time: nothing else runs beside it, so the timings are its own.
    fileParallelism: false,
    reporters: ["default"],
  },
});

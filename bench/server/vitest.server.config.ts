// The server benchmark (bench/server/server.bench.ts), run on its own after `npm run build`:
//
//   npx vitest run --config bench/server/vitest.server.config.ts
//
// Not part of `npm test` (vitest.config.ts collects test/**/*.test.ts only).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["bench/server/server.bench.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ["default"],
  },
});

// npm run build, after tsc: bundles the `luci` command (kernel/cli/luci.ts and every module of
// ours it imports) into dist/kernel/cli/luci.js, over tsc's one-module copy of that file, with
// what it imports later (a subcommand, the task pipeline, the container executor) split into
// dist/kernel/cli/chunks/ and still loaded only when used.
//
// Why: Node resolves, reads and compiles each ES module on its own, and a kernel's start-up
// path is some sixty of our small modules. One file for them starts a kernel about 15 ms sooner
// and holds about 1 MiB less (docs/performance.md). npm packages stay outside the bundle
// (zeromq is a native addon; openai, zod, dockerode, execa load from node_modules when first
// used, as before). The rest of dist/ is tsc's per-module output, which tests and the
// benchmarks import one module at a time; both copies are built from the same sources.
import { build } from "esbuild";
import { chmodSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "kernel", "cli");
// chunk names carry a hash of their content: the last build's are removed, not left beside
rmSync(join(outdir, "chunks"), { recursive: true, force: true });
await build({
  entryPoints: [join(root, "kernel", "cli", "luci.ts")],
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  platform: "node",
  target: ["node20"],
  packages: "external",
  sourcemap: true,
  // Not minified: a stack trace from a user's kernel log stays readable.
  logLevel: "warning",
});
chmodSync(join(outdir, "luci.js"), 0o755);

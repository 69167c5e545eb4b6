// Builds the prebuilt ("federated") JupyterLab extension into luci_jupyterlab/labextension/:
// package.json and static/, the folder `luci install` copies into a Jupyter data folder's
// labextensions/ (kernel/cli/labextension.ts). No JupyterLab rebuild, no Python, no network:
// 1. esbuild bundles src/index.ts with the page's renderers it imports (../frontend, in
//    TypeScript) into lib/index.js, leaving JupyterLab's and Lumino's packages as imports;
// 2. @jupyter/builder (the builder `jupyter labextension build` runs, on rspack) makes the
//    federated bundle, sharing those packages with JupyterLab's own copies, against the core
//    package list of @jupyterlab/core-meta (the JupyterLab release the versions are checked for).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

rmSync(join(here, "lib"), { recursive: true, force: true });
rmSync(join(here, "luci_jupyterlab", "labextension"), { recursive: true, force: true });
await build({
  entryPoints: [join(here, "src", "index.ts")],
  outfile: join(here, "lib", "index.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  external: ["@jupyterlab/*", "@lumino/*"],
  logLevel: "warning",
});

const builder = require.resolve("@jupyter/builder/lib/build-labextension.js");
const corePackage = join(dirname(require.resolve("@jupyterlab/core-meta/package.json")), "core.package.json");
execFileSync(process.execPath, [builder, "--core-package-file", corePackage, here], { cwd: here, stdio: ["ignore", "ignore", "inherit"] });

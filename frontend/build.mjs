// Bundles the notebook page into dist/frontend/: main.js (one ES module, no eval, no inline
// script: the server's CSP is script-src 'self'), luci.css and index.html.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "dist", "frontend");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "main.ts")],
  outfile: join(out, "main.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  // @jupyterlab/services lists `ws` for Node; the browser has WebSocket.
  external: [],
  alias: { ws: join(here, "ws-browser.ts") },
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(out, "index.html"));
for (const file of ["luci.css", "favicon.svg"]) copyFileSync(join(here, file), join(out, file));

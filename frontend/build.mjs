// Bundles the notebook page into dist/frontend/: main.js (ES modules, no eval, no inline script:
// the server's CSP is script-src 'self'), luci.css and index.html. The ipywidgets code is split
// into chunks/ (main.js imports it only when a notebook shows a widget) and its stylesheet is
// widgets.css, built apart: CSS that the widget packages import from JavaScript is left out of
// the chunks (widget-host.ts links widgets.css instead).
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "dist", "frontend");
mkdirSync(out, { recursive: true });
/** CSS imported from JavaScript (the widget packages do) becomes an empty module. */
const cssFromScript = {
  name: "css-from-script",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, () => ({ contents: "", loader: "js" }));
  },
};
await build({
  entryPoints: [join(here, "main.ts")],
  outdir: out,
  entryNames: "[name]",
  // Names without a hash: a build replaces the chunks in place, as it does main.js (the server
  // sends them no-cache), and a page open meanwhile never asks for a chunk a build removed.
  chunkNames: "chunks/[name]",
  splitting: true,
  plugins: [cssFromScript],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  // @jupyterlab/services lists `ws` for Node; the browser has WebSocket.
  external: [],
  // The HTML manager's JupyterLab rendering is never used (widgets/jupyterlab-stubs.ts says why).
  alias: {
    ws: join(here, "ws-browser.ts"),
    "@jupyterlab/rendermime": join(here, "widgets", "jupyterlab-stubs.ts"),
    "@jupyterlab/outputarea": join(here, "widgets", "jupyterlab-stubs.ts"),
  },
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
await build({
  entryPoints: [join(here, "widgets", "widgets.css")],
  outfile: join(out, "widgets.css"),
  bundle: true,
  minify: true,
  loader: { ".svg": "dataurl", ".woff": "dataurl", ".woff2": "dataurl", ".ttf": "dataurl", ".eot": "dataurl" },
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(out, "index.html"));
for (const file of ["luci.css", "favicon.svg"]) copyFileSync(join(here, file), join(out, file));

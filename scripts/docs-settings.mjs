// npm run docs:settings: rewrites the settings table in README.md (between its settings markers)
// from the declarations in kernel/common/settings.ts, through the built module (the npm script
// compiles first). test/kernel/common/settings.test.ts fails while the README's copy differs.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const { withSettingsTable } = await import(new URL("../dist/kernel/common/settings-docs.js", import.meta.url).href);
const readme = fileURLToPath(new URL("../README.md", import.meta.url));
const before = readFileSync(readme, "utf8");
const after = withSettingsTable(before);
if (after === before) process.stdout.write("README.md's settings table is up to date\n");
else {
  writeFileSync(readme, after);
  process.stdout.write("README.md's settings table rewritten from kernel/common/settings.ts\n");
}

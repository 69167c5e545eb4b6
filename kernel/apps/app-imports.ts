// What a web app imports is installed before it starts, by the same path as a cell's imports:
// the worker's import scan (PROTOCOL.md "Import scan") lists what is missing and the kernel
// installs it. The app's program is sent as dead code, under `if False:`, so the scan reads
// every import in it and, once nothing is missing, running it does nothing.
export function importsOnly(code: string): string {
  // `from __future__` must begin a module: as dead code it would not compile (and imports nothing to install).
  const body = code
    .split("\n")
    .filter((line) => !/^\s*from\s+__future__\s+import\b/.test(line))
    .map((line) => `    ${line}`)
    .join("\n");
  return `if False:\n    pass\n${body}\n`;
}

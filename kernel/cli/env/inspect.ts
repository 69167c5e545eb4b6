// `luci env list`, `show`, `freeze` and `export`: reading environments, changing nothing.
import { existsSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { liveKernels, type EnvironmentRecord } from "../../environments/registry.js";
import {
  diskUsage,
  environmentFolders,
  environmentOf,
  findRecord,
  formatBytes,
  healthOf,
  isNotebookKey,
  pinnedPackages,
  plural,
  relativeTime,
  shortPath,
  sortedObject,
  type Context,
} from "./common.js";

/** The format `luci env export` writes and `luci env import` reads. */
export interface EnvironmentSpec {
  luci_environment: 1;
  notebook: string;
  python_version: string;
  packages: Record<string, string>;
  requested: string[];
}

export function list(ctx: Context, options: { json: boolean }): number {
  const records = ctx.registry.list().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (options.json) {
    ctx.out(JSON.stringify(records, null, 2) + "\n");
    return 0;
  }
  const known = new Set(records.map((r) => r.name));
  const leftovers = environmentFolders(ctx.settings.dir).filter((name) => !known.has(name));
  if (records.length === 0) {
    ctx.out(`No environments in ${ctx.settings.dir}.\n`);
  } else {
    const now = Date.now();
    const rows = records.map((r) => {
      const dir = join(ctx.settings.dir, r.name);
      const health = healthOf(ctx, r);
      return [
        r.name,
        shortPath(r.key) + (existsSync(r.key) ? "" : liveKernels(r).length > 0 ? " (missing; a running kernel uses it)" : " (missing)"),
        r.state === "ready" && !health.healthy ? "broken" : r.state,
        r.python_version,
        String(Object.keys(r.packages).length),
        relativeTime(r.last_used, now),
        existsSync(dir) ? formatBytes(diskUsage(dir)) : "-",
      ];
    });
    ctx.out(table(["NAME", "NOTEBOOK", "STATE", "PYTHON", "PACKAGES", "LAST USED", "SIZE"], rows, [4, 6]));
    ctx.out(`${plural(records.length, "environment")} in ${ctx.settings.dir}\n`);
  }
  if (leftovers.length > 0) {
    ctx.out(`${plural(leftovers.length, "leftover folder")} with no registry record (luci env gc removes them): ${leftovers.join(", ")}\n`);
  }
  return 0;
}

export function show(ctx: Context, arg: string, options: { json: boolean }): number {
  const { record, dir } = findRecord(ctx, arg);
  const health = healthOf(ctx, record);
  const size = existsSync(dir) ? diskUsage(dir) : 0;
  if (options.json) {
    ctx.out(JSON.stringify({ ...record, folder: dir, healthy: health.healthy, problem: health.problem ?? null, size_bytes: size }, null, 2) + "\n");
    return 0;
  }
  const env = environmentOf(ctx, record);
  const users = liveKernels(record);
  const now = Date.now();
  const packages = Object.entries(sortedObject(record.packages));
  const field = (label: string, value: string) => `  ${(label + ":").padEnd(13)}${value}`;
  const lines = [
    `Environment ${record.name}`,
    field(isNotebookKey(record.key) ? "Notebook" : "For folder", `${record.key}${existsSync(record.key) ? "" : " (no longer exists)"}`),
    field("Folder", `${dir}${existsSync(dir) ? ` (${formatBytes(size)})` : " (missing)"}`),
    field("Health", health.healthy ? "healthy" : `not healthy: ${health.problem}`),
    field("State", record.state),
    field("Python", `${record.python_version} (made from ${record.interpreter}; runs ${env.python})`),
    field("Tool", record.tool),
    field("Created", `${record.created} (${relativeTime(record.created, now)})`),
    field("Last used", `${record.last_used} (${relativeTime(record.last_used, now)})`),
    field(
      "In use by",
      users.length === 0 ? "no running kernel" : users.map((u) => `kernel pid ${u.pid}${u.connection ? ` (${u.connection})` : ""}`).join(", "),
    ),
    field("Requested", record.requested.length > 0 ? record.requested.join(", ") : "nothing"),
    field("Packages", packages.length === 0 ? "none" : String(packages.length)),
  ];
  const width = Math.max(0, ...packages.map(([name]) => name.length));
  for (const [name, version] of packages) lines.push(`    ${name.padEnd(width)}  ${version}`);
  ctx.out(lines.join("\n") + "\n");
  return 0;
}

export async function freeze(ctx: Context, arg: string, options: { output?: string }): Promise<number> {
  const { record } = findRecord(ctx, arg);
  const packages = await pinnedPackages(ctx, record);
  const text = Object.entries(packages)
    .map(([name, version]) => `${name}==${version}\n`)
    .join("");
  emit(ctx, text, options.output, `${plural(Object.keys(packages).length, "pinned package")} of ${record.name}`);
  return 0;
}

export async function exportSpec(ctx: Context, arg: string, options: { output?: string }): Promise<number> {
  const { record } = findRecord(ctx, arg);
  const spec = specOf(record, await pinnedPackages(ctx, record));
  emit(
    ctx,
    JSON.stringify(spec, null, 2) + "\n",
    options.output,
    `the specification of ${record.name} (${plural(Object.keys(spec.packages).length, "package")})`,
  );
  return 0;
}

export function specOf(record: EnvironmentRecord, packages: Record<string, string>): EnvironmentSpec {
  return {
    luci_environment: 1,
    notebook: basename(record.key),
    python_version: record.python_version,
    packages,
    requested: [...record.requested],
  };
}

/** Writes to FILE (saying so) or to stdout. */
function emit(ctx: Context, text: string, output: string | undefined, what: string): void {
  if (output === undefined || output === "-") {
    ctx.out(text);
    return;
  }
  const file = resolve(ctx.cwd, output);
  writeFileSync(file, text);
  ctx.out(`Wrote ${what} to ${file}\n`);
}

/** Columns padded to their widest cell; `right` lists the columns aligned right. */
function table(headers: string[], rows: string[][], right: number[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i]!) : i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd() + "\n";
  return line(headers) + rows.map(line).join("");
}

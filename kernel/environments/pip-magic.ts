// `%pip` in a cell acts on the notebook's own environment (install, uninstall, list, freeze,
// show), with the installer's messages shown in the cell and the registry kept up to date.
import { UsageError } from "../common/cell-failure.js";
import type { OutputSink } from "../common/output-sink.js";
import { InstallError } from "./installer.js";
import type { NotebookEnvironment } from "./notebook-environment.js";
import { Progress } from "./progress.js";

const QUERIES = new Set(["list", "freeze", "show"]);

export async function runPipMagic(env: NotebookEnvironment, argLine: string, sink: OutputSink): Promise<void> {
  const args = splitArgs(argLine);
  const [command, ...rest] = args;
  const show = (text: string) => sink.stream("stdout", text);
  if (!command) throw new UsageError("usage: %pip install|uninstall|list|freeze|show ...");
  const progress = new Progress(sink);
  try {
    if (QUERIES.has(command)) {
      await env.ensure(progress);
      show(await env.installer.pip(args));
      return;
    }
    const specs = requirementArgs(rest);
    if (command === "install") {
      if (rest.length === 0) throw new UsageError("%pip install needs a package name or -r FILE");
      await env.install([], progress, { label: `Installing ${specs.join(", ") || rest.join(" ")}`, flags: rest, output: show, requested: specs });
      return;
    }
    if (command === "uninstall") {
      if (specs.length === 0 && !rest.some((a) => a === "-r" || a === "--requirement")) {
        throw new UsageError("%pip uninstall needs a package name or -r FILE");
      }
      await env.change(progress, () => progress.run(`Uninstalling ${specs.join(", ") || rest.join(" ")}`, () => env.installer.uninstall(rest, show)));
      await env.remember([], specs);
      return;
    }
  } catch (err) {
    if (err instanceof InstallError) throw new UsageError(`${err.message}\n${err.output}`.trim());
    throw err;
  }
  throw new UsageError(`%pip ${command} is not supported here; Luci's %pip runs install, uninstall, list, freeze and show on this notebook's environment`);
}

/** Options of pip install/uninstall that take a value (the value is not a requirement). */
const WITH_VALUE = new Set([
  "-r",
  "--requirement",
  "-c",
  "--constraint",
  "-i",
  "--index-url",
  "--extra-index-url",
  "-f",
  "--find-links",
  "-e",
  "--editable",
  "-t",
  "--target",
  "--python",
  "--upgrade-strategy",
  "--no-binary",
  "--only-binary",
  "--trusted-host",
  "--platform",
  "--python-version",
  "--implementation",
  "--abi",
  "--prefix",
  "--root",
  "--src",
  "-C",
  "--config-settings",
  "--progress-bar",
  "--report",
  "--cache-dir",
  "--log",
  "--proxy",
  "--retries",
  "--timeout",
  "--cert",
  "--client-cert",
  "--exists-action",
  "--global-option",
  "--index-strategy",
  "--resolution",
]);

/** The requirement strings among pip arguments. */
export function requirementArgs(args: string[]): string[] {
  const specs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith("-")) specs.push(arg);
  }
  return specs;
}

/** Splits a magic's arguments into words as a POSIX shell would: quotes and backslashes. */
export function splitArgs(line: string): string[] {
  const args: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i]!;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i]!;
    } else if (/\s/.test(c)) {
      if (word !== undefined) args.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) args.push(word);
  return args;
}

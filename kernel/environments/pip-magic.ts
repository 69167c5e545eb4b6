// `%pip` in a cell acts on the notebook's own environment (install, uninstall, list, freeze,
// show), with the installer's messages shown in the cell and the registry kept up to date.
import type { OutputSink } from "../common/output-sink.js";
import { InstallError } from "./installer.js";
import type { NotebookEnvironment } from "./notebook-environment.js";
import { Progress } from "./progress.js";

const QUERIES = new Set(["list", "freeze", "show"]);

export async function runPipMagic(env: NotebookEnvironment, argLine: string, sink: OutputSink): Promise<void> {
  const args = splitArgs(argLine);
  const [command, ...rest] = args;
  const show = (text: string) => sink.stream("stdout", text);
  if (!command) throw new Error("usage: %pip install|uninstall|list|freeze|show ...");
  const progress = new Progress(sink);
  try {
    if (QUERIES.has(command)) {
      await env.ensure(progress);
      show(await env.installer.pip(args));
      return;
    }
    const specs = requirementArgs(rest);
    if (command === "install") {
      if (rest.length === 0) throw new Error("%pip install needs a package name or -r FILE");
      await env.change(progress, () =>
        progress.run(`Installing ${specs.join(", ") || rest.join(" ")}`, () => env.installer.install([], { flags: rest, output: show })),
      );
      await env.remember(specs);
      return;
    }
    if (command === "uninstall") {
      if (specs.length === 0) throw new Error("%pip uninstall needs a package name");
      await env.change(progress, () => progress.run(`Uninstalling ${specs.join(", ")}`, () => env.installer.uninstall(specs, show)));
      await env.remember([], specs);
      return;
    }
  } catch (err) {
    if (err instanceof InstallError) throw new Error(`${err.message}\n${err.output}`.trim());
    throw err;
  }
  throw new Error(`%pip ${command} is not supported here; Luci's %pip runs install, uninstall, list, freeze and show on this notebook's environment`);
}

/** Options of pip install/uninstall that take a value (the value is not a requirement). */
const WITH_VALUE = new Set(["-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-e", "--editable", "-t", "--target", "--python"]);

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

/** Splits a magic's arguments as a shell would for simple quoting ('a b', "a b"). */
export function splitArgs(line: string): string[] {
  const args: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) args.push(match[1] ?? match[2] ?? match[3]!);
  return args;
}

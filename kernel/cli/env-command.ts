// `luci env ...`: the notebook environments in the environments folder (LUCI_ENV_DIR, else the
// default): list, show, rm, gc, freeze, export and import. The work is in env/*.ts; this file
// parses the arguments and turns errors into exit codes (0 done, 1 failed, 2 wrong usage).
import { RegistryError } from "../environments/registry.js";
import { CommandError, makeContext, UsageError, type Context } from "./env/common.js";

export const ENV_USAGE = `Usage: luci env <command> [options]

Manages the notebooks' environments (one Python venv per notebook) in the environments folder:
LUCI_ENV_DIR, else the default. NOTEBOOK is the path of a .ipynb file (relative to the current
folder); NAME is an environment's folder name, luci_<notebook>_<hash>, as luci env list shows it.

Commands:
  list [--json]                      the environments: notebook, state, Python, packages, last use, size
  show NOTEBOOK|NAME [--json]        one environment in detail, and whether it is healthy
  rm NOTEBOOK|NAME [--yes]           remove an environment; asks first unless --yes (with no
                                     terminal to ask on, --yes is required)
  gc [--dry-run]                     remove the environments whose notebook (or folder) is gone and
                                     no running kernel uses, and leftover folders with no record;
                                     --dry-run only says what
  freeze NOTEBOOK|NAME [-o FILE]     the pinned packages, as name==version lines
  export NOTEBOOK|NAME [-o FILE]     a JSON spec that carries the environment to another machine
  import SPEC.json [--notebook NOTEBOOK]
                                     build the environment for NOTEBOOK (default: the spec's notebook
                                     in the current folder) from a spec, replacing what it held
  help                               this text

Exit status: 0 done, 1 failed (the reason is on stderr), 2 wrong usage.
`;

interface Command {
  /** Option spellings to their names; a name ending in "=" takes a value. */
  options: Record<string, string>;
  positional: [min: number, max: number, what: string];
  run(ctx: Context, args: string[], options: Map<string, string>): Promise<number> | number;
}

const JSON_OPTION = { "--json": "json" };
const OUTPUT_OPTION = { "-o": "output=", "--output": "output=" };

const COMMANDS: Record<string, Command> = {
  list: {
    options: JSON_OPTION,
    positional: [0, 0, ""],
    run: async (ctx, _args, o) => (await import("./env/inspect.js")).list(ctx, { json: o.has("json") }),
  },
  show: {
    options: JSON_OPTION,
    positional: [1, 1, "NOTEBOOK|NAME"],
    run: async (ctx, [arg], o) => (await import("./env/inspect.js")).show(ctx, arg!, { json: o.has("json") }),
  },
  rm: {
    options: { "--yes": "yes", "-y": "yes" },
    positional: [1, 1, "NOTEBOOK|NAME"],
    run: async (ctx, [arg], o) => (await import("./env/remove.js")).rm(ctx, arg!, { yes: o.has("yes") }),
  },
  gc: {
    options: { "--dry-run": "dry-run", "-n": "dry-run" },
    positional: [0, 0, ""],
    run: async (ctx, _args, o) => (await import("./env/remove.js")).gc(ctx, { dryRun: o.has("dry-run") }),
  },
  freeze: {
    options: OUTPUT_OPTION,
    positional: [1, 1, "NOTEBOOK|NAME"],
    run: async (ctx, [arg], o) => (await import("./env/inspect.js")).freeze(ctx, arg!, { output: o.get("output") }),
  },
  export: {
    options: OUTPUT_OPTION,
    positional: [1, 1, "NOTEBOOK|NAME"],
    run: async (ctx, [arg], o) => (await import("./env/inspect.js")).exportSpec(ctx, arg!, { output: o.get("output") }),
  },
  import: {
    options: { "--notebook": "notebook=" },
    positional: [1, 1, "SPEC.json"],
    run: async (ctx, [arg], o) => (await import("./env/import.js")).importSpec(ctx, arg!, { notebook: o.get("notebook") }),
  },
};

export async function runEnvCommand(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    (name === undefined ? process.stderr : process.stdout).write(ENV_USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) return usageError("luci env", `unknown command ${JSON.stringify(name)}`);
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(ENV_USAGE);
    return 0;
  }
  try {
    const { positional, options } = parse(command, rest);
    return await command.run(makeContext(), positional, options);
  } catch (err) {
    if (err instanceof UsageError) return usageError(`luci env ${name}`, err.message);
    if (err instanceof CommandError || err instanceof RegistryError) {
      process.stderr.write(`luci env ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function parse(command: Command, args: string[]): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const [spelling, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const option = command.options[spelling];
    if (option === undefined) throw new UsageError(`no option ${spelling}`);
    if (option.endsWith("=")) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`${spelling} needs a value`);
      options.set(option.slice(0, -1), value);
    } else {
      if (inline !== undefined) throw new UsageError(`${spelling} takes no value`);
      options.set(option, "");
    }
  }
  const [min, max, what] = command.positional;
  if (positional.length < min) throw new UsageError(`${what} is missing`);
  if (positional.length > max) throw new UsageError(`too many arguments: ${positional.join(" ")} (it takes ${max === 0 ? "none" : `one ${what}`})`);
  return { positional, options };
}

function usageError(prefix: string, message: string): number {
  process.stderr.write(`${prefix}: ${message} (luci env help shows the commands)\n`);
  return 2;
}

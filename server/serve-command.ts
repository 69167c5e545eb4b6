// `luci serve [--root DIR] [--port N] [--token T] [--ip IP] [--cull-idle-timeout S]`: serves a
// folder of notebooks on this machine, prints the URL with its token (as `jupyter server`
// does), and stops every kernel on Ctrl-C or SIGTERM.
import { startServer, type StartServerOptions } from "./index.js";
import { setting } from "../kernel/common/settings.js";
import { errorCode, errorMessage } from "../kernel/common/errors.js";
import { planModel } from "../kernel/pipeline/model/model-plan.js";
import { defaultNotebookFolder, describeNotebookFolder, prepareNotebookFolder } from "./notebook-folder.js";

const DEFAULT_PORT = 8888;

const USAGE = `usage: luci serve [--root DIR] [--port N] [--token T] [--ip IP] [--cull-idle-timeout SECONDS]
  --root DIR               the folder of notebooks (default: ~/luci-notebooks, LUCI_NOTEBOOK_DIR; made with the examples)
  --port N                 the port (default 8888, or the next free one; 0 = any free port)
  --token T                the token API requests must carry (default: a random one; LUCI_SERVER_TOKEN)
  --ip IP                  the interface to listen on (default 127.0.0.1: this machine only)
  --cull-idle-timeout S    shut down kernels idle and unconnected for S seconds (default 0: never)
`;

export async function runServe(args: string[]): Promise<number> {
  let options: ServeOptions;
  try {
    options = parseArgs(args);
  } catch (err) {
    process.stderr.write(`luci serve: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  if (options.root === "") {
    process.stdout.write(USAGE);
    return 0;
  }
  let running;
  let root = options.root;
  let folderLine: string | undefined;
  try {
    if (root === undefined) folderLine = describeNotebookFolder(prepareNotebookFolder((root = defaultNotebookFolder())));
    running = await startOnFreePort({ ...options, root }, portGiven(args));
  } catch (err) {
    process.stderr.write(`luci serve: ${errorMessage(err)}\n`);
    return 1;
  }
  if (folderLine) process.stdout.write(`${folderLine}\n`);
  process.stdout.write(`Luci is serving ${root}\n    ${running.url}\n`);
  process.stdout.write(`Task cells: ${await taskModelWords({ ...process.env, ...options.kernelEnv })}\n`);
  if (options.host && options.host !== "127.0.0.1" && options.host !== "localhost") {
    process.stdout.write(`Listening on ${options.host}: anyone who can reach this address and has the token can run code.\n`);
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write("luci serve: stopping now\n");
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`luci serve: ${signal}; stopping kernels\n`);
      void running.close().then(resolve);
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}

/** Which model task cells of a new notebook will use, in words (never a key: only where it comes from). */
async function taskModelWords(env: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await planModel(env)).words;
  } catch (err) {
    return `could not tell (${errorMessage(err)}); %luci model in a notebook says`;
  }
}

const PORT_RETRIES = 50;

/**
 * As jupyter_server does: when the default port is taken (another server runs), the next ones
 * are tried. A port given with --port is used or the command fails.
 */
async function startOnFreePort(options: StartServerOptions, explicit: boolean) {
  const first = options.port ?? DEFAULT_PORT;
  for (let port = first; ; port++) {
    try {
      return await startServer({ ...options, port });
    } catch (err) {
      if (errorCode(err) !== "EADDRINUSE") throw err;
      if (explicit || port - first >= PORT_RETRIES) throw new Error(`port ${port} is in use (choose another with --port)`, { cause: err });
      process.stderr.write(`luci serve: port ${port} is in use, trying ${port + 1}\n`);
    }
  }
}

function portGiven(args: string[]): boolean {
  return args.some((arg) => arg === "--port" || arg.startsWith("--port="));
}

/** The server's options, with no root when --root was not given (the user's notebook folder then). */
type ServeOptions = Omit<StartServerOptions, "root"> & { root?: string };

function parseArgs(args: string[]): ServeOptions {
  const options: ServeOptions = { port: DEFAULT_PORT, kernelLog: "stderr" };
  const token = setting(process.env, "LUCI_SERVER_TOKEN");
  if (token) options.token = token;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--root":
        options.root = value();
        break;
      case "--port":
        options.port = integer(flag, value());
        break;
      case "--token":
        options.token = value();
        if (options.token === "") throw new Error("--token must not be empty");
        break;
      case "--ip":
        options.host = value();
        break;
      case "--cull-idle-timeout":
        options.cullIdleTimeoutMs = integer(flag, value()) * 1000;
        break;
      case "-h":
      case "--help":
        return { ...options, root: "" };
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return options;
}

function integer(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535 * 1000) throw new Error(`${flag} must be a whole number`);
  return n;
}

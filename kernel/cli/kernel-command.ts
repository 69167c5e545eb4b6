// `luci kernel -f CONNECTION_FILE`: wires the layers together and runs until shutdown.
// protocol (ZeroMQ transport) -> core (KernelCore) -> cells (LuciInterpreter) -> runtime (Python).
import { LuciInterpreter } from "../cells/luci-interpreter.js";
import { restoreCaCertsForChildren } from "../common/deferred-ca-certs.js";
import { log } from "../common/log.js";
import { KernelCore } from "../core/kernel-core.js";
import { readConnectionFile } from "../protocol/connection.js";
import { ZmqTransport } from "../protocol/zmq-transport.js";
import { ContainerSource } from "../environments/container-source.js";
import { EnvironmentSource } from "../environments/environment-source.js";
import { ChosenSource, initialExecutor } from "../environments/executor-choice.js";
import { containerSettings, notebookLimits } from "../runtime/container/container-settings.js";
import { identifyNotebook } from "../environments/notebook-identity.js";
import { environmentSettings } from "../environments/settings.js";
import { fixedSource } from "../runtime/executor.js";
import { LocalExecutor } from "../runtime/local-executor.js";
import { PythonRuntime } from "../runtime/python-runtime.js";

export async function runKernel(args: string[]): Promise<number> {
  const file = connectionFileArg(args);
  if (!file) {
    process.stderr.write("usage: luci kernel -f CONNECTION_FILE\n");
    return 2;
  }
  restoreCaCertsForChildren();
  const info = readConnectionFile(file);
  const transport = new ZmqTransport(info);
  const { python, environment, notebookPath, executor } = notebookPython(info.jupyter_session);
  const interpreter = new LuciInterpreter(python, environment, notebookPath, executor);

  let exiting = false;
  const exit = async (code: number) => {
    if (exiting) return;
    exiting = true;
    await Promise.race([Promise.all([python.shutdown(), transport.close()]), delay(2000)]);
    process.exit(code);
  };

  const core = new KernelCore(transport, interpreter, { onShutdown: () => void exit(0) });
  // Before binding: a SIGINT to the process group from here on interrupts, never kills.
  process.on("SIGINT", () => core.interruptFromSignal());
  await core.start();
  // Start Python only once the sockets are bound: the first kernel_info_reply does not wait for it.
  setImmediate(() => python.start());

  process.on("SIGTERM", () => void exit(0));
  process.on("SIGHUP", () => void exit(0));
  watchParent(() => {
    log("warn", "the process that started the kernel is gone; shutting down");
    void exit(0);
  });
  return 0;
}

/**
 * Where this notebook's code runs: its own environment (LUCI_EXECUTOR=venv, the default), its own
 * container (LUCI_EXECUTOR=container, or `%luci executor container`), or LUCI_PYTHON itself
 * (LUCI_EXECUTOR=local: nothing is installed).
 */
function notebookPython(connectionSession: string | undefined) {
  const executor = process.env.LUCI_EXECUTOR || "venv";
  const settings = environmentSettings();
  const sessionName = process.env.JPY_SESSION_NAME || connectionSession || undefined;
  const identification = identifyNotebook(sessionName, process.cwd());
  const knownNotebook = identification.decided && identification.identity.kind === "notebook" ? identification.identity.key : undefined;
  if (executor === "local") {
    return {
      python: new PythonRuntime(fixedSource(new LocalExecutor(settings.basePython))),
      environment: () => undefined,
      notebookPath: () => knownNotebook,
      executor: undefined,
    };
  }
  if (!["venv", "container"].includes(executor)) log("warn", `unknown LUCI_EXECUTOR ${JSON.stringify(executor)}; using the notebook's environment`);
  const sources = {
    venv: new EnvironmentSource(settings, identification),
    container: new ContainerSource(settings, identification, (notebook) => containerSettings(process.env, notebookLimits().get(notebook))),
  };
  const notebookPath = () => {
    const identity = chosen.environment?.identity;
    return identity?.kind === "notebook" ? identity.key : knownNotebook;
  };
  const chosen: ChosenSource = new ChosenSource(sources, initialExecutor(knownNotebook), notebookPath);
  return { python: new PythonRuntime(chosen), environment: () => chosen.environment, notebookPath, executor: chosen };
}

function connectionFileArg(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-f" || arg === "--connection-file") return args[i + 1];
    if (arg.startsWith("--connection-file=")) return arg.slice("--connection-file=".length);
    if (arg.startsWith("-f=")) return arg.slice(3);
  }
  return undefined;
}

/** jupyter_client sets JPY_PARENT_PID; like ipykernel, exit when that process is gone. */
function watchParent(onGone: () => void): void {
  const parent = Number(process.env.JPY_PARENT_PID);
  if (!Number.isInteger(parent) || parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 1000);
  timer.unref();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

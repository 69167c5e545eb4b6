// `luci kernel -f CONNECTION_FILE`: wires the layers together and runs until shutdown.
// protocol (ZeroMQ transport) -> core (KernelCore) -> cells (LuciInterpreter, given the
// NotebookSession: which notebook, where its code runs) -> runtime (Python).
import { resolve } from "node:path";
import { LuciInterpreter } from "../cells/luci-interpreter.js";
import { restoreCaCertsForChildren } from "../common/deferred-ca-certs.js";
import { errorMessage } from "../common/errors.js";
import { log } from "../common/log.js";
import { KernelCore } from "../core/kernel-core.js";
import { readConnectionFile } from "../protocol/connection.js";
import { ZmqTransport } from "../protocol/zmq-transport.js";
import { NotebookSession } from "../environments/notebook-session.js";
import { setKernelConnection } from "../environments/registry.js";
import { requirementsTrust } from "../pipeline/records/requirements-trust.js";

export async function runKernel(args: string[]): Promise<number> {
  const file = connectionFileArg(args);
  if (!file) {
    process.stderr.write("usage: luci kernel -f CONNECTION_FILE\n");
    return 2;
  }
  restoreCaCertsForChildren();
  const info = readConnectionFile(file);
  // The connection file names this kernel across restarts: a renamed notebook's kernel finds its environment by it.
  setKernelConnection(resolve(file));
  const transport = new ZmqTransport(info);
  // The folder's requirements.txt is installed only for a notebook the user made or trusted.
  const session = NotebookSession.open(process.env, info.jupyter_session, process.cwd(), requirementsTrust);
  const interpreter = new LuciInterpreter(session);

  let exiting = false;
  const exit = async (code: number) => {
    if (exiting) return;
    exiting = true;
    // The interpreter stops the notebook's Python and its web apps.
    await Promise.race([Promise.all([interpreter.shutdown(), transport.close()]), delay(2000)]);
    process.exit(code);
  };

  const core = new KernelCore(transport, interpreter, { onShutdown: () => void exit(0) });
  // Before binding: a SIGINT to the process group from here on interrupts, never kills.
  process.on("SIGINT", () => core.interruptFromSignal());
  await core.start();
  // Start Python only once the sockets are bound: the first kernel_info_reply does not wait for it.
  setImmediate(() => session.startPython());
  // Web apps of kernels that were killed (they could not stop them) are stopped now.
  setImmediate(() => void stopOrphanedApps(process.env).catch((err: unknown) => log("warn", `stale web apps were not stopped: ${errorMessage(err)}`)));

  process.on("SIGTERM", () => void exit(0));
  process.on("SIGHUP", () => void exit(0));
  watchParent(() => {
    log("warn", "the process that started the kernel is gone; shutting down");
    void exit(0);
  });
  return 0;
}

async function stopOrphanedApps(env: NodeJS.ProcessEnv): Promise<void> {
  const { stopOrphanedApps } = await import("../apps/app-records.js");
  const { setting } = await import("../common/settings.js");
  stopOrphanedApps(env, setting(env, "LUCI_SERVER_KERNEL_ID"));
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

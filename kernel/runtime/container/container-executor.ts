// Runs the worker in a container of the notebook's own: the same worker as the venv executor,
// with the network off, memory, CPU and process limits, a read-only root, no capabilities and
// a user that is not root. The notebook's folder is mounted (same path, writable) so data files
// and results are shared; the environment's venv is mounted read-only. One worker, one
// container: a crash or a restart gets a fresh container, and an exit removes it.
import { dirname } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { constants } from "node:os";
import type Dockerode from "dockerode";
import type { BesideProcess, BesideWorker, Executor, WorkerExit, WorkerLaunch, WorkerProcess } from "../executor.js";
import { workerScript } from "../worker-path.js";
import { attachOutput, docker, engineProblem, exitStatus } from "./docker-client.js";
import { describeLimits, parseSize, type ContainerSettings } from "./container-settings.js";
import { ownerLabels } from "./stale-containers.js";
import { SOCKET_NAME, WorkerSocket } from "./worker-socket.js";

/** Where things are inside the container. */
export const IN_CONTAINER = { worker: "/opt/luci/worker", run: "/opt/luci/run", env: "/opt/luci/env" } as const;

export interface ContainerSpec {
  image: string;
  /** The Python inside the container that runs the worker. */
  python: string;
  settings: ContainerSettings;
  /** Extra read-only mounts (the environment's folder). */
  mounts: { host: string; container: string }[];
  /** A name for people reading `docker ps` (the environment's name). */
  name: string;
}

let started = 0;

export class ContainerExecutor implements Executor {
  constructor(readonly spec: ContainerSpec) {}

  get description(): string {
    return `Python in a container of image ${this.spec.image} (${describeLimits(this.spec.settings.limits)})`;
  }

  get interpreterKey(): string {
    return `container:${this.spec.image}:${this.spec.python}`;
  }

  /** Limits of the container that user code runs into show as plain OS errors: say which limit. */
  explainError(ename: string, evalue: string): string | undefined {
    const limits = this.spec.settings.limits;
    if ((ename === "BlockingIOError" && /Resource temporarily unavailable/.test(evalue)) || /can't start new thread/.test(evalue)) {
      return `Note: the notebook's container allows ${limits.pids} processes and threads, and this cell reached that limit; %luci container pids=N raises it (at the next restart).`;
    }
    if (/Read-only file system/.test(evalue)) {
      return "Note: in the notebook's container only its folder and /tmp can be written; the rest is read-only.";
    }
    if (/Network is unreachable|Temporary failure in name resolution|Name or service not known/.test(evalue) && limits.network === "off") {
      return "Note: the notebook's container has no network; %luci container network=on gives it one (at the next restart).";
    }
    return undefined;
  }

  start(launch: WorkerLaunch): WorkerProcess {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const commands = new PassThrough();
    const events = new PassThrough();
    let container: Dockerode.Container | undefined;
    let shared: string | undefined;
    let killed = false;
    const signal = (name: "SIGINT" | "SIGKILL") => {
      if (name === "SIGKILL") killed = true;
      container?.kill({ signal: name }).catch(() => {}); // gone already: nothing to signal
    };
    const exited = this.run(
      launch,
      { stdout, stderr, commands, events },
      (c, runDir) => {
        container = c;
        shared = runDir;
        if (killed) signal("SIGKILL");
      },
      () => killed,
    ).finally(() => {
      for (const stream of [stdout, stderr, events]) stream.end();
    });
    const user = containerUser(this.spec.settings.user).spec;
    const beside: BesideWorker = {
      // The worker's rendezvous folder, mounted in its container: the notebook's web apps use it too.
      shared: () => (container && shared ? { here: shared, there: IN_CONTAINER.run } : undefined),
      python: this.spec.python,
      workerFolder: IN_CONTAINER.worker,
      run: (argv, env, cwd) => execIn(container, argv, env, cwd, user),
    };
    return { commands, events, stdout, stderr, exited, interrupt: () => signal("SIGINT"), kill: () => signal("SIGKILL"), beside };
  }

  private async run(
    launch: WorkerLaunch,
    pipes: { stdout: PassThrough; stderr: PassThrough; commands: PassThrough; events: PassThrough },
    created: (container: Dockerode.Container, runDir: string) => void,
    killedByKernel: () => boolean,
  ): Promise<WorkerExit> {
    const user = containerUser(this.spec.settings.user);
    const socket = new WorkerSocket(process.getuid?.() === 0 ? user.ids : undefined);
    let container: Dockerode.Container | undefined;
    let doing = "creating the notebook's container";
    try {
      await socket.ready();
      const engine = await docker();
      container = await engine.createContainer(this.createOptions(launch, socket.dir, user.spec));
      created(container, socket.dir);
      doing = "attaching to the notebook's container";
      const output = await attachOutput(container, pipes.stdout, pipes.stderr);
      const watch = watchContainer(engine, container.id, killedByKernel);
      doing = "starting the notebook's container";
      await container.start();
      // `connected` never rejects (it resolves when the worker connects, or never): nothing to catch.
      void socket.connected.then((sock) => {
        pipes.commands.pipe(sock);
        sock.pipe(pipes.events);
        sock.on("error", () => {}); // the worker's end closing: seen through the container's exit
      });
      doing = "waiting for the notebook's container";
      const status = await exitStatus(container);
      await output.drained();
      return exitOf(status, await watch.happened(status), this.spec.settings);
    } catch (err) {
      const problem = engineProblem(err, doing);
      if (doing === "waiting for the notebook's container")
        return { code: null, signal: null, reason: `the connection to the Docker engine was lost (${problem.message})` };
      return { code: null, signal: null, error: problem.message };
    } finally {
      socket.close();
      await container?.remove({ force: true }).catch(() => {}); // already gone with its engine
    }
  }

  private createOptions(launch: WorkerLaunch, runDir: string, user: string): Dockerode.ContainerCreateOptions {
    const { settings, image, python, mounts, name } = this.spec;
    const limits = settings.limits;
    const memory = parseSize(limits.memory);
    const binds = [
      `${dirname(workerScript())}:${IN_CONTAINER.worker}:ro`,
      `${runDir}:${IN_CONTAINER.run}`,
      ...mounts.map((m) => `${m.host}:${m.container}:ro`),
      `${launch.cwd}:${launch.cwd}`,
    ];
    return {
      name: `luci-${name}-${process.pid}-${++started}`.replace(/[^a-zA-Z0-9_.-]/g, "-"),
      Image: image,
      Cmd: [python, `${IN_CONTAINER.worker}/start_worker.py`, "--connect", `${IN_CONTAINER.run}/${SOCKET_NAME}`, "--sync-token", launch.syncToken],
      WorkingDir: launch.cwd,
      User: user,
      Env: [
        "PYTHONUNBUFFERED=1",
        "PYTHONDONTWRITEBYTECODE=1",
        "HOME=/tmp",
        "MPLCONFIGDIR=/tmp/matplotlib",
        "LANG=C.UTF-8",
        // docker-init (tini) signals the worker's whole process group, as the venv executor does.
        "TINI_KILL_PROCESS_GROUP=1",
      ],
      Labels: { ...ownerLabels(), "luci.folder": launch.cwd },
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: false,
      Tty: false,
      HostConfig: {
        Binds: binds,
        NetworkMode: limits.network === "on" ? "bridge" : "none",
        Memory: memory,
        MemorySwap: memory, // no swap: over the limit means out of memory, at once
        NanoCpus: Math.round(limits.cpus * 1e9),
        PidsLimit: limits.pids,
        ReadonlyRootfs: true,
        Tmpfs: { "/tmp": `rw,nosuid,nodev,size=${parseSize(limits.tmp)},mode=1777` },
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        Init: true,
        // The user's output is read through attach; the engine keeps no copy of it on disk.
        LogConfig: { Type: "none", Config: {} },
      },
    };
  }
}

/** A command in the worker's container (docker exec), its output demultiplexed; the base image's environment. */
function execIn(container: Dockerode.Container | undefined, argv: string[], env: Record<string, string>, cwd: string, user: string): BesideProcess {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const exited = (async () => {
    if (!container) return { code: null, error: "the notebook's container is not running" };
    try {
      const exec = await container.exec({
        Cmd: argv,
        Env: ["HOME=/tmp", "LANG=C.UTF-8", ...Object.entries(env).map(([k, v]) => `${k}=${v}`)],
        WorkingDir: cwd,
        User: user,
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = await exec.start({ hijack: true, stdin: false });
      // The client's modem (a Container's own is typed `any`; it is the same object).
      (await docker()).modem.demuxStream(stream, stdout, stderr);
      await new Promise<void>((resolve) => {
        stream.once("end", resolve);
        stream.once("close", resolve);
        stream.once("error", () => resolve());
      });
      const info = await exec.inspect();
      return { code: info.ExitCode };
    } catch (err) {
      return { code: null, error: engineProblem(err, "running a command in the notebook's container").message };
    } finally {
      stdout.end();
      stderr.end();
    }
  })();
  return { stdout, stderr, exited };
}

/** Who the code runs as: LUCI_CONTAINER_USER, else the kernel's own user, else (for root) nobody. */
export function containerUser(setting?: string): { spec: string; ids: { uid: number; gid: number } } {
  if (setting) {
    const [uid, gid] = setting.split(":").map(Number);
    return { spec: setting, ids: { uid: uid ?? 65534, gid: gid ?? uid ?? 65534 } };
  }
  const uid = process.getuid?.() ?? 65534;
  const gid = process.getgid?.() ?? 65534;
  const ids = uid === 0 ? { uid: 65534, gid: 65534 } : { uid, gid };
  return { spec: `${ids.uid}:${ids.gid}`, ids };
}

/** What the engine says stopped the container, besides its exit status. */
interface ContainerEnd {
  /** The kernel's OOM killer hit a process in it (the engine's `oom` event). */
  outOfMemory: boolean;
  /** A signal someone else sent it (`docker stop` or `docker kill`, or the engine stopping): a `kill` event the kernel did not cause. */
  stoppedFromOutside?: string;
}

/**
 * The engine reports an out-of-memory kill in a container as an event, whichever process it hit;
 * and each signal sent to it (`kill`, with the signal's number). The kernel itself sends only
 * SIGINT (an interrupt) and SIGKILL (a worker it kills); any other, or a SIGKILL it did not
 * send, came from outside.
 */
function watchContainer(engine: Dockerode, id: string, killedByKernel: () => boolean): { happened(status: number): Promise<ContainerEnd> } {
  const end: ContainerEnd = { outOfMemory: false };
  let events: NodeJS.ReadableStream | undefined;
  let pending = "";
  const read = (line: string) => {
    const { action, signal } = eventFields(line);
    if (action === "oom") end.outOfMemory = true;
    if (action !== "kill" || !signal || signal === String(constants.signals.SIGINT)) return;
    if (signal === String(constants.signals.SIGKILL) && killedByKernel()) return;
    end.stoppedFromOutside = signal;
  };
  const subscribed = engine
    .getEvents({ filters: { container: [id], event: ["oom", "kill"] } })
    .then((stream) => {
      events = stream;
      stream.on("data", (chunk: Buffer | string) => {
        const lines = (pending + chunk.toString()).split("\n");
        pending = lines.pop() ?? "";
        lines.forEach(read);
      });
      stream.on("error", () => {});
    })
    .catch(() => {});
  return {
    async happened(status: number) {
      await subscribed;
      // An exit that a signal may explain (a SIGKILL: the OOM killer; a SIGTERM the worker
      // handles, exiting 0): the event may trail the exit a little.
      if ([0, 137, 143].includes(status) && !end.outOfMemory && !end.stoppedFromOutside) await new Promise((resolve) => setTimeout(resolve, 100));
      if (pending) read(pending);
      if (events instanceof Readable) events.destroy(); // docker-modem's HTTP response
      return end;
    },
  };
}

/** An engine event's action and, for a `kill`, the signal's number: `{"Action":"kill","Actor":{"Attributes":{"signal":"15"}}}`. */
function eventFields(line: string): { action?: string; signal?: string } {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return {};
  }
  if (!isObject(event)) return {};
  const attributes = isObject(event.Actor) ? event.Actor.Attributes : undefined;
  return {
    ...(typeof event.Action === "string" ? { action: event.Action } : {}),
    ...(isObject(attributes) && typeof attributes.signal === "string" ? { signal: attributes.signal } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isSignal(name: string): name is NodeJS.Signals {
  return Object.hasOwn(constants.signals, name);
}

function signalNamed(number: number): NodeJS.Signals | undefined {
  return Object.keys(constants.signals).find((name): name is NodeJS.Signals => isSignal(name) && constants.signals[name] === number);
}

/** docker-init exits with 128+N when the worker was killed by signal N. */
function exitOf(status: number, end: ContainerEnd, settings: ContainerSettings): WorkerExit {
  if (end.outOfMemory) {
    return {
      code: null,
      signal: "SIGKILL",
      reason: `it ran out of memory: the notebook's container may use ${settings.limits.memory} (set another limit with %luci container memory=2g)`,
    };
  }
  const signal = status > 128 && status < 128 + 65 ? signalNamed(status - 128) : undefined;
  if (end.stoppedFromOutside) {
    const sent = signalNamed(Number(end.stoppedFromOutside));
    return {
      code: signal ? null : status,
      signal: signal ?? null,
      reason:
        `its container was stopped from outside the kernel (${sent ?? `signal ${end.stoppedFromOutside}`}: \`docker stop\` or \`docker kill\`, ` +
        "or the Docker engine stopping)",
    };
  }
  return signal ? { code: null, signal } : { code: status, signal: null };
}

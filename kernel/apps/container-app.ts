// A web app in the notebook's container (the container executor): our launcher runs there
// beside the worker (docker exec), on the port the kernel chose, inside the container's own
// network (none by default, so nothing can be published). The launcher also listens on a Unix
// socket in the folder the kernel shares with the container (--unix), and the kernel listens
// on that port on this machine's loopback and relays each connection to that socket: the app
// answers on http://127.0.0.1:PORT/ here as a venv's app does, and `luci serve`'s proxy reaches
// it the same way. It is stopped by signalling its process group inside the container; the
// container's removal (the kernel's shutdown, or the next kernel's sweep of stale containers)
// ends whatever is left.
import { createServer, connect, type Server } from "node:net";
import { join } from "node:path";
import type { BesideWorker } from "../runtime/executor.js";
import { appEnvironment, AppRun, delay, type AppExit, type AppLaunch } from "./app-process.js";

const KILL_GROUP = "import os, signal, sys\ntry:\n    os.killpg(int(open(sys.argv[1]).read()), int(sys.argv[2]))\nexcept (OSError, ValueError):\n    pass\n";

export class ContainerApp extends AppRun {
  readonly exited: Promise<AppExit>;
  private readonly relay: Server;
  private readonly socketThere: string;

  constructor(
    private readonly beside: BesideWorker,
    shared: { here: string; there: string },
    launch: AppLaunch,
    name: string,
  ) {
    super(launch);
    const socketHere = join(shared.here, `${name}.sock`);
    this.socketThere = `${shared.there}/${name}.sock`;
    // This machine's loopback, relayed to the launcher's socket: one connection each.
    this.relay = createServer((client) => {
      const upstream = connect(socketHere);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    this.relay.listen(launch.port, "127.0.0.1");
    const run = beside.run(
      [beside.python, `${beside.workerFolder}/app_launcher.py`, "--unix", this.socketThere, launch.program],
      appEnvironment(launch),
      launch.cwd,
    );
    run.stdout.setEncoding("utf8");
    run.stderr.setEncoding("utf8");
    run.stdout.on("data", (text: string) => this.output("stdout", text));
    run.stderr.on("data", (text: string) => this.output("stderr", text));
    this.exited = run.exited.then((done) => {
      this.relay.close();
      return (this.exit = { code: done.code, signal: null, ...(done.error ? { error: done.error } : {}) });
    });
  }

  get pid(): undefined {
    return undefined;
  }

  async stop(graceMs = 2000): Promise<void> {
    this.signalGroup(15);
    const done = await Promise.race([this.exited.then(() => true), delay(graceMs).then(() => false)]);
    this.signalGroup(9);
    if (!done) await Promise.race([this.exited, delay(2000)]);
    this.relay.close();
  }

  killNow(): void {
    // No synchronous way into the container: the kernel's exit removes the container, and the app with it.
    this.signalGroup(9);
  }

  private signalGroup(signal: number): void {
    void this.beside.run([this.beside.python, "-c", KILL_GROUP, `${this.socketThere}.pid`, String(signal)], {}, "/").exited;
  }
}

// The rendezvous between the kernel and a worker in a container: a Unix socket in a private
// folder that the container mounts. Only fds 0-2 cross a container's boundary (and those are
// the user's streams), so commands and events travel over this socket instead of fds 3 and 4.
// The folder and socket belong to the user the container runs as, mode 0700/0600, and the
// server takes one connection only: no other local user can reach the worker's commands.
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SOCKET_NAME = "worker.sock";

export class WorkerSocket {
  readonly dir: string;
  readonly connected: Promise<Socket>;
  private readonly server: Server;
  private readonly listening: Promise<void>;

  constructor(owner?: { uid: number; gid: number }) {
    this.dir = mkdtempSync(join(tmpdir(), "luci-run-"));
    chmodSync(this.dir, 0o700);
    this.server = createServer();
    this.connected = new Promise((resolve) => {
      this.server.once("connection", (socket) => {
        this.server.close(); // one worker, one connection
        resolve(socket);
      });
    });
    const path = join(this.dir, SOCKET_NAME);
    this.listening = new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(path, () => {
        chmodSync(path, 0o600);
        if (owner) {
          chownSync(this.dir, owner.uid, owner.gid);
          chownSync(path, owner.uid, owner.gid);
        }
        resolve();
      });
    });
  }

  ready(): Promise<void> {
    return this.listening;
  }

  close(): void {
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

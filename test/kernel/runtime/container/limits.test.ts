// The limits of a notebook's container hold and are reported in plain words: memory far over
// the limit, a connection with the network off, a fork bomb, a write outside the work folder.
// After each, the kernel is up and the next cell runs.
import { createServer } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ofType, streamText } from "../../../support/kernel-client.js";
import { containerEnv, startKernel, type StartedKernel } from "../../../support/kernel-process.js";
import { containersOf, docker, requireEngine } from "./docker-support.js";

let kernel: StartedKernel;
beforeAll(async () => {
  await requireEngine();
  kernel = await startKernel({ env: { ...containerEnv(), LUCI_CONTAINER_MEMORY: "256m", LUCI_CONTAINER_PIDS: "64" } });
  await kernel.client.execute("kept = 'still here'");
});
afterAll(async () => {
  await kernel?.stop();
});

async function stillUp(): Promise<void> {
  const next = await kernel.client.execute("print('next cell ran')");
  expect(streamText(next.iopub)).toBe("next cell ran\n");
}

describe("container limits", () => {
  it("runs the code in the notebook's container, as a user that is not root, with the limits set", async () => {
    const { iopub } = await kernel.client.execute("import os, sys; print(sys.executable, os.getuid() != 0, os.getpid() != 1)");
    expect(streamText(iopub)).toBe("/opt/luci/env/bin/python True True\n");
    const [info] = await containersOf(kernel.process.pid!);
    expect(info, "the kernel's container is labelled with its pid").toBeDefined();
    const inspected = await docker.getContainer(info!.Id).inspect();
    expect(inspected.HostConfig).toMatchObject({ NetworkMode: "none", Memory: 256 * 1024 * 1024, PidsLimit: 64, ReadonlyRootfs: true, CapDrop: ["ALL"] });
    expect(inspected.HostConfig.SecurityOpt).toContain("no-new-privileges");
  });

  it("stops a cell that allocates far more than the memory limit, says so, and runs the next cell", async () => {
    const { reply } = await kernel.client.execute("hog = b'x' * (1024 * 1024 * 1024)");
    expect(reply.content).toMatchObject({ status: "error", ename: "WorkerCrashed" });
    expect(reply.content.evalue).toMatch(/ran out of memory.*256m/);
    expect(reply.content.evalue).toMatch(/earlier cells are lost/);
    await stillUp();
  });

  it("fails a connection with the network off, even to this machine's loopback", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((ok) => server.once("listening", ok));
    const port = (server.address() as { port: number }).port;
    try {
      const code = [
        "import socket",
        "for host in ('1.1.1.1', '127.0.0.1'):",
        "    try:",
        `        socket.create_connection((host, 53 if host != '127.0.0.1' else ${port}), timeout=3)`,
        "        print(host, 'connected')",
        "    except OSError as e:",
        "        print(host, 'refused', type(e).__name__)",
      ].join("\n");
      const { iopub } = await kernel.client.execute(code);
      const text = streamText(iopub);
      expect(text).toMatch(/^1\.1\.1\.1 refused \w+\n127\.0\.0\.1 refused \w+\n$/);
    } finally {
      server.close();
    }
  });

  it("holds a fork bomb at the process limit, and the next cell runs", async () => {
    const code = [
      "import os, time",
      "kids = []",
      "try:",
      "    while True:",
      "        pid = os.fork()",
      "        if pid == 0:",
      "            time.sleep(30)",
      "            os._exit(0)",
      "        kids.append(pid)",
      "except OSError as e:",
      "    print('held after', len(kids), 'forks:', e.strerror)",
      "finally:",
      "    for pid in kids:",
      "        os.kill(pid, 9)",
      "        os.waitpid(pid, 0)",
    ].join("\n");
    const { reply, iopub } = await kernel.client.execute(code);
    expect(reply.content.status).toBe("ok");
    const match = /held after (\d+) forks: Resource temporarily unavailable/.exec(streamText(iopub));
    expect(match, streamText(iopub)).not.toBeNull();
    expect(Number(match![1])).toBeLessThan(64);
    await stillUp();
  });

  it("names the limit an uncaught error ran into", async () => {
    const threads = await kernel.client.execute(
      "import threading, time\nts = [threading.Thread(target=time.sleep, args=(5,)) for _ in range(200)]\nfor t in ts: t.start()",
    );
    expect(threads.reply.content).toMatchObject({ status: "error" });
    expect(streamText(threads.iopub, "stderr")).toMatch(/container allows 64 processes and threads, and this cell reached that limit; %luci container pids=N/);
    const write = await kernel.client.execute("open('/etc/nope', 'w')");
    expect(write.reply.content.evalue).toMatch(/Read-only file system/);
    expect(streamText(write.iopub, "stderr")).toMatch(/only its folder and \/tmp can be written/);
    const net = await kernel.client.execute("import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=2)");
    expect(streamText(net.iopub, "stderr")).toMatch(/container has no network; %luci container network=on/);
  });

  it("refuses writes outside the work folder; the work folder and /tmp are writable and shared", async () => {
    const code = [
      "for path in ('/etc/luci-test', '/usr/luci-test', '/opt/luci/env/luci-test'):",
      "    try:",
      "        open(path, 'w').write('x')",
      "        print(path, 'written')",
      "    except OSError as e:",
      "        print(path, 'refused:', e.strerror)",
      "open('/tmp/scratch', 'w').write('tmp ok')",
      "open('result.txt', 'w').write('shared with the notebook folder')",
      "print(open('/tmp/scratch').read())",
    ].join("\n");
    const { iopub } = await kernel.client.execute(code);
    expect(streamText(iopub)).toBe(
      "/etc/luci-test refused: Read-only file system\n/usr/luci-test refused: Read-only file system\n" +
        "/opt/luci/env/luci-test refused: Read-only file system\ntmp ok\n",
    );
    expect(existsSync(join(kernel.dir, "result.txt"))).toBe(true);
    expect(readFileSync(join(kernel.dir, "result.txt"), "utf8")).toBe("shared with the notebook folder");
  });

  it("keeps the namespace through all of this except the out-of-memory crash", async () => {
    const { iopub } = await kernel.client.execute("'kept' in globals()");
    // The OOM kill took the first Python; this one has only what ran since.
    expect(ofType(iopub, "execute_result")[0]!.content.data).toMatchObject({ "text/plain": "False" });
  });
});

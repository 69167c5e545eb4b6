// The out-of-memory killer on this machine (README, "Using it": "If the Python process dies
// (`os._exit`, a segfault in native code, the out-of-memory killer), the cell says so in plain
// words, a new Python starts and the next cell runs"). Luci has no memory limit of its own for a
// local worker, so the test gives the running worker one: it moves the worker into a memory
// cgroup of its own with a small limit, then a cell allocates past it and the kernel's real OOM
// killer kills the worker. The cgroup's own count says the OOM killer did it. Needs root and a
// memory cgroup it may create (cgroup v1's memory controller, or cgroup v2 with memory); without
// them the test fails and says so.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ofType, sleep, streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

const LIMIT = 200 * 1024 * 1024;

interface MemoryCgroup {
  dir: string;
  add(pid: number): void;
  /** How many processes the OOM killer killed in it. */
  oomKills(): number;
  remove(): Promise<void>;
}

function memoryCgroup(): MemoryCgroup {
  const name = `luci-test-oom-${process.pid}-${Date.now()}`;
  const v1 = "/sys/fs/cgroup/memory";
  const v2 = "/sys/fs/cgroup";
  const problems: string[] = [];
  const remove = (dir: string) => async () => {
    for (let i = 0; i < 100 && existsSync(dir); i++) {
      try {
        rmdirSync(dir);
      } catch {
        await sleep(100); // its last process is still exiting
      }
    }
  };
  if (existsSync(join(v1, "memory.limit_in_bytes"))) {
    const dir = join(v1, name);
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "memory.limit_in_bytes"), String(LIMIT));
      if (existsSync(join(dir, "memory.memsw.limit_in_bytes"))) writeFileSync(join(dir, "memory.memsw.limit_in_bytes"), String(LIMIT));
      return {
        dir,
        add: (pid) => writeFileSync(join(dir, "cgroup.procs"), String(pid)),
        oomKills: () => Number(/oom_kill (\d+)/.exec(readFileSync(join(dir, "memory.oom_control"), "utf8"))?.[1] ?? 0),
        remove: remove(dir),
      };
    } catch (err) {
      problems.push(`cgroup v1 at ${dir}: ${(err as Error).message}`);
    }
  }
  if (existsSync(join(v2, "cgroup.controllers")) && readFileSync(join(v2, "cgroup.controllers"), "utf8").includes("memory")) {
    const dir = join(v2, name);
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "memory.max"), String(LIMIT));
      writeFileSync(join(dir, "memory.swap.max"), "0");
      return {
        dir,
        add: (pid) => writeFileSync(join(dir, "cgroup.procs"), String(pid)),
        oomKills: () => Number(/oom_kill (\d+)/.exec(readFileSync(join(dir, "memory.events"), "utf8"))?.[1] ?? 0),
        remove: remove(dir),
      };
    } catch (err) {
      problems.push(`cgroup v2 at ${dir}: ${(err as Error).message}`);
    }
  }
  throw new Error(
    `this test needs a memory cgroup it can create (run as root, with the memory controller of cgroup v1 or v2): ${problems.join("; ") || "no memory controller found"}`,
  );
}

let kernel: StartedKernel;
let cgroup: MemoryCgroup | undefined;

beforeAll(async () => {
  kernel = await startKernel();
});
afterAll(async () => {
  await kernel?.stop();
  await cgroup?.remove();
});

describe("the out-of-memory killer", () => {
  it("kills a worker that allocates past its memory: the cell says so in plain words, the kernel stays up and the next cell runs", async () => {
    const c = kernel.client;
    const first = await c.execute("import os\nstate = 'set before'\nprint(os.getpid())");
    const pid = Number(streamText(first.iopub).trim());
    expect(pid).toBeGreaterThan(1);
    cgroup = memoryCgroup();
    cgroup.add(pid);

    // Touched memory (b'x' * n writes every byte), in steps, well past the limit.
    const { reply, iopub } = await c.execute("print('allocating', flush=True)\nheld = [b'x' * (50 * 2**20) for _ in range(40)]\nprint('not reached')");
    expect(cgroup.oomKills()).toBeGreaterThan(0);
    expect(reply.content).toMatchObject({ status: "error", ename: "WorkerCrashed" });
    expect(reply.content.evalue).toMatch(/killed \(SIGKILL\), often because the system ran out of memory/);
    expect(reply.content.evalue).toMatch(/earlier cells are lost/);
    expect(reply.content.evalue).toMatch(/A new Python process has been started/);
    expect(streamText(iopub)).toBe("allocating\n");
    expect(ofType(iopub, "error")).toHaveLength(1);

    expect(await c.heartbeat()).toBe(true);
    const next = await c.execute("import os\nprint('alive', os.getpid() != " + pid + ", 'state' in globals())");
    expect(next.reply.content.status).toBe("ok");
    expect(streamText(next.iopub)).toBe("alive True False\n");
  });
});

// The inter-process lock (kernel/common/file-lock.ts) with real processes: several Node
// processes taking one lock never interleave, a lock left by a dead process is taken over at
// once (also when several processes find it at the same moment), a busy lock says who holds it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { LockTimeoutError, withLock } from "../../../kernel/common/file-lock.js";
import { ROOT } from "../../support/kernel-process.js";
import { zombie } from "../../support/processes.js";

// Child processes run the built module (npm run build), the same code as the kernel runs.
const LOCK_JS = join(ROOT, "dist", "kernel", "common", "file-lock.js");

beforeAll(() => {
  if (!existsSync(LOCK_JS)) throw new Error(`${LOCK_JS} is missing: run npm run build first`);
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "luci-lock-"));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes the lock `rounds` times once GO exists, logging enter/exit around a sleep inside it. */
// (node -e puts the arguments after "--" at process.argv[1] on.)
const CONTENDER = `
import { appendFileSync, existsSync, readFileSync } from "node:fs";
const { withLock } = await import(process.env.LOCK_JS);
const [lock, log, rounds, holdMs, go] = process.argv.slice(1);
process.stdout.write("ready\\n");
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 1));
for (let i = 0; i < Number(rounds); i++) {
  await withLock(lock, async () => {
    appendFileSync(log, "enter " + process.pid + "\\n");
    const owner = readFileSync(lock, "utf8");
    if (!owner.startsWith(process.pid + " ")) appendFileSync(log, "wrong-owner " + process.pid + " " + owner + "\\n");
    await new Promise((r) => setTimeout(r, Number(holdMs)));
    appendFileSync(log, "exit " + process.pid + "\\n");
  }, { timeoutMs: 60000 });
}
`;

/** Takes the lock, says "locked", and holds it until RELEASE exists (or it is killed). */
const HOLDER = `
import { existsSync } from "node:fs";
const { withLock } = await import(process.env.LOCK_JS);
const [lock, release] = process.argv.slice(1);
await withLock(lock, async () => {
  process.stdout.write("locked\\n");
  while (!existsSync(release)) await new Promise((r) => setTimeout(r, 5));
});
`;

function node(script: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, "--", ...args], {
    env: { ...process.env, LOCK_JS: pathToFileURL(LOCK_JS).href },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}

function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split("\n").includes(line)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`child exited (${code}) before "${line}": ${err}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Runs contenders together and returns the log lines once all have finished. */
async function contend(dir: string, lock: string, processes: number, rounds: number, holdMs: number): Promise<string[]> {
  const log = join(dir, `log-${Math.random().toString(36).slice(2)}`);
  const go = `${log}.go`;
  writeFileSync(log, "");
  const racers = Array.from({ length: processes }, () => node(CONTENDER, [lock, log, String(rounds), String(holdMs), go]));
  await Promise.all(racers.map((child) => waitForLine(child, "ready")));
  writeFileSync(go, "");
  const codes = await Promise.all(racers.map(exited));
  expect(codes).toEqual(racers.map(() => 0));
  return readFileSync(log, "utf8").split("\n").filter(Boolean);
}

/** Every enter is followed by the exit of the same process, with nothing in between. */
function expectNoInterleaving(lines: string[], expectedEntries: number): void {
  expect(lines.filter((l) => l.startsWith("wrong-owner"))).toEqual([]);
  expect(lines).toHaveLength(expectedEntries * 2);
  for (let i = 0; i < lines.length; i += 2) {
    const [enter, pid] = lines[i]!.split(" ");
    expect(enter).toBe("enter");
    expect(lines[i + 1]).toBe(`exit ${pid}`);
  }
}

/** A pid that was a process a moment ago and is gone now. */
function deadPid(): number {
  const done = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  const pid = Number(done.stdout);
  expect(pid).toBeGreaterThan(0);
  return pid;
}

function writeStaleLock(lock: string): number {
  const pid = deadPid();
  writeFileSync(lock, `${pid} ${hostname()} ${new Date().toISOString()}\n`);
  return pid;
}

describe("withLock across processes", () => {
  it("gives mutual exclusion to several node processes, with no interleaving in the file they append to", async () => {
    const dir = tempDir();
    const lines = await contend(dir, join(dir, "env.lock"), 5, 4, 15);
    expectNoInterleaving(lines, 20);
    expect(new Set(lines.map((l) => l.split(" ")[1])).size).toBe(5);
    expect(existsSync(join(dir, "env.lock"))).toBe(false);
  });

  it("takes over at once a lock whose pid has exited, without calling onWait", async () => {
    const dir = tempDir();
    const lock = join(dir, "env.lock");
    writeStaleLock(lock);
    const waits: string[] = [];
    // At once: it never waited (no onWait) and entered (a wait for the timeout would have thrown).
    const owner = await withLock(lock, async () => readFileSync(lock, "utf8"), { timeoutMs: 5_000, onWait: (o) => waits.push(o) });
    expect(owner.startsWith(`${process.pid} ${hostname()} `)).toBe(true);
    expect(waits).toEqual([]);
    expect(existsSync(lock)).toBe(false);
  });

  it("takes over at once a lock whose holder is a zombie (exited, not yet reaped by its parent)", async () => {
    const dir = tempDir();
    const lock = join(dir, "env.lock");
    const { pid, parent } = await zombie();
    children.push(parent);
    writeFileSync(lock, `${pid} ${hostname()} ${new Date().toISOString()}\n`);
    const waits: string[] = [];
    // A zombie taken for a live holder would be waited on (onWait called) until the timeout throws.
    const owner = await withLock(lock, async () => readFileSync(lock, "utf8"), { timeoutMs: 2_000, onWait: (o) => waits.push(o) });
    expect(owner.startsWith(`${process.pid} ${hostname()} `)).toBe(true);
    expect(waits).toEqual([]);
  });

  it("takes over the lock of a process killed with SIGKILL while it held it", async () => {
    const dir = tempDir();
    const lock = join(dir, "env.lock");
    const holder = node(HOLDER, [lock, join(dir, "never")]);
    await waitForLine(holder, "locked");
    holder.kill("SIGKILL");
    await exited(holder);
    expect(existsSync(lock)).toBe(true);
    // At once: it entered without waiting (no onWait), and without timing out (no LockTimeoutError).
    const waits: string[] = [];
    const owner = await withLock(lock, async () => readFileSync(lock, "utf8"), { timeoutMs: 5_000, onWait: (o) => waits.push(o) });
    expect(owner.startsWith(`${process.pid} ${hostname()} `)).toBe(true);
    expect(waits).toEqual([]);
  });

  it("calls onWait once, naming the holder, while another process holds the lock, then enters when it is released", async () => {
    const dir = tempDir();
    const lock = join(dir, "env.lock");
    const release = join(dir, "release");
    const holder = node(HOLDER, [lock, release]);
    await waitForLine(holder, "locked");
    const waits: string[] = [];
    let entered = false;
    const waiting = withLock(
      lock,
      async () => {
        entered = true;
      },
      { timeoutMs: 20_000, onWait: (owner) => waits.push(owner) },
    );
    await vi.waitFor(() => expect(waits).toEqual([`process ${holder.pid}`]), { timeout: 30_000 });
    expect(entered).toBe(false);
    writeFileSync(release, "");
    await waiting;
    expect(entered).toBe(true);
    expect(waits).toHaveLength(1);
    expect(await exited(holder)).toBe(0);
  });

  it("times out with a LockTimeoutError that names the lock and its holder", async () => {
    const dir = tempDir();
    const lock = join(dir, "env.lock");
    const holder = node(HOLDER, [lock, join(dir, "never")]);
    await waitForLine(holder, "locked");
    let ran = false;
    const waits: string[] = [];
    const error = await withLock(
      lock,
      async () => {
        ran = true;
      },
      { timeoutMs: 300, onWait: (owner) => waits.push(owner) },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toContain(lock);
    expect((error as Error).message).toContain(`process ${holder.pid}`);
    expect(ran).toBe(false);
    expect(waits).toEqual([`process ${holder.pid}`]); // it waited, then gave up
    // the holder's lock is untouched
    expect(readFileSync(lock, "utf8").startsWith(`${holder.pid} `)).toBe(true);
  });

  it("several processes racing for the same stale lock never both enter", async () => {
    const dir = tempDir();
    for (let round = 0; round < 4; round++) {
      const lock = join(dir, `stale-${round}.lock`);
      writeStaleLock(lock);
      const lines = await contend(dir, lock, 6, 1, 60);
      expectNoInterleaving(lines, 6);
      expect(existsSync(lock)).toBe(false);
      expect(existsSync(`${lock}.takeover`)).toBe(false);
    }
  });

  it("in one process, concurrent holders of one lock run one after the other", async () => {
    const dir = tempDir();
    const lock = join(dir, "env.lock");
    const events: string[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        withLock(lock, async () => {
          events.push(`enter ${n}`);
          await sleep(20);
          events.push(`exit ${n}`);
        }),
      ),
    );
    expect(events).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) expect(events[i + 1]).toBe(events[i]!.replace("enter", "exit"));
  });

  it("releases the lock when the work throws, and passes the error on", async () => {
    const dir = tempDir();
    const lock = join(dir, "env.lock");
    await expect(
      withLock(lock, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(existsSync(lock)).toBe(false);
    expect(await withLock(lock, async () => 42)).toBe(42);
  });
});

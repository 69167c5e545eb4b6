// An inter-process lock on one machine: a lock file created with O_EXCL that names its owner's
// pid. A lock whose owner is gone (killed with SIGKILL mid-install, say) is stale and is taken
// over at once, so a crash never leaves a notebook's environment locked.
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { CellFailure } from "./cell-failure.js";
import { processAlive } from "./process-alive.js";
import { errorCode } from "./errors.js";

/** Another process held the lock past the wait: the message says which. */
export class LockTimeoutError extends CellFailure {
  constructor(message: string) {
    super("LockTimeout", message);
  }
}

export interface LockOptions {
  /** Give up after this long (the error says who holds the lock). */
  timeoutMs?: number;
  /** Called once if the lock is busy, so the caller can tell the user it is waiting. */
  onWait?: (owner: string) => void;
}

export async function withLock<T>(lockPath: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await acquire(lockPath, options);
  try {
    return await work();
  } finally {
    release(lockPath);
  }
}

async function acquire(lockPath: string, { timeoutMs = 600_000, onWait }: LockOptions): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (tryCreate(lockPath)) return;
    const owner = readOwner(lockPath);
    if (owner && !owner.alive && removeStale(lockPath, owner.text)) continue;
    if (Date.now() > deadline) throw new LockTimeoutError(`timed out waiting for ${lockPath} (held by ${owner?.text ?? "?"})`);
    if (!told && onWait) {
      told = true;
      onWait(owner?.text ?? "another process");
    }
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
  }
}

function tryCreate(lockPath: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx");
  } catch (err) {
    if (errorCode(err) === "EEXIST") return false;
    throw err;
  }
  try {
    writeSync(fd, `${process.pid} ${hostname()} ${new Date().toISOString()}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(lockPath: string): { text: string; alive: boolean } | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath, "utf8").trim();
  } catch {
    return undefined; // released between our attempts
  }
  const [pid, host] = text.split(" ");
  // A lock file being written right now may still be empty: alive, unless it has stayed empty
  // (its creator died between creating and writing it).
  if (!pid) return { text: "a process starting up", alive: ageMs(lockPath) < 1000 };
  if (host && host !== hostname()) return { text, alive: true };
  return { text: `process ${pid}`, alive: processAlive(Number(pid)) };
}

/**
 * Removes a stale lock. Two processes may find the same stale lock at once: the removal itself
 * is guarded by a second lock file, and the owner is read again under it, so that a lock taken
 * in the meantime by a live process is never removed.
 */
function removeStale(lockPath: string, seen: string): boolean {
  const guard = `${lockPath}.takeover`;
  const guardOwner = readOwner(guard);
  // The guard's owner died mid-takeover (or it has been there far too long): clear it.
  if (guardOwner && (!guardOwner.alive || ageMs(guard) > 10_000)) release(guard);
  if (!tryCreate(guard)) return false; // another process is taking over: wait, then look again
  try {
    if (readOwner(lockPath)?.text === seen) unlinkSync(lockPath);
  } catch {
    /* already gone */
  } finally {
    release(guard);
  }
  return true;
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function release(lockPath: string): void {
  try {
    unlinkSync(lockPath);
  } catch {
    /* already gone */
  }
}

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

// Whether a process still exists (signal 0 checks without signalling).
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A zombie of this machine: `sh` starts a short sleep in the background, prints its pid and
 * replaces itself with a long sleep, which never waits for its child; the short sleep exits and
 * stays a zombie (kill(pid, 0) still reaches it) until `parent` ends. Kill `parent` when done.
 */
export async function zombie(): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn("sh", ["-c", "sleep 0.05 & echo $!; exec sleep 60"], { stdio: ["ignore", "pipe", "ignore"] });
  const pid = await new Promise<number>((resolve) => parent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return { pid, parent };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Whether a process of this machine still runs: kill(pid, 0) succeeds, or fails only because
// the process belongs to someone else (EPERM), which also means it runs. A zombie (exited, not
// yet reaped by its parent: a kernel killed mid-install whose server has not collected it)
// still answers kill(pid, 0), but holds nothing and will never release a lock: on Linux its
// state in /proc says so, and it counts as gone.
import { readFileSync } from "node:fs";
import { errorCode } from "./errors.js";

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errorCode(err) !== "EPERM") return false;
  }
  return !exited(pid);
}

/** The process has exited and waits to be reaped (Z) or is being removed (X); false where /proc cannot tell. */
function exited(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false; // no /proc (macOS), or gone between the two looks: kill(pid, 0) decided
  }
  // "pid (command name) state ...": the name may hold spaces and parentheses, the state follows the last ")"
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}

// Whether a process of this machine still runs: kill(pid, 0) succeeds, or fails only because
// the process belongs to someone else (EPERM), which also means it runs.
import { errorCode } from "./errors.js";

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === "EPERM";
  }
}

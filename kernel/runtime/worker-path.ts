// The worker's Python files ship as source: <package>/kernel/runtime/worker.
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";

export function workerScript(): string {
  return join(packageRoot(), "kernel", "runtime", "worker", "start_worker.py");
}

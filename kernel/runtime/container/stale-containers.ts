// Containers a kernel left behind when it was killed (SIGKILL, a crash): each container carries
// its kernel's pid and host; one whose kernel no longer runs on this host is removed.
import { hostname } from "node:os";
import { docker } from "./docker-client.js";
import { MANAGED_LABEL } from "./container-executor.js";

export async function removeStaleContainers(): Promise<number> {
  const engine = await docker();
  let listed;
  try {
    listed = await engine.listContainers({ all: true, filters: JSON.stringify({ label: [MANAGED_LABEL, `luci.host=${hostname()}`] }) });
  } catch {
    return 0; // no engine: starting the container will say so in words
  }
  const stale = listed.filter((info) => !alive(Number(info.Labels["luci.kernel-pid"])));
  await Promise.all(stale.map((info) => engine.getContainer(info.Id).remove({ force: true }).catch(() => {})));
  return stale.length;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // someone else's process: alive
  }
}

// Containers a kernel left behind when it was killed (SIGKILL, a crash): each container carries
// its kernel's pid and scope (this host, unless LUCI_CONTAINER_SCOPE names another: kernels of
// one scope sweep only each other's leftovers); one whose kernel no longer runs is removed.
import { hostname } from "node:os";
import { processAlive } from "../../common/process-alive.js";
import { setting } from "../../common/settings.js";
import { docker } from "./docker-client.js";

/** Every container Luci makes carries it. */
const MANAGED_LABEL = "luci.managed";
const SCOPE_LABEL = "luci.scope";

function containerScope(env: NodeJS.ProcessEnv = process.env): string {
  return setting(env, "LUCI_CONTAINER_SCOPE") ?? hostname();
}

/** The labels that tie a container to this kernel process. */
export function ownerLabels(): Record<string, string> {
  return { [MANAGED_LABEL]: "1", "luci.kernel-pid": String(process.pid), [SCOPE_LABEL]: containerScope() };
}

export async function removeStaleContainers(): Promise<number> {
  const engine = await docker();
  let listed;
  try {
    listed = await engine.listContainers({ all: true, filters: JSON.stringify({ label: [MANAGED_LABEL, `${SCOPE_LABEL}=${containerScope()}`] }) });
  } catch {
    return 0; // no engine: starting the container will say so in words
  }
  const stale = listed.filter((info) => !processAlive(Number(info.Labels["luci.kernel-pid"])));
  await Promise.all(
    stale.map((info) =>
      engine
        .getContainer(info.Id)
        .remove({ force: true })
        .catch(() => {}),
    ),
  );
  return stale.length;
}

// The Docker engine for the container tests: they need a real one and fail (never skip) when
// it is not there, with what to run.
import Docker from "dockerode";
import { errorMessage } from "../../../../kernel/common/errors.js";

export const docker = new Docker();

export async function requireEngine(): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`the container tests need a Docker engine (${errorMessage(err)}); start one with: bash .ci/docker-engine.sh start`, { cause: err });
  }
}

/** Containers (running or not) that a kernel process made. */
export async function containersOf(kernelPid: number): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: JSON.stringify({ label: [`luci.kernel-pid=${kernelPid}`] }) });
}

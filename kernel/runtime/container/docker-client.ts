// The Docker engine, through dockerode. Loaded only when a notebook uses containers, so a venv
// kernel never pays for it. Errors from the engine become sentences a notebook user can act on.
import type { Writable } from "node:stream";
import type Dockerode from "dockerode";

let client: Promise<Dockerode> | undefined;

/** The engine named by DOCKER_HOST, else the local socket (/var/run/docker.sock). */
export function docker(): Promise<Dockerode> {
  client ??= import("dockerode").then(({ default: Docker }) => new Docker());
  return client;
}

/** Where the engine is expected, for messages. */
export function engineAddress(): string {
  return process.env.DOCKER_HOST || "/var/run/docker.sock";
}

/** Words for an engine error: a missing engine says how to start one; others keep the engine's message. */
export function engineProblem(err: unknown, doing: string): Error {
  const e = err as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
  if (e.code === "ENOENT" || e.code === "ECONNREFUSED" || e.code === "EACCES" || e.code === "ECONNRESET" || e.code === "EPIPE") {
    return new Error(
      `the Docker engine could not be reached at ${engineAddress()} while ${doing} (${e.code}). ` +
        "Start it (for example `dockerd`, or `bash .ci/docker-engine.sh start` in a Luci checkout), " +
        "or use this notebook's venv instead: %luci executor venv",
    );
  }
  const detail = e.json?.message ?? e.message ?? String(err);
  return new Error(`the Docker engine refused ${doing}: ${detail.trim()}`);
}

/**
 * Attaches to a created container's stdout and stderr (before it starts, so no early output is
 * lost) and demultiplexes them into `stdout` and `stderr`. `drained()` waits, briefly, for the
 * stream's end: the last output may trail the container's exit.
 */
export async function attachOutput(container: Dockerode.Container, stdout: Writable, stderr: Writable): Promise<{ drained(): Promise<void> }> {
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  container.modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
  });
  return { drained: () => Promise.race([ended, new Promise<void>((resolve) => setTimeout(resolve, 500))]) };
}

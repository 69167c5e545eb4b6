// The Docker engine, through dockerode. Loaded only when a notebook uses containers, so a venv
// kernel never pays for it. Errors from the engine become sentences a notebook user can act on.
import type { Writable } from "node:stream";
import type Dockerode from "dockerode";
import { errorMessage } from "../../common/errors.js";
import { isObject } from "../../common/json-file.js";

let client: Promise<Dockerode> | undefined;

/** The engine named by DOCKER_HOST, else the local socket (/var/run/docker.sock). */
export function docker(): Promise<Dockerode> {
  client ??= import("dockerode").then(({ default: Docker }) => new Docker());
  return client;
}

/** Where the engine is expected, for messages. */
function engineAddress(): string {
  return process.env.DOCKER_HOST || "/var/run/docker.sock";
}

/** Words for an engine error: a missing engine says how to start one; others keep the engine's message. */
export function engineProblem(err: unknown, doing: string): Error {
  const { code, engineMessage } = engineError(err);
  if (code === "ENOENT" || code === "ECONNREFUSED" || code === "EACCES" || code === "ECONNRESET" || code === "EPIPE") {
    return new Error(
      `the Docker engine could not be reached at ${engineAddress()} while ${doing} (${code}). ` +
        "Start it (for example `dockerd`, or `bash .ci/docker-engine.sh start` in a Luci checkout), " +
        "or use this notebook's venv instead: %luci executor venv",
      { cause: err },
    );
  }
  const detail = engineMessage ?? errorMessage(err);
  return new Error(`the Docker engine refused ${doing}: ${detail.trim()}`, { cause: err });
}

export interface EngineError {
  /** A system error's code (ENOENT, ECONNREFUSED, ...): the engine was not reached. */
  code?: string;
  /** The engine's HTTP status (404: no such image or container). */
  statusCode?: number;
  /** The message in the engine's JSON answer. */
  engineMessage?: string;
}

/** What dockerode (docker-modem) puts on the errors it throws, each field checked. */
export function engineError(err: unknown): EngineError {
  const field = (value: unknown, name: string): unknown => (isObject(value) ? value[name] : undefined);
  const code = field(err, "code");
  const statusCode = field(err, "statusCode");
  const engineMessage = field(field(err, "json"), "message");
  return {
    code: typeof code === "string" ? code : undefined,
    statusCode: typeof statusCode === "number" ? statusCode : undefined,
    engineMessage: typeof engineMessage === "string" ? engineMessage : undefined,
  };
}

/** Waits for a container to stop and gives its exit status (the engine's StatusCode). */
export async function exitStatus(container: Dockerode.Container): Promise<number> {
  const answer: unknown = await container.wait();
  const status = isObject(answer) ? answer.StatusCode : undefined;
  if (typeof status !== "number") throw new Error(`the engine's answer to wait has no exit status: ${JSON.stringify(answer)}`);
  return status;
}

/**
 * Attaches to a created container's stdout and stderr (before it starts, so no early output is
 * lost) and demultiplexes them into `stdout` and `stderr`. `drained()` waits, briefly, for the
 * stream's end: the last output may trail the container's exit.
 */
export async function attachOutput(container: Dockerode.Container, stdout: Writable, stderr: Writable): Promise<{ drained(): Promise<void> }> {
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  // The client's modem: a Container's own is typed `any` (it is the same object).
  (await docker()).modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
  });
  return { drained: () => Promise.race([ended, new Promise<void>((resolve) => setTimeout(resolve, 500))]) };
}

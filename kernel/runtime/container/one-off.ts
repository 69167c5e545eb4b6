// A command in a short-lived container (installs, freezes, `python -m venv`): output collected
// and passed on as it comes, the container removed afterwards, an abort kills it.
import { PassThrough } from "node:stream";
import { attachOutput, docker, engineProblem, exitStatus } from "./docker-client.js";
import { ownerLabels } from "./stale-containers.js";

export interface OneOff {
  image: string;
  cmd: string[];
  binds: string[];
  env?: string[];
  network: string;
  user: string;
  workdir?: string;
  output?: (text: string) => void;
  signal?: AbortSignal;
}

export interface OneOffResult {
  code: number;
  stdout: string;
  /** stdout and stderr as they came. */
  all: string;
  aborted: boolean;
}

export async function runOneOff(job: OneOff, doing: string): Promise<OneOffResult> {
  const engine = await docker();
  let container;
  try {
    container = await engine.createContainer({
      Image: job.image,
      Cmd: job.cmd,
      User: job.user,
      Env: job.env ?? [],
      WorkingDir: job.workdir,
      Labels: ownerLabels(),
      HostConfig: { Binds: job.binds, NetworkMode: job.network, CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges"], Init: true },
      AttachStdout: true,
      AttachStderr: true,
    });
  } catch (err) {
    throw engineProblem(err, doing);
  }
  let stdout = "";
  let all = "";
  const out = new PassThrough();
  const err = new PassThrough();
  out.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    stdout += text;
    all += text;
    job.output?.(text);
  });
  err.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    all += text;
    job.output?.(text);
  });
  let aborted = false;
  const abort = () => {
    aborted = true;
    container.kill({ signal: "SIGKILL" }).catch(() => {});
  };
  try {
    const output = await attachOutput(container, out, err);
    if (job.signal?.aborted) abort();
    job.signal?.addEventListener("abort", abort, { once: true });
    await container.start();
    const status = await exitStatus(container);
    await output.drained();
    return { code: status, stdout, all, aborted };
  } catch (e) {
    throw engineProblem(e, doing);
  } finally {
    job.signal?.removeEventListener("abort", abort);
    await container.remove({ force: true }).catch(() => {});
  }
}

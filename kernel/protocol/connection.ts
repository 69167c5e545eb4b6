// The connection file a Jupyter client writes for a kernel (kernels.rst "Connection files").
import { readFileSync } from "node:fs";
import { errorMessage } from "../common/errors.js";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  control_port: number;
  stdin_port: number;
  iopub_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
  /** Set by jupyter_client from JPY_SESSION_NAME: the notebook's path, when known. */
  jupyter_session?: string;
}

type PortName = "shell_port" | "control_port" | "stdin_port" | "iopub_port" | "hb_port";

/** Reads and checks a connection file; throws an Error whose message says what is wrong. */
export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read connection file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  return parseConnectionInfo(raw, path);
}

function parseConnectionInfo(raw: unknown, source: string): ConnectionInfo {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${source}: not a JSON object`);
  const info: Record<string, unknown> = { ...raw };
  const transport = info.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") {
    throw new Error(`${source}: unsupported transport ${JSON.stringify(transport)}`);
  }
  const port = (name: PortName): number => {
    const value = info[name];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65535) {
      throw new Error(`${source}: ${name} must be a port number`);
    }
    return value;
  };
  const text = (name: string): string | undefined => {
    const value = info[name];
    if (value !== undefined && typeof value !== "string") throw new Error(`${source}: ${name} must be a string`);
    return value;
  };
  return {
    transport,
    ip: typeof info.ip === "string" ? info.ip : "127.0.0.1",
    shell_port: port("shell_port"),
    control_port: port("control_port"),
    stdin_port: port("stdin_port"),
    iopub_port: port("iopub_port"),
    hb_port: port("hb_port"),
    key: text("key") ?? "",
    signature_scheme: text("signature_scheme") ?? "hmac-sha256",
    // Informational: a value of another type is left out rather than refused.
    kernel_name: typeof info.kernel_name === "string" ? info.kernel_name : undefined,
    jupyter_session: typeof info.jupyter_session === "string" ? info.jupyter_session : undefined,
  };
}

/** The ZeroMQ endpoint of one port, as jupyter_client builds it. */
export function endpoint(info: ConnectionInfo, port: number): string {
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}

/** Connection info for a kernel on loopback: five ports (shell, control, stdin, iopub, hb) and a key. */
export function loopbackConnection(ports: readonly number[], key: string, kernelName: string): ConnectionInfo {
  const [shell, control, stdin, iopub, hb] = ports;
  if (hb === undefined) throw new Error("a kernel needs five ports");
  return {
    transport: "tcp",
    ip: "127.0.0.1",
    shell_port: shell!,
    control_port: control!,
    stdin_port: stdin!,
    iopub_port: iopub!,
    hb_port: hb,
    key,
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
}

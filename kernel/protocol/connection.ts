// The connection file a Jupyter client writes for a kernel (kernels.rst "Connection files").
import { readFileSync } from "node:fs";

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

const PORTS = ["shell_port", "control_port", "stdin_port", "iopub_port", "hb_port"] as const;

/** Reads and checks a connection file; throws an Error whose message says what is wrong. */
export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read connection file ${path}: ${(err as Error).message}`);
  }
  return parseConnectionInfo(raw, path);
}

export function parseConnectionInfo(raw: unknown, source = "connection info"): ConnectionInfo {
  if (typeof raw !== "object" || raw === null) throw new Error(`${source}: not a JSON object`);
  const info = raw as Record<string, unknown>;
  const transport = (info.transport ?? "tcp") as string;
  if (transport !== "tcp" && transport !== "ipc") {
    throw new Error(`${source}: unsupported transport ${JSON.stringify(transport)}`);
  }
  for (const port of PORTS) {
    const value = info[port];
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 65535) {
      throw new Error(`${source}: ${port} must be a port number`);
    }
  }
  const scheme = (info.signature_scheme ?? "hmac-sha256") as string;
  if (typeof info.key !== "string" && info.key !== undefined) throw new Error(`${source}: key must be a string`);
  return {
    ...(info as object),
    transport,
    ip: typeof info.ip === "string" ? info.ip : "127.0.0.1",
    key: (info.key as string | undefined) ?? "",
    signature_scheme: scheme,
  } as ConnectionInfo;
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

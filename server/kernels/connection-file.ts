// A kernel's connection file, written as jupyter_client writes one: five free TCP ports on
// 127.0.0.1, a random key, hmac-sha256, readable by this user only.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { ConnectionInfo } from "../../kernel/protocol/connection.js";

/**
 * Ports the OS calls free now. They are held open together (so the five differ) and released
 * just before the kernel binds them, which is jupyter_client's approach and its small race.
 */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((ok, fail) => {
      const server = createServer();
      server.once("error", fail);
      server.listen(0, host, () => ok(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

export async function newConnectionInfo(kernelName: string): Promise<ConnectionInfo> {
  const [shell, control, stdin, iopub, hb] = await freePorts(5);
  return {
    transport: "tcp",
    ip: "127.0.0.1",
    shell_port: shell!,
    control_port: control!,
    stdin_port: stdin!,
    iopub_port: iopub!,
    hb_port: hb!,
    key: randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
}

export function writeConnectionFile(path: string, info: ConnectionInfo): void {
  writeFileSync(path, JSON.stringify(info, null, 1) + "\n", { mode: 0o600 });
}

// A kernel's connection file, written as jupyter_client writes one: five TCP ports on
// 127.0.0.1, a random key, hmac-sha256, readable by this user only.
//
// Ports: jupyter_client asks the OS for free ports (bind to port 0), closes them and lets the
// kernel bind them later. Two races follow, and with 20 kernels starting at once they happen:
// another kernel's request for "a free port" returns the same one, or an outgoing connection
// (every client socket uses one) takes it as its local port, and the kernel fails with "Address
// already in use". Here ports are chosen below the OS's ephemeral range (where the OS never
// puts outgoing connections), checked free by binding, and reserved in this process until the
// kernel is shut down, so no two kernels of this server are ever given the same port.
import { randomBytes, randomInt } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { tryBind } from "../../kernel/common/listening-port.js";
import { loopbackConnection, type ConnectionInfo } from "../../kernel/protocol/connection.js";

const PORT_NAMES = ["shell_port", "control_port", "stdin_port", "iopub_port", "hb_port"] as const;

export class PortAllocator {
  private readonly reserved = new Set<number>();
  private readonly low: number;
  private readonly high: number;

  constructor() {
    const ephemeralStart = ephemeralRangeStart();
    // A band of ports under the ephemeral range; if that range starts low, let the OS choose.
    this.high = ephemeralStart;
    this.low = Math.max(10_000, ephemeralStart - 12_000);
  }

  async reserve(count: number, host = "127.0.0.1"): Promise<number[]> {
    const ports: number[] = [];
    for (let attempt = 0; ports.length < count && attempt < 100 + 20 * count; attempt++) {
      const port = this.high - this.low >= 1000 ? randomInt(this.low, this.high) : 0;
      if (this.reserved.has(port)) continue;
      const bound = await tryBind(port, host);
      if (bound === undefined || this.reserved.has(bound)) continue;
      this.reserved.add(bound);
      ports.push(bound);
    }
    if (ports.length < count) {
      this.release(ports);
      throw new Error("no free ports for a kernel");
    }
    return ports;
  }

  release(ports: readonly number[]): void {
    for (const port of ports) this.reserved.delete(port);
  }
}

export async function newConnectionInfo(kernelName: string, allocator: PortAllocator): Promise<ConnectionInfo> {
  return loopbackConnection(await allocator.reserve(5), randomBytes(32).toString("hex"), kernelName);
}

export function portsOf(info: ConnectionInfo): number[] {
  return PORT_NAMES.map((name) => info[name]);
}

export function writeConnectionFile(path: string, info: ConnectionInfo): void {
  writeFileSync(path, JSON.stringify(info, null, 1) + "\n", { mode: 0o600 });
}

/** Binds and closes `port` (0: any); the port bound, or undefined if it was taken. */
function ephemeralRangeStart(): number {
  try {
    const start = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(start) && start > 1024) return start;
  } catch {
    /* not Linux */
  }
  return 32_768; // the IANA dynamic range starts at 49152; most systems use 32768 or above
}

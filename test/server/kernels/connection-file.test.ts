// Kernel ports: distinct, really free, below the OS's ephemeral range (so no outgoing
// connection can hold one), and never handed out twice while reserved.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { newConnectionInfo, PortAllocator, portsOf } from "../../../server/kernels/connection-file.js";

const ephemeralStart = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);

describe("PortAllocator", () => {
  it("gives 20 kernels' worth of distinct ports below the ephemeral range, each bindable", async () => {
    const allocator = new PortAllocator();
    const infos = await Promise.all(Array.from({ length: 20 }, () => newConnectionInfo("luci", allocator)));
    const ports = infos.flatMap(portsOf);
    expect(new Set(ports).size).toBe(100);
    for (const port of ports) expect(port).toBeLessThan(ephemeralStart);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(ports[0], "127.0.0.1", () => resolve());
    });
    server.close();
    expect(new Set(infos.map((i) => i.key)).size).toBe(20);
    expect(infos[0]!.key).toMatch(/^[0-9a-f]{64}$/);
    expect(infos[0]!.signature_scheme).toBe("hmac-sha256");
  });

  it("skips a port another process holds", async () => {
    const allocator = new PortAllocator();
    const first = await allocator.reserve(1);
    allocator.release(first);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(first[0], "127.0.0.1", () => resolve()));
    try {
      // Reserve many: none may be the squatted port.
      const many = await allocator.reserve(200);
      expect(many).not.toContain(first[0]);
    } finally {
      squatter.close();
    }
  });
});

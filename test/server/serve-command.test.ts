// `luci serve` as a person runs it: the built CLI prints a URL with its token, serves the API,
// and on SIGTERM or SIGINT stops every kernel it started before it exits.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { alive } from "../support/processes.js";
import { eventually } from "./server-harness.js";
import { spawnServe } from "./child-server.js";

const LUCI = resolve(import.meta.dirname, "..", "..", "dist", "kernel", "cli", "luci.js");
const cleanup: (() => void)[] = [];

afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

function serve(args: string[]): { child: ChildProcess; url: Promise<URL>; output: () => string } {
  const root = mkdtempSync(join(tmpdir(), "luci-serve-root-"));
  const state = mkdtempSync(join(tmpdir(), "luci-serve-state-"));
  cleanup.push(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  });
  const served = spawnServe(["--root", root, "--port", "0", ...args], {
    ...process.env,
    LUCI_EXECUTOR: "local",
    LUCI_STATE_DIR: join(state, "s"),
    LUCI_TRUST_DIR: join(state, "t"),
    LUCI_ENV_DIR: join(state, "e"),
  });
  cleanup.push(() => {
    if (served.child.exitCode === null) served.child.kill("SIGKILL");
  });
  return served;
}

describe("luci serve", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`prints its URL with the token, serves the API, and stops its kernels on ${signal}`, async () => {
      const { child, url } = serve(["--token", "secret-token"]);
      const address = await url;
      expect(address.searchParams.get("token")).toBe("secret-token");
      const headers = { Authorization: "token secret-token" };
      expect((await fetch(new URL("/api", address), { headers })).status).toBe(200);
      expect((await fetch(new URL("/api", address))).status).toBe(403);
      const started = await fetch(new URL("/api/kernels", address), { method: "POST", headers, body: "{}" });
      expect(started.status).toBe(201);
      const { id } = (await started.json()) as { id: string };
      await eventually(
        async () =>
          ((await (await fetch(new URL(`/api/kernels/${id}`, address), { headers })).json()) as { execution_state: string }).execution_state === "idle",
        20_000,
        "the kernel to be ready",
      );
      const kernelPids = await kernelProcesses(child.pid!);
      expect(kernelPids.length).toBe(1);
      const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
      child.kill(signal);
      expect(await exited).toBe(0);
      await eventually(() => kernelPids.every((pid) => !alive(pid)), 10_000, "the kernel to be gone");
    });
  }

  it("fails clearly when the port it was given is taken", async () => {
    const squatter = createServer();
    const port = await new Promise<number>((resolvePort) => squatter.listen(0, "127.0.0.1", () => resolvePort((squatter.address() as AddressInfo).port)));
    try {
      const child = spawn(process.execPath, [LUCI, "serve", "--root", tmpdir(), "--port", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolveExit) => child.once("exit", resolveExit));
      expect(code).toBe(1);
      expect(stderr).toContain(`port ${port} is in use`);
    } finally {
      squatter.close();
    }
  });

  it("picks a random token when none is given, and refuses unknown arguments", async () => {
    const { url, child } = serve([]);
    expect((await url).searchParams.get("token")).toMatch(/^[0-9a-f]{48}$/);
    child.kill("SIGTERM");
    const bad = spawn(process.execPath, [LUCI, "serve", "--bogus"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    bad.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolveExit) => bad.once("exit", resolveExit));
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown argument --bogus/);
  });
});

/** The kernel processes (children running `luci.js kernel`) of a process. */
async function kernelProcesses(parent: number): Promise<number[]> {
  const { readdirSync, readFileSync } = await import("node:fs");
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      if (ppid === parent && cmdline.includes("kernel")) pids.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return pids;
}

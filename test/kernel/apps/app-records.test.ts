// The apps file and the pids in it (kernel/apps/app-records.ts), the free port and the output
// tail (app-process.ts), with real processes: a pid is signalled only while it is still the app
// that was recorded, and a gone kernel's apps are stopped by the next kernel's start.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { importsOnly } from "../../../kernel/cells/python-cells.js";
import { freeLoopbackPort, launcherScript, OutputTail } from "../../../kernel/apps/app-process.js";
import {
  appsFile,
  isRecordedApp,
  killRecordedApp,
  readKernelApps,
  startTicks,
  stopOrphanedApps,
  writeKernelApps,
  type AppRecord,
} from "../../../kernel/apps/app-records.js";
import { processAlive } from "../../../kernel/common/process-alive.js";
import { until } from "./web-app-support.js";

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});

/** A real app: our launcher running a program that sleeps, in its own process group, as the kernel starts it. */
function launchApp(dir: string, port: number): { child: ChildProcess; record: AppRecord } {
  const program = join(dir, `app-${port}.py`);
  writeFileSync(program, "import time\ntime.sleep(600)\n");
  const child = spawn("python3", [launcherScript(), program], { detached: true, stdio: "ignore", env: { ...process.env, PORT: String(port) } });
  started.push(child);
  const record: AppRecord = { id: 1, pid: child.pid!, startTicks: startTicks(child.pid!)!, port, program, cell: "c1", started: new Date().toISOString() };
  return { child, record };
}

/** A process that has exited (its pid now names nothing, or someone else). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((ok) => child.once("exit", ok));
  return child.pid!;
}

describe("the apps file and its pids", () => {
  it("a recorded app is recognised by its start time and command line; another process is not, and is not signalled", async () => {
    const dir = mkdtempSync(join(tmpdir(), "luci-apps-rec-"));
    const { record } = launchApp(dir, 40001);
    await until("the launcher's command line", () => isRecordedApp(record));
    // The same pid with another start time: a process that reused the pid.
    expect(isRecordedApp({ ...record, startTicks: record.startTicks + 1 })).toBe(false);
    // An unrelated process (sleep) at the recorded start time of its own: not our launcher.
    const other = spawn("sleep", ["600"], { detached: true, stdio: "ignore" });
    started.push(other);
    const impostor: AppRecord = { ...record, pid: other.pid!, startTicks: startTicks(other.pid!)! };
    expect(isRecordedApp(impostor)).toBe(false);
    expect(killRecordedApp(impostor)).toBe(false);
    expect(processAlive(other.pid!)).toBe(true);
    // The app itself: killed with its group.
    expect(killRecordedApp(record)).toBe(true);
    await until("the app gone", () => !processAlive(record.pid));
  });

  it("at a kernel's start, the apps of kernels that are gone are stopped and their files removed; a live kernel's are left", async () => {
    const data = mkdtempSync(join(tmpdir(), "luci-apps-data-"));
    const env = { XDG_DATA_HOME: data };
    const dir = mkdtempSync(join(tmpdir(), "luci-apps-prog-"));
    const orphan = launchApp(dir, 40002);
    const kept = launchApp(dir, 40003);
    await until("both launched", () => isRecordedApp(orphan.record) && isRecordedApp(kept.record));
    writeKernelApps(env, "dead-kernel", { kernel: { pid: await deadPid(), startTicks: 1 }, apps: [orphan.record] });
    writeKernelApps(env, "live-kernel", { kernel: { pid: process.pid, startTicks: startTicks(process.pid) }, apps: [kept.record] });
    expect(readKernelApps(appsFile(env, "dead-kernel"))?.apps).toHaveLength(1);

    expect(stopOrphanedApps(env)).toBe(1);
    await until("the orphan gone", () => !processAlive(orphan.record.pid));
    expect(existsSync(appsFile(env, "dead-kernel"))).toBe(false);
    expect(existsSync(orphan.record.program)).toBe(false);
    expect(processAlive(kept.record.pid)).toBe(true);
    expect(existsSync(appsFile(env, "live-kernel"))).toBe(true);
    // A restarted kernel under luci serve has the old one's id: that file is the old kernel's.
    expect(stopOrphanedApps(env, "live-kernel")).toBe(1);
    await until("the restarted kernel's old app gone", () => !processAlive(kept.record.pid));
  });

  it("refuses kernel keys that could leave the apps folder", () => {
    expect(() => appsFile({ XDG_DATA_HOME: "/tmp" }, "../../etc/passwd")).toThrow(/not a kernel key/);
  });
});

describe("ports, output and imports", () => {
  it("a free loopback port can be bound at once", async () => {
    const port = await freeLoopbackPort();
    const server = createServer();
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen(port, "127.0.0.1", ok);
    });
    await new Promise((ok) => server.close(ok));
  });

  it("the output tail keeps the last lines, a line still being written included", () => {
    const tail = new OutputTail(3);
    tail.add("one\ntwo\nthr");
    tail.add("ee\nfour\nfive\nsix");
    // Three whole lines kept, then the one still being written.
    expect(tail.last(10)).toEqual(["three", "four", "five", "six"]);
    expect(tail.last(2)).toEqual(["five", "six"]);
  });

  it("an app's imports are sent to the scan as dead code, a __future__ import left out", () => {
    const code = "from __future__ import annotations\nimport flask\n\napp = flask.Flask(__name__)";
    expect(importsOnly(code)).toBe("if False:\n    pass\n    import flask\n    \n    app = flask.Flask(__name__)\n");
  });
});

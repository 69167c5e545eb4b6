// The link a web app's cell shows (kernel/apps/app-links.ts): luci serve's proxy path when the
// server named the kernel, LUCI_APP_URL when set, jupyter-server-proxy's /proxy/<port>/ when the
// Python of the Jupyter server that started the kernel can import it, else loopback.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { appLink } from "../../../kernel/apps/app-links.js";
import { ROOT } from "../../support/kernel-process.js";
import { until } from "./web-app-support.js";

const PYTHON = join(ROOT, ".venv", "bin", "python");
const parents: ChildProcess[] = [];
afterEach(() => {
  for (const p of parents.splice(0)) p.kill("SIGKILL");
});

/** A Python process standing for the Jupyter server that started the kernel (once it runs Python, not the fork). */
async function jupyterServer(): Promise<ChildProcess> {
  const child = spawn(PYTHON, ["-c", "import time; time.sleep(60)"], { stdio: "ignore" });
  parents.push(child);
  await until("the exec", () => readFileSync(`/proc/${child.pid}/cmdline`, "utf8").startsWith(PYTHON));
  return child;
}

describe("the link of a web app", () => {
  it("under luci serve: the proxy's path on the page's origin, and the prefix for SCRIPT_NAME", async () => {
    const link = await appLink({ LUCI_SERVER_KERNEL_ID: "0b7c-42" }, 3, 45678);
    expect(link).toEqual({ url: "/luci/apps/0b7c-42/3/", basePath: "/luci/apps/0b7c-42/3" });
  });

  it("LUCI_APP_URL, with {port} filled in", async () => {
    expect(await appLink({ LUCI_APP_URL: "https://hub.example/user/me/proxy/{port}/" }, 1, 45678)).toEqual({
      url: "https://hub.example/user/me/proxy/45678/",
    });
  });

  it("in Jupyter: /proxy/<port>/ where the server's Python has jupyter-server-proxy, else loopback", async () => {
    const without = await jupyterServer();
    expect(await appLink({ JPY_PARENT_PID: String(without.pid) }, 1, 45678)).toEqual({ url: "http://127.0.0.1:45678/" });
    // A package of that name importable by the server's Python (here through PYTHONPATH).
    const site = mkdtempSync(join(tmpdir(), "luci-jsp-"));
    mkdirSync(join(site, "jupyter_server_proxy"));
    writeFileSync(join(site, "jupyter_server_proxy", "__init__.py"), "");
    const withProxy = await jupyterServer();
    expect(await appLink({ JPY_PARENT_PID: String(withProxy.pid), PYTHONPATH: site }, 1, 45678)).toEqual({ url: "/proxy/45678/" });
  });

  it("elsewhere: the app itself on loopback", async () => {
    expect(await appLink({}, 1, 45678)).toEqual({ url: "http://127.0.0.1:45678/" });
  });
});

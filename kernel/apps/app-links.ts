// The link a web app's cell shows. Under `luci serve` (which tells its kernels their id,
// LUCI_SERVER_KERNEL_ID): its own proxy, /luci/apps/<kernel>/<app>/, on the page's origin and
// behind its token, so the app works when the server is reached remotely. Else LUCI_APP_URL when
// set. Else, in Jupyter with jupyter-server-proxy installed (looked up once: the Python that runs
// the Jupyter server, the kernel's parent, can import it), /proxy/<port>/. Else the app itself on
// loopback, http://127.0.0.1:<port>/.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { setting } from "../common/settings.js";

/** The path `luci serve` proxies a kernel's app under (no trailing slash). Shared with server/apps/. */
export function appProxyPath(kernelId: string, appId: number): string {
  return `/luci/apps/${kernelId}/${appId}`;
}

export interface AppLink {
  url: string;
  /** The prefix the app is served under, for SCRIPT_NAME (only through luci serve's proxy). */
  basePath?: string;
}

/** Whether jupyter-server-proxy is there, by the Jupyter server's pid (looked up once). */
const jupyterProxy = new Map<string, Promise<boolean>>();

export async function appLink(env: NodeJS.ProcessEnv, appId: number, port: number): Promise<AppLink> {
  const kernelId = setting(env, "LUCI_SERVER_KERNEL_ID");
  if (kernelId) {
    const basePath = appProxyPath(kernelId, appId);
    return { url: `${basePath}/`, basePath };
  }
  const template = setting(env, "LUCI_APP_URL");
  if (template) return { url: template.replaceAll("{port}", String(port)) };
  const parent = env.JPY_PARENT_PID ?? "";
  if (!jupyterProxy.has(parent)) jupyterProxy.set(parent, jupyterServerProxyInstalled(env));
  if (await jupyterProxy.get(parent)) return { url: `/proxy/${port}/` };
  return { url: `http://127.0.0.1:${port}/` };
}

/** Whether the Python of the Jupyter server that started this kernel can import jupyter_server_proxy. */
function jupyterServerProxyInstalled(env: NodeJS.ProcessEnv): Promise<boolean> {
  const parent = Number(env.JPY_PARENT_PID);
  if (!Number.isInteger(parent) || parent <= 1) return Promise.resolve(false);
  // Its command line as started (a venv's bin/python, which /proc/PID/exe would resolve past).
  let python: string;
  try {
    python = readFileSync(`/proc/${parent}/cmdline`, "utf8").split("\0")[0] ?? "";
  } catch {
    return Promise.resolve(false);
  }
  if (!/python[\d.]*$/.test(python)) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile(python, ["-c", "import jupyter_server_proxy"], { timeout: 10_000, env }, (err) => resolve(!err));
  });
}

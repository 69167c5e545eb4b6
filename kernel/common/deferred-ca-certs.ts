// Node 20 reads the file named by NODE_EXTRA_CA_CERTS at process start, before any code
// runs: about 40 ms on a machine with a large bundle, on every kernel start, although the
// kernel makes no TLS connection to answer Jupyter. The kernelspec therefore starts the
// kernel with NODE_EXTRA_CA_CERTS empty and the user's value in LUCI_NODE_EXTRA_CA_CERTS;
// here it is put back for the processes the kernel starts (the worker and user code see the
// environment as it was), and code of the kernel's own that opens TLS connections adds
// extraCaCertificates() to its trust store.
import { readFileSync } from "node:fs";
import { setting, type SettingName } from "./settings.js";

export const DEFERRED_VARIABLE = "LUCI_NODE_EXTRA_CA_CERTS" satisfies SettingName;

/** The user's NODE_EXTRA_CA_CERTS path, if there was one (jupyter_client leaves ${VAR} as is when unset). */
export function deferredCaCertsPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = setting(env, DEFERRED_VARIABLE);
  return value && !value.startsWith("${") ? value : undefined;
}

/** Restores NODE_EXTRA_CA_CERTS in this process's environment, for child processes. */
export function restoreCaCertsForChildren(env: NodeJS.ProcessEnv = process.env): void {
  const path = deferredCaCertsPath(env);
  delete env[DEFERRED_VARIABLE];
  if (path) env.NODE_EXTRA_CA_CERTS = path;
  else if (env.NODE_EXTRA_CA_CERTS === "") delete env.NODE_EXTRA_CA_CERTS;
}

/** The extra certificates (PEM text) for TLS connections the kernel itself makes. */
export function extraCaCertificates(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.NODE_EXTRA_CA_CERTS;
  if (!path) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

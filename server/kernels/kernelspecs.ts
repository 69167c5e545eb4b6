// The kernelspecs this server offers: Luci itself, and Luci with each notebook in its own
// container. They are built from the same kernel.json `luci install` writes (kernel/cli), so
// the command line, the environment and the interrupt mode stay the same in both places. They
// carry no defaults of `luci install`'s: a kernel reads its settings from the server's
// environment, and finds uv by itself (kernel/environments/settings.ts, findUv).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { KERNEL_VARIANTS, kernelJson, type KernelJson } from "../../kernel/cli/kernelspec.js";
import { packageRoot } from "../../kernel/common/package-root.js";

export interface Kernelspec {
  name: string;
  spec: KernelJson;
  /** Folder of the resources (logos) served under /kernelspecs/{name}/. */
  resourceDir: string;
}

export const DEFAULT_KERNEL = KERNEL_VARIANTS[0].name;

export function kernelspecs(): Map<string, Kernelspec> {
  const resourceDir = join(packageRoot(), "kernel", "cli", "assets");
  return new Map(KERNEL_VARIANTS.map((variant) => [variant.name, { name: variant.name, spec: kernelJson({}, variant), resourceDir }]));
}

/** The resource links of a spec, as jupyter_server lists them: {"logo-64x64": "/kernelspecs/luci/logo-64x64.png"}. */
export function resourceLinks(spec: Kernelspec): Record<string, string> {
  const links: Record<string, string> = {};
  if (!existsSync(spec.resourceDir)) return links;
  for (const file of readdirSync(spec.resourceDir).sort()) {
    const key = file.replace(/\.[^.]+$/, "");
    links[key] = `/kernelspecs/${encodeURIComponent(spec.name)}/${encodeURIComponent(file)}`;
  }
  return links;
}

/** ${VAR} in a kernelspec's env is replaced with the server's own variable, as jupyter_client does. */
export function expandEnv(env: Record<string, string>, from: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    out[key] = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => from[name] ?? whole);
  }
  return out;
}

// Starting real kernels on notebooks with their own environments, against a package index of
// the test's own on loopback (test/support/package-index.ts), with uv from the project's venv.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message } from "../../../kernel/protocol/messages.js";
import { ROOT, startKernel, type StartedKernel } from "../../support/kernel-process.js";
import { displayData } from "../../support/kernel-client.js";

export const UV = process.env.LUCI_UV || join(ROOT, ".venv", "bin", "uv");

/** The notebook environments (venv folders) in an environments folder. */
export function environmentFolders(envs: string): string[] {
  return readdirSync(envs).filter((name) => name.startsWith("luci_") && !name.endsWith(".lock"));
}

/** A folder for notebooks and one for their environments. */
export function workspace(): { notebooks: string; envs: string } {
  const base = mkdtempSync(join(tmpdir(), "luci-envtest-"));
  const notebooks = join(base, "notebooks");
  mkdirSync(notebooks);
  return { notebooks, envs: join(base, "envs") };
}

/** Writes a minimal notebook file (the identity rule looks for .ipynb files). */
export function writeNotebook(folder: string, name: string, cells: string[] = []): string {
  const path = join(folder, name);
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } },
    cells: cells.map((source, i) => ({ id: `c${i}`, cell_type: "code", source, metadata: {}, outputs: [], execution_count: null })),
  };
  writeFileSync(path, JSON.stringify(notebook));
  return path;
}

export function startNotebookKernel(options: {
  notebooks: string;
  envs: string;
  session?: string;
  indexUrl?: string;
  extraIndexUrl?: string;
  env?: Record<string, string>;
}): Promise<StartedKernel> {
  if (!existsSync(UV)) throw new Error(`uv is needed at ${UV} (bash .ci/run installs it into .venv)`);
  return startKernel({
    cwd: options.notebooks,
    env: {
      LUCI_EXECUTOR: "venv",
      LUCI_ENV_DIR: options.envs,
      LUCI_UV: UV,
      ...(options.session ? { JPY_SESSION_NAME: options.session } : {}),
      ...(options.indexUrl ? { LUCI_INDEX_URL: options.indexUrl } : {}),
      ...(options.extraIndexUrl ? { LUCI_EXTRA_INDEX_URL: options.extraIndexUrl } : {}),
      ...options.env,
    },
  });
}

/** The text of every environment progress display of a cell, as shown and as updated. */
export function progressText(iopub: Message[]): string {
  return displayData(iopub)
    .map((d) => (typeof d["text/plain"] === "string" ? d["text/plain"] : ""))
    .join("\n");
}

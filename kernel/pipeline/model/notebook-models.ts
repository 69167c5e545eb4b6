// `%luci model ...` is remembered per notebook: the next kernel on the same notebook (after a
// restart, or under nbconvert on this machine) uses the same model. Kept in the user's Luci data
// folder, keyed by the notebook's path; never an API key (those stay in the environment).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { withLock } from "../../environments/file-lock.js";
import type { ModelOverrides } from "./settings.js";

type Remembered = Pick<ModelOverrides, "model" | "baseUrl" | "temperature" | "maxTokens">;

function stateFile(env: NodeJS.ProcessEnv): string {
  const dir = env.LUCI_STATE_DIR || join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "luci");
  return join(dir, "notebook-models.json");
}

function readAll(file: string): Record<string, Remembered> {
  try {
    const parsed: unknown = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, Remembered>) : {};
  } catch {
    return {}; // an unreadable file only means no remembered model
  }
}

export function rememberedModel(notebookPath: string | undefined, env: NodeJS.ProcessEnv = process.env): Remembered {
  if (!notebookPath) return {};
  return readAll(stateFile(env))[notebookPath] ?? {};
}

export async function rememberModel(notebookPath: string, overrides: ModelOverrides, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = stateFile(env);
  mkdirSync(join(file, ".."), { recursive: true });
  const { model, baseUrl, temperature, maxTokens } = overrides;
  await withLock(`${file}.lock`, async () => {
    const all = readAll(file);
    all[notebookPath] = JSON.parse(JSON.stringify({ model, baseUrl, temperature, maxTokens })) as Remembered;
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(all, null, 2) + "\n");
    renameSync(temporary, file);
  });
}

// Luci's folder in the user's data folder ($XDG_DATA_HOME/luci, else ~/.local/share/luci), where
// what outlives a kernel is kept by default: trust keys, notebook settings, environments of an
// installed copy, models, the model server's runtime file, uv. One place, so that every part of
// Luci agrees on it.
import { homedir } from "node:os";
import { join } from "node:path";

export function luciDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share"), "luci");
}

// Luci's version, as package.json states it (read once, at start).
import { join } from "node:path";
import { isObject, readJson } from "./json-file.js";
import { packageRoot } from "./package-root.js";

const manifest = readJson(join(packageRoot(), "package.json"));

export const VERSION: string = isObject(manifest) && typeof manifest.version === "string" ? manifest.version : "unknown";

// The folder `luci serve` serves when no --root is given (and so `npm start`): the user's own,
// LUCI_NOTEBOOK_DIR, else ~/luci-notebooks, never the checkout's notebooks/. It is made on
// first start and given copies of the example notebooks, so that running and saving them
// writes into the user's folder and not into the tracked files.
//
// An example is offered once: the names already copied are kept in a hidden file in the folder,
// so an example the user deleted does not come back, and one added to a later Luci arrives at
// the next start. A file of the user's is never overwritten (the copy is exclusive).
import { constants, copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { setting } from "../kernel/common/settings.js";
import { packageRoot } from "../kernel/common/package-root.js";
import { errorCode } from "../kernel/common/errors.js";
import { isObject, readJson, writeJsonAtomic } from "../kernel/common/json-file.js";

/** The hidden file that lists the examples already offered to this folder. */
export const OFFERED_FILE = ".luci-examples.json";

/** What preparing the folder did, for the start-up lines. */
export interface NotebookFolder {
  folder: string;
  /** The folder did not exist and was made. */
  created: boolean;
  /** Examples copied in this time. */
  copied: string[];
}

/** The folder `luci serve` serves with no --root. */
export function defaultNotebookFolder(env: NodeJS.ProcessEnv = process.env): string {
  return setting(env, "LUCI_NOTEBOOK_DIR") ?? join(env.HOME || homedir(), "luci-notebooks");
}

/** The example notebooks shipped with Luci (its notebooks/ folder). */
function exampleNotebooks(examples = join(packageRoot(), "notebooks")): string[] {
  try {
    return readdirSync(examples)
      .filter((name) => name.endsWith(".ipynb"))
      .sort();
  } catch (err) {
    if (errorCode(err) === "ENOENT") return [];
    throw err;
  }
}

/**
 * Makes the folder if it is missing and copies in each example not offered to it before and
 * not already there. Throws only when the folder cannot be made.
 */
export function prepareNotebookFolder(folder: string, examples = join(packageRoot(), "notebooks")): NotebookFolder {
  const created = !existsSync(folder);
  mkdirSync(folder, { recursive: true });
  const offeredPath = join(folder, OFFERED_FILE);
  const offered = new Set(readOffered(offeredPath));
  const before = offered.size;
  const copied: string[] = [];
  for (const name of exampleNotebooks(examples)) {
    if (offered.has(name)) continue;
    offered.add(name);
    try {
      copyFileSync(join(examples, name), join(folder, name), constants.COPYFILE_EXCL);
      copied.push(name);
    } catch (err) {
      if (errorCode(err) !== "EEXIST") throw err; // the user's own file of that name stays
    }
  }
  if (offered.size > before) writeJsonAtomic(offeredPath, { offered: [...offered].sort() });
  return { folder, created, copied };
}

function readOffered(path: string): string[] {
  const value = readJson(path);
  const offered = isObject(value) ? value.offered : undefined;
  return Array.isArray(offered) ? offered.filter((n): n is string => typeof n === "string") : [];
}

/** The start-up line about the folder, when something was made or copied. */
export function describeNotebookFolder(prepared: NotebookFolder): string | undefined {
  const names = prepared.copied.join(", ");
  if (prepared.created) {
    return `Made ${prepared.folder} for your notebooks${names ? `, with the examples ${names}` : ""} (--root DIR or LUCI_NOTEBOOK_DIR serves another folder)`;
  }
  if (names) return `Copied the new ${prepared.copied.length === 1 ? "example" : "examples"} ${names} into ${prepared.folder}`;
  return undefined;
}

// Whether a notebook is someone else's that the user has not trusted: it holds recorded code that
// is neither the user's (signed with their key) nor trusted by them (trust.ts). Such a notebook
// may not choose what the user's machine installs from its folder, nor where the user's key and
// the notebook's context are sent. A notebook the user made holds only their own records (or
// none yet, when new): it is trusted as it always was. A notebook that cannot be read is judged
// untrusted (the gate fails closed); one that does not exist yet (a new, unsaved notebook) holds
// nothing foreign.
import { basename } from "node:path";
import { errorCode, errorMessage } from "../../common/errors.js";
import { readNotebookRecords } from "./notebook-records.js";
import type { LuciRecord } from "./record.js";
import { defaultTrustStore, type TrustStore } from "./trust.js";

interface ForeignRecord {
  record: LuciRecord;
  path: string;
  /** The cell's place in the notebook, counting from 1 as a person does. */
  cell: number;
}

interface NotebookTrust {
  /** Records someone else made that the user has not trusted (or that were edited in the file). */
  foreign: ForeignRecord[];
  /** Notebooks that could not be read, and why: nothing in them can be vouched for. */
  unreadable: { path: string; reason: string }[];
}

/** The foreign records of these notebooks, as the user's trust store judges them now. */
export function notebookTrust(paths: readonly string[], store: TrustStore = defaultTrustStore()): NotebookTrust {
  const trust: NotebookTrust = { foreign: [], unreadable: [] };
  for (const path of paths) {
    let cells;
    try {
      cells = readNotebookRecords(path).cells;
    } catch (err) {
      if (errorCode(err) === "ENOENT") continue; // a new notebook, not saved yet: nothing in it
      trust.unreadable.push({ path, reason: errorMessage(err) });
      continue;
    }
    for (const cell of cells)
      for (const record of cell.records) if (store.verify(record) === "untrusted") trust.foreign.push({ record, path, cell: cell.index + 1 });
  }
  return trust;
}

/**
 * Why the notebooks are not trusted, in words ("shared.ipynb holds 2 recorded programs made by
 * ann@laptop that you have not trusted"); undefined when they are.
 */
export function untrustedReason(trust: NotebookTrust): string | undefined {
  if (trust.unreadable.length > 0) {
    const [first] = trust.unreadable;
    return `${first!.path} could not be read to see who made its recorded code (${first!.reason})`;
  }
  if (trust.foreign.length === 0) return undefined;
  const notebooks = [...new Set(trust.foreign.map((f) => basename(f.path)))];
  const authors = [...new Set(trust.foreign.map((f) => f.record.author))].join(", ");
  const count = trust.foreign.length;
  return `${notebooks.join(", ")} ${notebooks.length > 1 ? "hold" : "holds"} ${count} recorded ${count === 1 ? "program" : "programs"} made by ${authors} that you have not trusted`;
}

/** One line per foreign record, for the question `%luci trust` asks. */
export function describeForeign(trust: NotebookTrust): string {
  return trust.foreign
    .map(
      ({ record, cell }) =>
        `  cell ${cell}: ${JSON.stringify(record.task.slice(0, 80))}, by ${record.author} (${record.model}, ${record.created.slice(0, 10)})`,
    )
    .join("\n");
}

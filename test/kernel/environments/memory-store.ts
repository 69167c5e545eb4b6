// The environment registry kept in memory (NotebookEnvironment's store for in-process tests), and
// a record as the registry keeps one.
import { notebookIdentity } from "../../../kernel/environments/notebook-identity.js";
import type { EnvironmentRecord, EnvironmentStore } from "../../../kernel/environments/registry.js";

export class MemoryStore implements EnvironmentStore {
  readonly records: Record<string, EnvironmentRecord> = {};
  get(key: string) {
    return this.records[key];
  }
  list() {
    return Object.values(this.records);
  }
  update<T>(change: (environments: Record<string, EnvironmentRecord>) => T): Promise<T> {
    return Promise.resolve(change(this.records));
  }
}

/** A ready environment's record for a notebook, as the registry keeps it; `fields` change any part. */
export function readyRecord(notebook: string, fields: Partial<EnvironmentRecord> = {}): EnvironmentRecord {
  const identity = notebookIdentity(notebook);
  const now = new Date().toISOString();
  return {
    key: identity.key,
    name: identity.environmentName,
    notebook: identity.key,
    interpreter: "python3",
    python_version: "3.11.7",
    packages: {},
    requested: [],
    state: "ready",
    tool: "uv",
    created: now,
    last_used: now,
    ...fields,
  };
}

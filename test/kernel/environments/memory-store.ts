// The environment registry kept in memory: NotebookEnvironment's store for in-process tests.
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

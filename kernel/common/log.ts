// Kernel log lines go to stderr, where Jupyter servers and nbconvert collect a kernel's log.
// Repeated warnings of one kind are summarised, so a flood of bad input cannot flood the log.

type Level = "debug" | "info" | "warn" | "error";

const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const wanted = process.env.LUCI_LOG_LEVEL ?? "info";
const threshold: number = isLevel(wanted) ? ORDER[wanted] : ORDER.info;

function isLevel(name: string): name is Level {
  return Object.hasOwn(ORDER, name);
}

export function log(level: Level, message: string): void {
  if (ORDER[level] < threshold) return;
  process.stderr.write(`[luci ${level} ${new Date().toISOString()}] ${message}\n`);
}

/** Logs the first `burst` events of a kind in full, then one summary line per `every` events. */
export class RateLimitedLog {
  private count = 0;

  constructor(
    private readonly what: string,
    private readonly burst = 10,
    private readonly every = 100,
  ) {}

  warn(detail: string): void {
    this.count += 1;
    if (this.count <= this.burst) log("warn", `${this.what}: ${detail}`);
    else if (this.count % this.every === 0) log("warn", `${this.what}: ${this.count} so far (latest: ${detail})`);
  }
}

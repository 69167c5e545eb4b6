// Kernel log lines go to stderr, where Jupyter servers and nbconvert collect a kernel's log.
// Repeated warnings of one kind are summarised, so a flood of bad input cannot flood the log.
// The least important level written is LUCI_LOG_LEVEL (settings.ts), read at each line so that a
// test can set it per kernel; a value that is not a level is said once, and info is used.
import { readSetting } from "./settings.js";

type Level = "debug" | "info" | "warn" | "error";

const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let badLevelSaid = false;

function threshold(): number {
  const level = readSetting(process.env, "LUCI_LOG_LEVEL");
  if (level.ok) return ORDER[level.value];
  if (!badLevelSaid) {
    badLevelSaid = true;
    write("warn", `${level.message}; using info`);
  }
  return ORDER.info;
}

export function log(level: Level, message: string): void {
  if (ORDER[level] >= threshold()) write(level, message);
}

function write(level: Level, message: string): void {
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

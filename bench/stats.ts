// Shared by the benchmarks written in TypeScript: summary statistics (milliseconds, two
// decimals) and their sizes from the environment.

export interface Stats {
  n: number;
  median: number | null;
  p95: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
}

export const r2 = (v: number): number => Math.round(v * 100) / 100;

export function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { n, median: null, p95: null, min: null, max: null, mean: null };
  const median = n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  const p95 = s[Math.min(n - 1, Math.ceil(0.95 * n) - 1)]!; // nearest rank
  return { n, median: r2(median), p95: r2(p95), min: r2(s[0]!), max: r2(s[n - 1]!), mean: r2(s.reduce((a, b) => a + b, 0) / n) };
}

/** A size from the environment (LUCI_BENCH_*): a positive whole number, else the default. */
export function intEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

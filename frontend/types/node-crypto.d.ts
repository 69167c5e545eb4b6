// The page reuses the kernel's parser for `{name=value}` parameters
// (kernel/pipeline/records/parameters.ts). That file imports only a type from records/json.ts,
// which esbuild drops; tsc still reads json.ts, whose `node:crypto` import this declares so the
// page can be checked without Node's types. Nothing here reaches the bundle.
declare module "node:crypto" {
  export function createHash(algorithm: string): { update(data: string, encoding?: string): { digest(encoding: string): string } };
}

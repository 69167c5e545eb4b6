// Installing what a notebook imports, through the cascade: the notebook's pinned version, then
// the mapped distribution name, then the plain name, then the extra index where one is
// configured; a failure lists what was tried. Names that look invented are never guessed.
import { InstallError } from "./installer.js";
import type { NotebookEnvironment } from "./notebook-environment.js";
import { requirementName } from "./notebook-environment.js";
import { normaliseDistribution, resolveImport } from "./package-names.js";
import type { Progress } from "./progress.js";

export interface Attempt {
  spec: string;
  extraIndex: boolean;
}

export interface ImportFailure {
  importName: string;
  reason: string;
  tried: string[];
}

export interface ImportInstallResult {
  installed: { importName: string; spec: string; version?: string }[];
  failed: ImportFailure[];
}

/** The attempts for one import name, in cascade order; or the reason it is not installed. */
export function cascadeFor(env: NotebookEnvironment, importName: string): Attempt[] | string {
  const resolution = resolveImport(importName);
  if (resolution.kind === "refused") return resolution.reason;
  const names = [resolution.distribution];
  const plain = normaliseDistribution(importName.split(".")[0]!);
  if (!names.includes(plain)) names.push(plain);
  const attempts: Attempt[] = [];
  const pin = pinnedSpec(env, names);
  if (pin) attempts.push({ spec: pin, extraIndex: false });
  for (const name of names) attempts.push({ spec: name, extraIndex: false });
  if (env.settings.extraIndexUrl) attempts.push({ spec: names[names.length - 1]!, extraIndex: true });
  return attempts;
}

export async function installImports(env: NotebookEnvironment, importNames: string[], progress: Progress, signal?: AbortSignal): Promise<ImportInstallResult> {
  const result: ImportInstallResult = { installed: [], failed: [] };
  const plans = new Map<string, Attempt[]>();
  for (const name of importNames) {
    const plan = cascadeFor(env, name);
    if (typeof plan === "string") result.failed.push({ importName: name, reason: plan, tried: [] });
    else plans.set(name, plan);
  }
  if (plans.size === 0) return result;

  await installByCascade(env, plans, progress, result, signal);
  const packages = env.record?.packages ?? {};
  for (const item of result.installed) item.version = packages[requirementName(item.spec)];
  return result;
}

/**
 * Every name's first choice in one resolver run (the fast path); if that fails, each name down
 * its cascade, one install at a time. Each install goes through the environment's one install
 * path (its lock, a progress line, the requirement remembered).
 */
async function installByCascade(
  env: NotebookEnvironment,
  plans: Map<string, Attempt[]>,
  progress: Progress,
  result: ImportInstallResult,
  signal?: AbortSignal,
): Promise<void> {
  const first = [...plans.entries()].map(([name, plan]) => ({ name, spec: plan[0]!.spec }));
  const specs = first.map((f) => f.spec);
  try {
    await env.install(specs, progress, { signal, describe: (packages) => versionsOf(specs, packages) });
    for (const f of first) result.installed.push({ importName: f.name, spec: f.spec });
    return;
  } catch (err) {
    if (!(err instanceof InstallError)) throw err;
    if (plans.size === 1 && plans.values().next().value!.length === 1) {
      const [name] = plans.keys();
      result.failed.push({ importName: name!, reason: lastLine(err.output) || err.message, tried: [first[0]!.spec] });
      return;
    }
  }
  for (const [name, plan] of plans) {
    const tried: string[] = [];
    let lastError = "";
    for (const attempt of plan) {
      const where = attempt.extraIndex ? " from the extra index" : "";
      tried.push(attempt.spec + where);
      try {
        await env.install([attempt.spec], progress, {
          label: `Installing ${attempt.spec}${where}`,
          extraIndex: attempt.extraIndex,
          signal,
          describe: (packages) => versionsOf([attempt.spec], packages),
        });
        result.installed.push({ importName: name, spec: attempt.spec });
        lastError = "";
        break;
      } catch (err) {
        if (!(err instanceof InstallError)) throw err;
        lastError = lastLine(err.output) || err.message;
      }
    }
    if (lastError) result.failed.push({ importName: name, reason: lastError, tried });
  }
}

/** "pandas 2.2.3, numpy 2.1.0" for the requested distributions. */
function versionsOf(specs: string[], packages: Record<string, string>): string {
  return specs
    .map((spec) => requirementName(spec))
    .map((name) => (packages[name] ? `${name} ${packages[name]}` : name))
    .join(", ");
}

/** A version the notebook has recorded for one of these distributions (requirements, an import, a rebuild). */
function pinnedSpec(env: NotebookEnvironment, names: string[]): string | undefined {
  const record = env.record;
  if (!record) return undefined;
  for (const spec of record.requested) {
    if (names.includes(requirementName(spec)) && /[=<>~!]/.test(spec)) return spec.trim();
  }
  for (const name of names) {
    const version = record.packages[name];
    if (version) return `${name}==${version}`;
  }
  return undefined;
}

function lastLine(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-3).join(" ").slice(0, 400);
}

/** Words for the cell when imports could not be installed. */
export function describeFailures(failed: ImportFailure[]): string {
  return failed
    .map((f) =>
      f.tried.length === 0
        ? `${f.importName}: not installed, because ${f.reason}`
        : `${f.importName}: could not be installed (tried ${f.tried.join(", then ")}): ${f.reason}`,
    )
    .join("\n");
}

// `luci env rm` and `luci env gc`: removing environments, each under its own lock and the
// registry's, so that a kernel installing into one finishes first.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { LockTimeoutError } from "../../common/file-lock.js";
import { liveKernels, type EnvironmentRecord } from "../../environments/registry.js";
import { CommandError, diskUsage, environmentFolders, findTarget, formatBytes, plural, removeEnvironment, staleReason, type Context } from "./common.js";

export async function rm(ctx: Context, arg: string, options: { yes: boolean }): Promise<number> {
  const target = findTarget(ctx, arg, { leftovers: true });
  const what = target.record ? `the environment of ${target.record.key}` : "a leftover folder with no registry record";
  if (!options.yes) {
    if (!process.stdin.isTTY) {
      throw new CommandError(`not removing ${target.name} without confirmation: there is no terminal to ask on, so pass --yes`);
    }
    const size = existsSync(target.dir) ? formatBytes(diskUsage(target.dir)) : "no folder";
    if (!(await confirm(`Remove ${target.name}, ${what} (${size})? [y/N] `))) {
      ctx.out("Nothing removed.\n");
      return 0;
    }
  }
  const freed = await removeEnvironment(ctx, target.name, {
    lock: { onWait: (owner) => ctx.err(`Waiting for ${owner}, which is working on ${target.name}…\n`) },
  });
  ctx.out(`Removed ${target.name}, ${what}; freed ${formatBytes(freed ?? 0)}.\n`);
  return 0;
}

interface Garbage {
  name: string;
  reason: string;
  /** Still garbage, judged again under the locks. */
  stillWanted: (records: EnvironmentRecord[]) => boolean;
}

export async function gc(ctx: Context, options: { dryRun: boolean }): Promise<number> {
  const records = ctx.registry.list();
  const garbage: Garbage[] = [];
  let kept = 0;
  for (const record of records) {
    const reason = staleReason(record);
    if (!reason) continue;
    // A kernel still running on it (its notebook renamed or deleted while open): it is in use.
    const users = liveKernels(record);
    if (users.length > 0) {
      kept++;
      ctx.out(`Kept ${record.name}: ${reason}, but a running kernel uses it (${users.map((u) => `pid ${u.pid}`).join(", ")})\n`);
      continue;
    }
    garbage.push({
      name: record.name,
      reason,
      // Under the locks: the same record, still stale, and no kernel took it up meanwhile.
      stillWanted: (now) => now.some((r) => r.key === record.key && r.name === record.name && liveKernels(r).length === 0) && staleReason(record) !== undefined,
    });
  }
  const named = new Set(records.map((r) => r.name));
  for (const name of environmentFolders(ctx.settings.dir)) {
    if (named.has(name)) continue;
    garbage.push({ name, reason: "a leftover folder with no registry record", stillWanted: (now) => !now.some((r) => r.name === name) });
  }
  if (garbage.length === 0) {
    ctx.out(
      kept > 0
        ? `Nothing to remove in ${ctx.settings.dir}: every environment is in use or its notebook exists, and every folder has a record.\n`
        : `Nothing to remove in ${ctx.settings.dir}: every environment's notebook exists and every folder has a record.\n`,
    );
    return 0;
  }

  let freed = 0;
  let removed = 0;
  let skipped = 0;
  for (const item of garbage) {
    const dir = join(ctx.settings.dir, item.name);
    if (options.dryRun) {
      const size = existsSync(dir) ? diskUsage(dir) : 0;
      freed += size;
      removed++;
      ctx.out(`Would remove ${item.name}: ${item.reason} (${formatBytes(size)})\n`);
      continue;
    }
    try {
      const size = await removeEnvironment(ctx, item.name, {
        stillWanted: item.stillWanted,
        lock: { timeoutMs: 10_000, onWait: (owner) => ctx.err(`Waiting for ${owner}, which is working on ${item.name}…\n`) },
      });
      if (size === undefined) {
        ctx.out(`Kept ${item.name}: it is in use again\n`);
        continue;
      }
      freed += size;
      removed++;
      ctx.out(`Removed ${item.name}: ${item.reason} (${formatBytes(size)})\n`);
    } catch (err) {
      if (!(err instanceof LockTimeoutError)) throw err;
      skipped++;
      ctx.err(`Skipped ${item.name}: another process is still working on it\n`);
    }
  }
  const summary = options.dryRun
    ? `Would remove ${plural(removed, "environment")} from ${ctx.settings.dir}, freeing ${formatBytes(freed)} (run without --dry-run to remove them).`
    : `Removed ${plural(removed, "environment")} from ${ctx.settings.dir}, freed ${formatBytes(freed)}.`;
  ctx.out(summary + "\n");
  if (skipped > 0)
    throw new CommandError(`${plural(skipped, "environment")} could not be removed because another process was working on them; run luci env gc again later`);
  return 0;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

// `luci env import SPEC.json`: the environment a spec describes (from `luci env export`),
// built for a notebook on this machine. The registry record is written first with the spec's
// packages and marked unfinished, then NotebookEnvironment builds it as it repairs any
// environment: a fresh venv and exactly those pinned versions.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { errorCode, errorMessage } from "../../common/errors.js";
import { isObject } from "../../common/json-file.js";
import type { OutputSink } from "../../common/output-sink.js";
import type { MimeBundle } from "../../protocol/messages.js";
import { withLock } from "../../common/file-lock.js";
import { InstallError } from "../../environments/installer.js";
import { NotebookEnvironment } from "../../environments/notebook-environment.js";
import { folderIdentity, notebookIdentity, type NotebookIdentity } from "../../environments/notebook-identity.js";
import { Progress } from "../../environments/progress.js";
import { CommandError, isDirectory, plural, sortedObject, UsageError, type Context } from "./common.js";
import type { EnvironmentSpec } from "./inspect.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.+!_-]*$/;

export async function importSpec(ctx: Context, specArg: string, options: { notebook?: string }): Promise<number> {
  const specFile = resolve(ctx.cwd, specArg);
  const spec = readSpec(specFile);
  // The environment's folder name is the registry's (a notebook renamed since keeps its first name).
  const env = new NotebookEnvironment(ctx.settings, identityFor(ctx, spec, options.notebook));
  const identity = env.identity;
  const pins = Object.keys(spec.packages).length;
  ctx.out(`Importing ${basename(specFile)} into ${identity.environmentName} for ${identity.key} (${plural(pins, "package")})\n`);
  if (identity.kind === "notebook" && !existsSync(identity.key)) {
    ctx.err(`Note: ${identity.key} does not exist yet; put the notebook there (luci env gc removes environments whose notebook is missing).\n`);
  }

  // Under the environment's lock, so that a kernel's install in progress finishes first and
  // does not then write its own package list over the spec's.
  mkdirSync(ctx.settings.dir, { recursive: true });
  await withLock(
    `${env.dir}.lock`,
    async () => {
      const now = new Date().toISOString();
      await ctx.registry.update((all) => {
        const existing = all[identity.key];
        all[identity.key] = {
          key: identity.key,
          name: identity.environmentName,
          notebook: identity.key,
          interpreter: ctx.settings.basePython,
          python_version: existing?.python_version ?? "unknown",
          packages: { ...spec.packages },
          requested: [...spec.requested],
          // Unfinished: ensure() rebuilds it from this package list.
          state: "creating",
          tool: env.installer.tool,
          created: existing?.created ?? now,
          last_used: now,
        };
      });
      env.forgetHealth();
    },
    { onWait: (owner) => ctx.err(`Waiting for ${owner}, which is working on ${identity.environmentName}…\n`) },
  );

  const sink = new PrintingSink(ctx.out, (line) =>
    line.startsWith(`Repairing environment ${identity.environmentName}:`)
      ? `Building ${identity.environmentName} from the spec (${plural(pins, "pinned package")}).`
      : line,
  );
  try {
    await env.ensure(new Progress(sink));
  } catch (err) {
    const detail = err instanceof InstallError ? lastLines(err.output) : "";
    throw new CommandError(`the environment could not be built: ${errorMessage(err)}${detail ? `: ${detail}` : ""}`, { cause: err });
  }

  const record = env.record!;
  const differ = Object.entries(spec.packages)
    .filter(([name, version]) => record.packages[normalise(name)] !== version)
    .map(([name, version]) => `${name} ${version} (here: ${record.packages[normalise(name)] ?? "not installed"})`);
  if (differ.length > 0) ctx.err(`Warning: not as in the spec: ${differ.join(", ")}\n`);
  const [wanted, got] = [spec.python_version, record.python_version].map((v) => v.split(".").slice(0, 2).join("."));
  if (spec.python_version !== "unknown" && wanted !== got) {
    ctx.err(
      `Warning: the spec was made with Python ${spec.python_version}; this environment runs Python ${record.python_version} (LUCI_PYTHON chooses the interpreter).\n`,
    );
  }
  ctx.out(`Environment ${record.name} is ready: ${plural(Object.keys(record.packages).length, "package")}, Python ${record.python_version}, in ${env.dir}\n`);
  return 0;
}

function readSpec(file: string): EnvironmentSpec {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const reason = errorCode(err) === "ENOENT" ? "no such file" : errorMessage(err);
    throw new CommandError(`cannot read the spec ${file}: ${reason}`, { cause: err });
  }
  const bad = (why: string) => new CommandError(`${file} is not a luci environment spec: ${why}`);
  if (!isObject(data) || data.luci_environment !== 1) {
    throw bad(`it needs "luci_environment": 1 (luci env export writes one)`);
  }
  const spec = data;
  const packages: unknown = spec.packages ?? {};
  if (!isObject(packages)) throw bad(`"packages" must map names to versions`);
  const pins: Record<string, string> = {};
  for (const [name, version] of Object.entries(packages)) {
    if (!NAME.test(name) || typeof version !== "string" || !VERSION.test(version))
      throw bad(`${JSON.stringify(name)}: ${JSON.stringify(version)} is not a package name and version`);
    pins[name] = version;
  }
  const listed: unknown = spec.requested ?? [];
  const items: unknown[] = Array.isArray(listed) ? listed : [];
  const requested = items.filter((r): r is string => typeof r === "string" && /^[A-Za-z0-9]/.test(r));
  if (!Array.isArray(listed) || requested.length !== items.length) {
    throw bad(`"requested" must be a list of requirements`);
  }
  const notebook = spec.notebook ?? "";
  if (typeof notebook !== "string") throw bad(`"notebook" must be a file name`);
  const pythonVersion = typeof spec.python_version === "string" ? spec.python_version : "unknown";
  return {
    luci_environment: 1,
    notebook,
    python_version: pythonVersion,
    packages: sortedObject(pins),
    requested,
  };
}

/** --notebook (a .ipynb, or a folder), else the spec's notebook in the current folder. */
function identityFor(ctx: Context, spec: EnvironmentSpec, notebook: string | undefined): NotebookIdentity {
  if (notebook !== undefined) {
    const path = resolve(ctx.cwd, notebook);
    if (isDirectory(path)) return folderIdentity(path);
    if (!path.toLowerCase().endsWith(".ipynb")) throw new UsageError(`--notebook needs a .ipynb file or a folder, not ${notebook}`);
    return notebookIdentity(path);
  }
  const name = basename(spec.notebook);
  if (!name.toLowerCase().endsWith(".ipynb")) return folderIdentity(resolve(ctx.cwd)); // a folder's environment
  return notebookIdentity(resolve(ctx.cwd, name));
}

/** Prints the progress display as lines: each new or changed line once (in place on a terminal). */
class PrintingSink implements OutputSink {
  private readonly printed: string[] = [];

  constructor(
    private readonly write: (text: string) => void,
    private readonly rewrite: (line: string) => string,
    private readonly tty = Boolean(process.stdout.isTTY),
  ) {}

  display(data: MimeBundle): void {
    this.show(data);
  }

  updateDisplay(data: MimeBundle): void {
    this.show(data);
  }

  stream(_name: "stdout" | "stderr", text: string): void {
    this.write(text);
  }

  error(ename: string, evalue: string): void {
    this.write(`${ename}: ${evalue}\n`);
  }

  clearOutput(): void {}

  result(): void {}

  input(): Promise<string> {
    return Promise.reject(new Error("luci env import asks nothing"));
  }

  private show(data: MimeBundle): void {
    const plain = data["text/plain"];
    const text = typeof plain === "string" ? plain : "";
    text.split("\n").forEach((raw, i) => {
      const line = this.rewrite(raw);
      if (this.printed[i] === line) return;
      const inPlace = this.tty && this.printed[i] !== undefined && i === this.printed.length - 1;
      this.write(`${inPlace ? "\x1b[1A\r\x1b[2K" : ""}${line}\n`);
      this.printed[i] = line;
    });
  }
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function lastLines(output: string): string {
  return output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-3)
    .join(" ")
    .slice(0, 400);
}

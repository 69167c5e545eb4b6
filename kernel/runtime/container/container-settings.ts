// How a notebook's container is made: the base image and the limits. Defaults come from the
// kernel's environment (LUCI_CONTAINER_*, declared in common/settings.ts: the base image, its
// fallback where it cannot be pulled, memory, CPUs, processes, /tmp, network, the network
// installs use, the user), and a notebook can set its own limits with `%luci container`
// (remembered per notebook, applied when its container next starts). A variable whose value
// cannot be used is an error in the cell that starts the container, never a quiet default.
import { CellFailure, UsageError } from "../../common/cell-failure.js";
import { object, oneOf, optional, shape, string } from "../../common/shape.js";
import { NotebookState } from "../../common/notebook-state.js";
import { setting, SIZE_PATTERN } from "../../common/settings.js";

/** A LUCI_CONTAINER_* value that cannot be used (the message names it and the value). */
class ContainerSettingError extends CellFailure {
  constructor(message: string) {
    super("SettingError", message);
  }
}

export interface ContainerLimits {
  memory: string;
  cpus: number;
  pids: number;
  tmp: string;
  network: "off" | "on";
}

export interface ContainerSettings {
  image: string;
  fallbackImage: string;
  installNetwork: string;
  user?: string;
  limits: ContainerLimits;
}

const LIMIT_NAMES = ["memory", "cpus", "pids", "tmp", "network"] as const;

export function containerSettings(env: NodeJS.ProcessEnv = process.env, notebook?: Partial<ContainerLimits>): ContainerSettings {
  const limits: ContainerLimits = {
    memory: setting(env, "LUCI_CONTAINER_MEMORY", ContainerSettingError),
    cpus: setting(env, "LUCI_CONTAINER_CPUS", ContainerSettingError),
    pids: setting(env, "LUCI_CONTAINER_PIDS", ContainerSettingError),
    tmp: setting(env, "LUCI_CONTAINER_TMP", ContainerSettingError),
    network: setting(env, "LUCI_CONTAINER_NETWORK", ContainerSettingError),
    ...notebook,
  };
  return {
    image: setting(env, "LUCI_CONTAINER_IMAGE"),
    fallbackImage: setting(env, "LUCI_CONTAINER_FALLBACK_IMAGE"),
    installNetwork: setting(env, "LUCI_CONTAINER_INSTALL_NETWORK"),
    user: setting(env, "LUCI_CONTAINER_USER", ContainerSettingError),
    limits,
  };
}

/** What `%luci container` may have remembered for a notebook (parseLimits' output). */
const RememberedLimits = object({
  memory: optional(string),
  cpus: optional(shape<number>("a number above 0", (v) => typeof v === "number" && v > 0)),
  pids: optional(shape<number>("a whole number above 0", (v) => typeof v === "number" && Number.isInteger(v) && v > 0)),
  tmp: optional(string),
  network: optional(oneOf(["off", "on"] as const)),
});

/** Per-notebook limits, remembered on this machine. */
export const notebookLimits = (env: NodeJS.ProcessEnv = process.env) => new NotebookState<ContainerLimits>("notebook-containers.json", env, RememberedLimits);

const SIZE_POWERS: Record<string, number> = { "": 0, k: 1, m: 2, g: 3, t: 4 };

/** "512m" -> bytes. Throws with the words for the cell on anything else. */
export function parseSize(text: string): number {
  const match = SIZE_PATTERN.exec(text);
  if (!match) throw new UsageError(`${JSON.stringify(text)} is not a size (write for example 512m or 2g)`);
  const power = SIZE_POWERS[match[2]!.toLowerCase()] ?? 0;
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** Checks and converts `name=value` words of `%luci container` into limits. */
export function parseLimits(words: string[]): Partial<ContainerLimits> {
  const limits: Partial<ContainerLimits> = {};
  for (const word of words) {
    const [name, value] = word.split("=", 2);
    if (!value) throw new UsageError(`%luci container: write name=value (got ${JSON.stringify(word)}); names: ${LIMIT_NAMES.join(", ")}`);
    switch (name) {
      case "memory":
      case "tmp":
        parseSize(value);
        limits[name] = value;
        break;
      case "cpus":
      case "pids": {
        const n = Number(value);
        if (!(n > 0) || (name === "pids" && !Number.isInteger(n)))
          throw new UsageError(`%luci container: ${name} must be a positive ${name === "pids" ? "whole " : ""}number`);
        limits[name] = n;
        break;
      }
      case "network":
        if (value !== "on" && value !== "off") throw new UsageError("%luci container: network is on or off");
        limits.network = value;
        break;
      default:
        throw new UsageError(`%luci container: unknown limit ${JSON.stringify(name)}; names: ${LIMIT_NAMES.join(", ")}`);
    }
  }
  return limits;
}

export function describeLimits(limits: ContainerLimits): string {
  return `memory ${limits.memory}, ${limits.cpus} CPU${limits.cpus === 1 ? "" : "s"}, ${limits.pids} processes, /tmp ${limits.tmp}, network ${limits.network}`;
}

// The server's resource limits, from LUCI_SERVER_* settings (kernel/common/settings.ts), read
// once when a server is made. A value that is not valid stops the server from starting: a limit
// must not silently become another.
import { setting, SIZE_PATTERN } from "../kernel/common/settings.js";

export interface ServerLimits {
  /** Kernels running (or starting) at once. */
  maxKernels: number;
  /** Bytes of output a WebSocket client may leave unread before output to it is dropped. */
  clientBuffer: number;
  /** The largest WebSocket message from a client, in bytes. */
  maxMessage: number;
}

export function serverLimits(env: NodeJS.ProcessEnv = process.env): ServerLimits {
  return {
    maxKernels: setting(env, "LUCI_SERVER_MAX_KERNELS"),
    clientBuffer: bytes(setting(env, "LUCI_SERVER_CLIENT_BUFFER")),
    maxMessage: bytes(setting(env, "LUCI_SERVER_MAX_MESSAGE")),
  };
}

const POWERS: Record<string, number> = { "": 0, k: 1, m: 2, g: 3, t: 4 };

/** "16m" -> bytes (the setting has been checked against SIZE_PATTERN already). */
function bytes(size: string): number {
  const match = SIZE_PATTERN.exec(size);
  if (!match) throw new Error(`not a size: ${size}`);
  return Math.round(Number(match[1]) * 1024 ** (POWERS[match[2]!.toLowerCase()] ?? 0));
}

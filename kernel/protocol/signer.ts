// HMAC signing of Jupyter messages (messaging.rst "The Wire Protocol").
// The signature covers the four JSON frames exactly as they travelled: a signature is checked
// over the raw bytes received, never over a re-serialisation, and compared in constant time.
import { createHmac, getHashes, timingSafeEqual } from "node:crypto";

const REPLAY_MEMORY = 65536;

export class Signer {
  private readonly algorithm: string;
  private readonly seen = new Set<string>();

  constructor(
    private readonly key: string,
    scheme = "hmac-sha256",
  ) {
    const match = /^hmac-(.+)$/.exec(scheme);
    if (!match || !getHashes().includes(match[1]!)) {
      throw new Error(`unsupported signature scheme ${JSON.stringify(scheme)}`);
    }
    this.algorithm = match[1]!;
  }

  /** An empty key means "no signing" (kernels.rst): messages carry an empty signature. */
  get enabled(): boolean {
    return this.key.length > 0;
  }

  sign(frames: readonly (Buffer | string)[]): string {
    if (!this.enabled) return "";
    const hmac = createHmac(this.algorithm, this.key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  }

  /**
   * Checks `signature` against the raw frames. Returns a reason when the message must be
   * dropped: a missing or wrong signature, or one seen before (a replay, as jupyter_client's
   * digest_history refuses).
   */
  verify(signature: Buffer, frames: readonly Buffer[]): string | undefined {
    if (!this.enabled) return undefined;
    if (signature.length === 0) return "unsigned message";
    const expected = Buffer.from(this.sign(frames), "ascii");
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      return "bad signature";
    }
    const text = expected.toString("ascii");
    if (this.seen.has(text)) return "replayed signature";
    this.remember(text);
    return undefined;
  }

  private remember(signature: string): void {
    this.seen.add(signature);
    if (this.seen.size > REPLAY_MEMORY) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}

// Reads one of the worker's output streams (fd 1 or 2) and separates the user's text from
// the sync markers the worker writes before each event (PROTOCOL.md). Text is decoded as
// UTF-8 across chunk boundaries; a marker split across chunks is held back until complete.
import { StringDecoder } from "node:string_decoder";

export class SyncScanner {
  private readonly decoder = new StringDecoder("utf8");
  private readonly prefix: string;
  private carry = "";
  /** The highest marker number read so far. */
  seen = -1;

  constructor(
    token: string,
    private readonly onText: (text: string) => void,
    private readonly onMarker: (n: number) => void,
  ) {
    this.prefix = `\x00\x1bLUCISYNC${token}:`;
  }

  push(chunk: Buffer): void {
    this.scan(this.carry + this.decoder.write(chunk));
  }

  /** End of stream: whatever is held back is text. */
  end(): void {
    const rest = this.carry + this.decoder.end();
    this.carry = "";
    if (rest) this.onText(rest);
  }

  private scan(text: string): void {
    let from = 0;
    for (;;) {
      const at = text.indexOf(this.prefix, from);
      if (at < 0) break;
      const close = text.indexOf("\x00", at + this.prefix.length);
      if (close < 0) {
        this.emit(text.slice(from, at));
        this.carry = text.slice(at);
        return;
      }
      this.emit(text.slice(from, at));
      const n = Number(text.slice(at + this.prefix.length, close));
      if (Number.isInteger(n)) {
        this.seen = Math.max(this.seen, n);
        this.onMarker(n);
      }
      from = close + 1;
    }
    const keep = this.partialPrefixLength(text, from);
    this.emit(text.slice(from, text.length - keep));
    this.carry = keep ? text.slice(text.length - keep) : "";
  }

  /** Length of the longest tail of text that could be the start of a marker. */
  private partialPrefixLength(text: string, from: number): number {
    const start = Math.max(from, text.length - this.prefix.length + 1);
    const nul = text.indexOf("\x00", start);
    if (nul < 0) return 0;
    return this.prefix.startsWith(text.slice(nul)) ? text.length - nul : 0;
  }

  private emit(text: string): void {
    if (text) this.onText(text);
  }
}

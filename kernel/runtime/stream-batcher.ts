// Collects stdout and stderr text and hands it on in batches: a cell that prints 10,000
// lines becomes a few stream messages, not 10,000, and text still shows within `delayMs`.

export type StreamName = "stdout" | "stderr";

export class StreamBatcher {
  private segments: { name: StreamName; text: string }[] = [];
  private size = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly sink: (name: StreamName, text: string) => void,
    private readonly delayMs = 50,
    private readonly maxBytes = 1 << 20,
  ) {}

  add(name: StreamName, text: string): void {
    const last = this.segments[this.segments.length - 1];
    if (last && last.name === name) last.text += text;
    else this.segments.push({ name, text });
    this.size += text.length;
    if (this.size >= this.maxBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Hands on everything held, in the order it was written. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const segments = this.segments;
    this.segments = [];
    this.size = 0;
    for (const { name, text } of segments) this.sink(name, text);
  }
}

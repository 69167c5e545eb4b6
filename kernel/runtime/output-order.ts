// Keeps a worker's output in the order it was written. Text arrives on two pipes (stdout,
// stderr) and events (displays, results, errors, the end of a cell) on a third; before each
// event the worker writes a sync marker into both output pipes (PROTOCOL.md). Text up to a
// stream's next marker flows freely; an event is passed on only once both streams have
// reached its marker, and text after a marker waits until that marker's event has gone.
import { log } from "../common/log.js";
import { StreamBatcher, type StreamName } from "./stream-batcher.js";
import { SyncScanner } from "./sync-scanner.js";

/** How long a stream may stay silent while an event waits for its marker (fd 1 may be closed). */
const SILENCE_MS = 500;

type Item = { text: string } | { marker: number };

class StreamQueue {
  readonly items: Item[] = [];
  /** The pipe closed (user code may close fd 1): no marker will come, so none is awaited. */
  closed = false;
  lastData = Date.now();
  readonly scanner: SyncScanner;

  constructor(token: string, onChange: () => void) {
    this.scanner = new SyncScanner(
      token,
      (text) => this.items.push({ text }),
      (marker) => this.items.push({ marker }),
    );
    this.onChange = onChange;
  }

  private readonly onChange: () => void;

  push(chunk: Buffer): void {
    this.lastData = Date.now();
    this.scanner.push(chunk);
    this.onChange();
  }

  end(): void {
    this.scanner.end();
  }

  /** The marker the stream is stopped at, if any. */
  get headMarker(): number | undefined {
    const head = this.items[0];
    return head && "marker" in head ? head.marker : undefined;
  }
}

export class OutputOrder<E extends { sync: number }> {
  private readonly streams: Record<StreamName, StreamQueue>;
  private readonly held: { event: E; since: number }[] = [];
  private readonly batcher: StreamBatcher;
  private timer?: NodeJS.Timeout;

  constructor(
    token: string,
    sinkText: (name: StreamName, text: string) => void,
    private readonly sinkEvent: (event: E) => void,
  ) {
    this.batcher = new StreamBatcher(sinkText);
    const pump = () => this.pump(false);
    this.streams = { stdout: new StreamQueue(token, pump), stderr: new StreamQueue(token, pump) };
  }

  stdout(chunk: Buffer): void {
    this.streams.stdout.push(chunk);
  }

  stderr(chunk: Buffer): void {
    this.streams.stderr.push(chunk);
  }

  ended(name: StreamName): void {
    this.streams[name].closed = true;
    this.pump(false);
  }

  event(event: E): void {
    this.held.push({ event, since: Date.now() });
    this.pump(false);
  }

  /** The worker is gone: pass on everything, markers or not. */
  finish(): void {
    for (const stream of Object.values(this.streams)) stream.end();
    this.pump(true);
    this.batcher.flush();
  }

  private pump(force: boolean): void {
    for (;;) {
      this.flowText();
      const head = this.held[0];
      const event = head?.event;
      const heads = [this.streams.stdout.headMarker, this.streams.stderr.headMarker];
      if (event === undefined) {
        if (heads.every((h) => h === undefined)) break;
        // A marker whose event has not arrived yet: text behind it waits.
        if (!force) return this.wait();
        this.dropMarkers(Infinity);
        continue;
      }
      if (heads.some((h) => h !== undefined && h < event.sync)) {
        this.dropMarkers(event.sync - 1); // stale markers (their event was released early)
        continue;
      }
      const ready = Object.values(this.streams).every((s) => s.headMarker === event.sync || (s.closed && s.items.length === 0));
      if (!ready && !force && !this.silentTooLong(head!.since)) return this.wait();
      this.dropMarkers(event.sync);
      this.held.shift();
      this.batcher.flush();
      this.sinkEvent(event);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Moves the text before each stream's first marker to the batcher. */
  private flowText(): void {
    for (const name of ["stdout", "stderr"] as const) {
      const items = this.streams[name].items;
      for (let head = items[0]; head !== undefined && "text" in head; head = items[0]) {
        items.shift();
        this.batcher.add(name, head.text);
      }
    }
  }

  private dropMarkers(upTo: number): void {
    for (const stream of Object.values(this.streams)) {
      const head = stream.headMarker;
      if (head !== undefined && head <= upTo) stream.items.shift();
    }
  }

  /** True when a stream that lacks the awaited marker has written nothing for a while. */
  private silentTooLong(since: number): boolean {
    const now = Date.now();
    const lagging = Object.values(this.streams).filter((s) => s.headMarker === undefined);
    const silent = lagging.every((s) => now - Math.max(s.lastData, since) > SILENCE_MS);
    if (silent && lagging.length > 0) log("warn", "the worker's output markers did not arrive; passing its events on without them");
    return silent;
  }

  private wait(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const head = this.held[0];
      this.pump(head === undefined || this.silentTooLong(head.since));
    }, SILENCE_MS);
  }
}

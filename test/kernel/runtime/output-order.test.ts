import { afterEach, describe, expect, it, vi } from "vitest";
import { OutputOrder } from "../../../kernel/runtime/output-order.js";

const marker = (n: number) => Buffer.from(`\x00\x1bLUCISYNCtok:${n}\x00`);
const text = (s: string) => Buffer.from(s);

function setup() {
  const seen: string[] = [];
  const order = new OutputOrder<{ sync: number; name: string }>(
    "tok",
    (name, t) => seen.push(`${name}:${t}`),
    (e) => seen.push(`event:${e.name}`),
  );
  return { seen, order };
}

afterEach(() => vi.useRealTimers());

describe("OutputOrder", () => {
  it("holds an event until both streams reach its marker, and text after the marker until the event", () => {
    const { seen, order } = setup();
    order.stdout(Buffer.concat([text("one\n"), marker(0), text("two\n")]));
    order.stderr(marker(0));
    expect(seen).toEqual([]); // "one" waits in the batcher; "two" waits behind marker 0
    order.event({ sync: 0, name: "display" });
    order.finish();
    expect(seen).toEqual(["stdout:one\n", "event:display", "stdout:two\n"]);
  });

  it("holds an event that arrives before its markers", () => {
    const { seen, order } = setup();
    order.event({ sync: 0, name: "result" });
    order.stdout(Buffer.concat([text("a"), marker(0)]));
    expect(seen).toEqual([]);
    order.stderr(marker(0));
    expect(seen).toEqual(["stdout:a", "event:result"]);
  });

  it("passes events on in order across several markers", () => {
    const { seen, order } = setup();
    order.stdout(Buffer.concat([text("1"), marker(0), text("2"), marker(1), text("3")]));
    order.stderr(Buffer.concat([marker(0), text("e"), marker(1)]));
    order.event({ sync: 0, name: "a" });
    order.event({ sync: 1, name: "b" });
    order.finish();
    expect(seen).toEqual(["stdout:1", "event:a", "stdout:2", "stderr:e", "event:b", "stdout:3"]);
  });

  it("gives up waiting for a marker on a stream that stays silent (fd 1 closed by user code)", () => {
    vi.useFakeTimers();
    const { seen, order } = setup();
    order.stderr(marker(0));
    order.event({ sync: 0, name: "done" });
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1200);
    expect(seen).toEqual(["event:done"]);
  });

  it("releases everything when the worker is gone", () => {
    const { seen, order } = setup();
    order.stdout(Buffer.concat([text("x"), marker(3), text("y")]));
    order.event({ sync: 5, name: "late" });
    order.finish();
    // Marker 3's event never came: its marker is dropped and the text behind it flows.
    expect(seen).toEqual(["stdout:xy", "event:late"]);
  });
});

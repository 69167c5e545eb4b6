// The shapes that check outside JSON in the modules every kernel loads (common/shape.ts): each
// accepts what its type allows and refuses the rest with a path to the first wrong field.
import { describe, expect, it } from "vitest";
import {
  array,
  jsonObject,
  literal,
  nullable,
  nullish,
  number,
  object,
  oneOf,
  optional,
  parseShape,
  record,
  string,
  tagged,
} from "../../../kernel/common/shape.js";

describe("shapes", () => {
  it("the scalars", () => {
    expect(parseShape(string, "a")).toEqual({ ok: true, value: "a" });
    expect(parseShape(number, 1.5).ok).toBe(true);
    expect(parseShape(number, Number.NaN)).toEqual({ ok: false, reason: "the value: expected a number" });
    expect(parseShape(literal(1), 1).ok).toBe(true);
    expect(parseShape(literal("x"), "y").ok).toBe(false);
    expect(parseShape(oneOf(["a", "b"] as const), "c")).toEqual({ ok: false, reason: 'the value: expected one of "a", "b"' });
  });

  it("objects: fields checked, a field that may be undefined may be missing, other fields kept", () => {
    const entry = object({ name: string, size: optional(number), note: nullish(string), parent: nullable(string) });
    expect(parseShape(entry, { name: "x", parent: null, extra: true })).toEqual({ ok: true, value: { name: "x", parent: null, extra: true } });
    expect(parseShape(entry, { name: "x" })).toEqual({ ok: false, reason: "parent: expected a string" });
    expect(parseShape(entry, { name: 3, parent: null })).toEqual({ ok: false, reason: "name: expected a string" });
    expect(parseShape(entry, [])).toEqual({ ok: false, reason: "the value: expected an object" });
  });

  it("lists, maps and nested paths", () => {
    const file = object({ items: array(object({ tags: record(string) })) });
    expect(parseShape(file, { items: [{ tags: { a: "1" } }, { tags: { b: 2 } }] })).toEqual({ ok: false, reason: "items[1].tags.b: expected a string" });
    expect(parseShape(jsonObject, { a: 1 }).ok).toBe(true);
  });

  it("tagged unions choose the variant by its tag", () => {
    const event = tagged("ev", { ready: object({ ev: literal("ready"), pid: number }), reply: object({ ev: literal("reply"), id: number }) });
    expect(parseShape(event, { ev: "ready", pid: 3 }).ok).toBe(true);
    expect(parseShape(event, { ev: "reply", pid: 3 })).toEqual({ ok: false, reason: "id: expected a number" });
    expect(parseShape(event, { ev: "other" })).toEqual({ ok: false, reason: "ev: expected one of ready, reply" });
    expect(parseShape(event, { ev: "toString" }).ok).toBe(false);
  });
});

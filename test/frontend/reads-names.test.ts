// The page's "reads the variable" check (frontend/model/reads-names.ts), which marks later cells
// stale when a parameter changes: identifiers, not words inside other names or attributes; what a
// stale cell assigns counts as changed too.
import { describe, expect, it } from "vitest";
import { assignedNames, identifiersIn, staleAfter } from "../../frontend/model/reads-names.js";

describe("reads-names", () => {
  it("finds a name as an identifier, not inside another name or after a dot", () => {
    expect(identifiersIn("r = rate / 12").has("rate")).toBe(true);
    expect(identifiersIn("print(f'{rate:.2%}')").has("rate")).toBe(true);
    expect(identifiersIn("monthly_rate = 1").has("rate")).toBe(false);
    expect(identifiersIn("loan.rate + 1").has("rate")).toBe(false);
    expect(identifiersIn("x = 1e5").has("e5")).toBe(false);
  });

  it("reads assignments at the start of a line", () => {
    expect([...assignedNames("a = 1\nb, c = 2, 3\nd += 1\nfor e in range(3):\n    pass\nif a == 1:\n    f = 2")].sort()).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
      "f",
    ]);
    expect(assignedNames("x == 1").size).toBe(0);
  });

  it("follows what a stale cell assigns, and leaves cells that read none of it", () => {
    const changed = "rate\nr = rate / 12\npayment = principal * r";
    const later = ["total = payment * 360", "print('hello')", "print(total)", "print(rate)", "print(monthly_rate)"];
    expect(staleAfter("rate", changed, later)).toEqual([0, 2, 3]);
  });
});

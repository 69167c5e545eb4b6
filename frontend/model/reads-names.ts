// Which later cells read a variable whose value just changed (a task's parameter field), so the
// page can mark them stale. A simple check that errs on the side of marking: a cell reads a name
// when its code (a task's recorded code, else its text) holds the name as an identifier (a whole
// word, not after a dot: `rate`, `rate/12`, `f"{rate}"`, also in a comment; not `monthly_rate` or
// `loan.rate`). What a stale cell assigns (`name = …`, `a, b = …`, `name += …`, `for name in`) is
// then taken as changed too, so a cell that reads `payment`, made from `rate`, is stale as well.

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/** The names the code holds as identifiers (not attributes). */
export function identifiersIn(code: string): Set<string> {
  const names = new Set<string>();
  for (const match of code.matchAll(IDENTIFIER)) {
    const before = code[match.index - 1];
    if (before === "." || (before !== undefined && /[0-9]/.test(before))) continue;
    names.add(match[0]);
  }
  return names;
}

/** The names the code assigns at the start of a line: `a = …`, `a, b = …`, `a += …`, `for a in …`. */
export function assignedNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const line of code.split("\n")) {
    const assignment = /^\s*(?:for\s+)?\(?([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\)?\s*(?:(?:[-+*/%@&|^]|\*\*|\/\/|<<|>>)?=(?!=)|\s+in\b)/.exec(line);
    if (assignment) for (const name of assignment[1]!.split(",")) names.add(name.trim());
  }
  return names;
}

/**
 * Of the later cells (their code, in order), the indexes of those that read a changed name,
 * following what each stale cell assigns. `changedCode` is the code of the cell whose parameter
 * changed: what it assigns changes with the parameter.
 */
export function staleAfter(changed: string, changedCode: string, later: string[]): number[] {
  const tainted = new Set([changed, ...assignedNames(changedCode)]);
  const stale: number[] = [];
  later.forEach((code, index) => {
    const reads = identifiersIn(code);
    if (![...tainted].some((name) => reads.has(name))) return;
    stale.push(index);
    for (const name of assignedNames(code)) tainted.add(name);
  });
  return stale;
}

// How deeply a JSON text nests, counted without parsing it. V8's JSON.parse takes any depth, but
// everything after it that walks the value recursively (JSON.stringify of the answer, the
// notebook writer, structuredClone) overflows the stack on a value nested a million levels deep:
// a notebook like that on disk gave a 500. Such a text is refused before it is parsed, with the
// same limit for a request body and a notebook on disk.

/** Deeper than any real notebook (widget state included); Python's json gives up near here too. */
export const MAX_JSON_DEPTH = 1000;

/** Whether `text` opens more than `max` arrays and objects inside each other (brackets in strings do not count). */
export function nestedDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

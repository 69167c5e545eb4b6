// ANSI escape sequences (tracebacks, coloured logs) as coloured spans. Colours and bold become
// classes; every other escape sequence is dropped. The text goes in with textContent only.

const NAMES = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];
const ESCAPE = /\x1b\[([0-9;]*)([A-Za-z])|\x1b\][^\x07]*\x07|\x1b[()][A-Za-z0-9]|\x1b./g;

/** Appends the text to `parent` as spans, one per run of the same style. */
export function appendAnsi(parent: HTMLElement, text: string): void {
  let fg: string | undefined;
  let bg: string | undefined;
  let bold = false;
  let at = 0;
  const emit = (chunk: string) => {
    if (!chunk) return;
    if (!fg && !bg && !bold) {
      parent.append(chunk);
      return;
    }
    const span = document.createElement("span");
    if (fg) span.classList.add(`ansi-${fg}`);
    if (bg) span.classList.add(`ansi-bg-${bg}`);
    if (bold) span.classList.add("ansi-bold");
    span.textContent = chunk;
    parent.append(span);
  };
  for (const match of text.matchAll(ESCAPE)) {
    emit(text.slice(at, match.index));
    at = match.index + match[0].length;
    if (match[2] !== "m") continue;
    const codes = (match[1] || "0").split(";").map(Number);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (code === 0) [fg, bg, bold] = [undefined, undefined, false];
      else if (code === 1) bold = true;
      else if (code === 22) bold = false;
      else if (code >= 30 && code <= 37) fg = NAMES[code - 30];
      else if (code >= 90 && code <= 97) fg = `bright-${NAMES[code - 90]}`;
      else if (code === 39) fg = undefined;
      else if (code >= 40 && code <= 47) bg = NAMES[code - 40];
      else if (code === 49) bg = undefined;
      else if (code === 38 || code === 48) i += codes[i + 1] === 5 ? 2 : 4; // 256 and true colour: skipped
    }
  }
  emit(text.slice(at));
}

// A small Python highlighter for the code panel: keywords, strings, comments, numbers and
// built-ins become spans (textContent only). Enough to read generated code at a glance.

const KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
);
const BUILTINS = new Set(
  "print len range enumerate zip sum min max abs round sorted list dict set tuple str int float bool open isinstance type map filter any all".split(" "),
);
const TOKEN =
  /(#[^\n]*)|([rbfu]{0,2}(?:"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))|(\b\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?\b)|([A-Za-z_]\w*)/g;

export function highlightPython(code: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  let at = 0;
  const span = (cls: string, text: string) => {
    const el = document.createElement("span");
    el.className = cls;
    el.textContent = text;
    fragment.append(el);
  };
  for (const match of code.matchAll(TOKEN)) {
    const [text, comment, string, number, word] = match;
    let cls: string | undefined;
    if (comment) cls = "tok-comment";
    else if (string) cls = "tok-string";
    else if (number) cls = "tok-number";
    else if (word && KEYWORDS.has(word)) cls = "tok-keyword";
    else if (word && BUILTINS.has(word)) cls = "tok-builtin";
    if (!cls) continue;
    if (match.index > at) fragment.append(code.slice(at, match.index));
    span(cls, text);
    at = match.index + text.length;
  }
  if (at < code.length) fragment.append(code.slice(at));
  return fragment;
}

// Lenient JSON: strict first, then a forgiving reader that lists what it had to forgive
// (trailing commas, single quotes, comments, Python literals, unquoted keys, missing commas, a
// truncated end), so that a near miss is repaired here and not by another call to the model.
import { errorMessage } from "../../common/errors.js";

export type LenientResult = { ok: true; value: unknown; fixes: string[] } | { ok: false; error: string };

export function parseJsonLeniently(text: string): LenientResult {
  const trimmed = text.trim();
  try {
    return { ok: true, value: JSON.parse(trimmed), fixes: [] };
  } catch (err) {
    const strictError = errorMessage(err);
    try {
      const reader = new LooseJson(trimmed);
      const value = reader.read();
      return { ok: true, value, fixes: [...reader.fixes] };
    } catch {
      return { ok: false, error: strictError };
    }
  }
}

class LooseFailure extends Error {}

class LooseJson {
  readonly fixes = new Set<string>();
  private i = 0;

  constructor(private readonly s: string) {}

  read(): unknown {
    this.space();
    if (this.s[this.i] !== "{" && this.s[this.i] !== "[") throw new LooseFailure("not an object");
    const value = this.value();
    return value;
  }

  private get eof(): boolean {
    return this.i >= this.s.length;
  }

  private space(): void {
    for (;;) {
      while (!this.eof && /\s/.test(this.s[this.i]!)) this.i++;
      if (this.s.startsWith("//", this.i) || this.s[this.i] === "#") {
        this.fixes.add("comments");
        while (!this.eof && this.s[this.i] !== "\n") this.i++;
      } else if (this.s.startsWith("/*", this.i)) {
        this.fixes.add("comments");
        const end = this.s.indexOf("*/", this.i + 2);
        this.i = end < 0 ? this.s.length : end + 2;
      } else return;
    }
  }

  private value(): unknown {
    this.space();
    if (this.eof) throw new LooseFailure("truncated before a value");
    const c = this.s[this.i]!;
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"' || c === "'" || c === "“" || c === "‘") return this.string();
    if (/[-+.\d]/.test(c)) return this.number();
    const word = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i))?.[0];
    if (word) {
      const literals: Record<string, unknown> = { true: true, false: false, null: null, True: true, False: false, None: null };
      if (word in literals) {
        if (!(word in { true: 1, false: 1, null: 1 })) this.fixes.add("Python literals");
        this.i += word.length;
        return literals[word];
      }
    }
    throw new LooseFailure(`unexpected ${JSON.stringify(c)}`);
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.members("}", () => {
      const c = this.s[this.i]!;
      let key: string;
      if (c === '"' || c === "'" || c === "“" || c === "‘") {
        key = this.string();
      } else {
        const word = /^[A-Za-z_$][\w$-]*/.exec(this.s.slice(this.i))?.[0];
        if (!word) throw new LooseFailure(`unexpected ${JSON.stringify(c)} in an object`);
        this.fixes.add("unquoted keys");
        this.i += word.length;
        key = word;
      }
      if (this.truncatedAfterSpace()) return false;
      if (this.s[this.i] !== ":") throw new LooseFailure(`expected ":" after ${JSON.stringify(key)}`);
      this.i++;
      if (this.truncatedAfterSpace()) return false;
      out[key] = this.value();
      return true;
    });
    return out;
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.members("]", () => {
      out.push(this.value());
      return true;
    });
    return out;
  }

  /**
   * The members of an object or array up to `close`, after its opening bracket: trailing commas
   * and a truncated end are tolerated (and noted). `member` reads one; false means the text ended.
   */
  private members(close: "}" | "]", member: () => boolean): void {
    this.i++;
    for (;;) {
      if (this.truncatedAfterSpace()) return;
      const c = this.s[this.i]!;
      if (c === close) {
        this.i++;
        return;
      }
      if (c === ",") {
        this.i++;
        this.space();
        if (this.s[this.i] === close) this.fixes.add("trailing commas");
        continue;
      }
      if (!member()) return;
      this.afterMember(close);
    }
  }

  /** Skips space; true (noting "a truncated end") when the text ends there. */
  private truncatedAfterSpace(): boolean {
    this.space();
    if (!this.eof) return false;
    this.fixes.add("a truncated end");
    return true;
  }

  /** After a member: a comma, the closing bracket, the end (truncated) or a missing comma. */
  private afterMember(close: string): void {
    this.space();
    if (this.eof) return;
    const c = this.s[this.i]!;
    if (c === "," || c === close) return;
    if (c === "}" || c === "]") throw new LooseFailure(`mismatched ${c}`);
    this.fixes.add("missing commas");
  }

  private string(): string {
    const open = this.s[this.i]!;
    const close = open === "“" ? "”" : open === "‘" ? "’" : open;
    if (open !== '"') this.fixes.add(open === "'" ? "single quotes" : "typographic quotes");
    this.i++;
    let out = "";
    while (!this.eof) {
      const c = this.s[this.i]!;
      if (c === "\\") {
        const next = this.s[this.i + 1];
        if (next === undefined) break;
        if (next === "u") {
          const hex = this.s.slice(this.i + 2, this.i + 6);
          if (/^[0-9a-fA-F]{4}$/.test(hex)) {
            out += String.fromCharCode(parseInt(hex, 16));
            this.i += 6;
            continue;
          }
        }
        const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "/": "/", "\\": "\\", '"': '"', "'": "'" };
        out += escapes[next] ?? next;
        this.i += 2;
        continue;
      }
      if (c === close) {
        this.i++;
        return out;
      }
      if (c === "\n" && open !== '"') {
        // A quote-less apostrophe case like 'it's': cannot be read safely.
        throw new LooseFailure("a string runs past the end of its line");
      }
      out += c;
      this.i++;
    }
    this.fixes.add("a truncated end");
    return out;
  }

  private number(): number {
    const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) throw new LooseFailure("a bad number");
    this.i += m[0].length;
    return Number(m[0]);
  }
}

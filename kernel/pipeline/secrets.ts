// What never leaves for the model: secrets, found in any text a request carries (earlier cells'
// code, file previews, the namespace preview, the failed code and its traceback, the task).
// The endpoint may be remote; a key in a notebook must not travel there.
//
// Three kinds of finding, all in one pass over the text, each linear in its length (a cell or a
// traceback may be large and an attacker may shape it: no pattern here can backtrack over more
// than a bounded stretch, tested with adversarial input in test/kernel/pipeline/secrets.test.ts):
// - a value given to a secret-like name: `api_key = "…"`, `os.environ["X_API_KEY"] = "…"`,
//   `{"token": "…"}`, `os.environ.setdefault("HF_TOKEN", "…")`, `%env HF_TOKEN=…`,
//   `export GITHUB_TOKEN=…`, `?api_key=…&` in a URL's query;
// - a value of a known key format wherever it is, an Authorization header's token and a URL's
//   password (the patterns of shared_tables.json, the same the validation gate reports);
// - a value known to be secret wherever it is, whatever holds it: the kernel's own model key,
//   secret-named variables of the environment, and the values the first kind found (so that
//   `db_password`'s value is redacted from a traceback that quotes it bare).
import { sharedTables } from "../common/shared-tables.js";
import type { ChatMessage } from "./model/types.js";

const REDACTED = "<redacted>";

/** Names that hold secrets (a substring anywhere in the name, or a name ending in `_key`). */
const SECRET_NAME = /pass(word|wd)?|secret|token|api_?key|access_?key|private_?key|credential|auth/i;
const KEY_SUFFIX = /_key$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) || KEY_SUFFIX.test(name);
}

/**
 * Environment variables that hold secrets, by their last word (`HF_TOKEN`, `OPENAI_API_KEY`,
 * `DB_PASSWORD`): stricter than isSecretName, as the environment is full of names like
 * `XAUTHORITY` or `PASSWORD_STORE_DIR` whose values are paths.
 */
const SECRET_ENV_NAME = /(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|PASS|CREDENTIALS?)$/i;

/**
 * Whether a value is worth redacting wherever it appears: long enough not to be a common word
 * ("password" as a value would redact the word everywhere), and not a placeholder.
 */
function redactableValue(value: string): boolean {
  if (value.length < 8 || value.includes(REDACTED) || /\s/.test(value)) return false;
  return /[^A-Za-z_]/.test(value) || value.length >= 16;
}

/** Values of the environment's secret-named variables (an OPENAI_API_KEY, an HF_TOKEN...). */
export function secretEnvironmentValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env).flatMap(([name, value]) => (value && SECRET_ENV_NAME.test(name) && redactableValue(value.trim()) ? [value.trim()] : []));
}

/** The value of a secret-named variable from the worker's preview of it: its repr, maybe clipped ("'abc…"). */
export function secretFromPreview(preview: string): string | undefined {
  const quote = preview[0];
  if ((quote !== "'" && quote !== '"') || preview.includes("\\")) return undefined;
  const clipped = preview.endsWith("…");
  const inner = clipped ? preview.slice(1, -1) : preview.endsWith(quote) ? preview.slice(1, -1) : undefined;
  if (inner === undefined || !redactableValue(inner)) return undefined;
  // A clipped value is known by its beginning: redacted with the rest of its token (PREFIX_MARK).
  return clipped ? `${inner}${PREFIX_MARK}` : inner;
}

/** Marks a known value that is only the beginning of the secret. */
const PREFIX_MARK = "\u0000…";
const TOKEN_REST = /[^\s"'`<>,;)\]}]*/y;

let compiled: { value: RegExp; privateKey: RegExp; inContext: RegExp[] } | undefined;

/**
 * The shared tables' patterns (common/shared-tables.ts) as the kernel's redaction: literals that
 * look like keys (each match runs on to the end of the token, so a longer key is redacted whole),
 * a private key from its BEGIN line to its END line (or, without one, over the key material
 * that follows: at most 8 KiB), and the secret part (the patterns' group) of an Authorization header
 * and of a URL's user info.
 */
function patterns() {
  if (compiled) return compiled;
  const tables = sharedTables();
  const keys = tables.key_patterns.filter((entry) => !entry.private_key).map((entry) => `(?:${entry.pattern})`);
  const begin = tables.key_patterns.find((entry) => entry.private_key)?.pattern ?? "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----";
  compiled = {
    value: new RegExp(`(?:${keys.join("|")})[A-Za-z0-9_-]*`, "g"),
    // Body lines are base64: the scan from each BEGIN stops at the first character that is not
    // key material (a quote, a parenthesis), at most 8 KiB on.
    // (A body written in a string literal or a repr has its line ends as "\\n": backslashes too.)
    privateKey: new RegExp(`${begin}(?:[A-Za-z0-9+/=\\s:,.\\\\-]{0,8192}?${begin.replace("BEGIN", "END")}|[A-Za-z0-9+/=\\s:,.\\\\]{0,8192})`, "g"),
    inContext: [new RegExp(tables.auth_header_case_insensitive, "gi"), new RegExp(tables.url_password_case_insensitive, "gi")],
  };
  return compiled;
}

/** The match with its group (the secret) replaced, the words around it kept. */
function redactGroup(match: string, secret: string | undefined): string {
  if (!secret) return match;
  const at = match.lastIndexOf(secret);
  return `${match.slice(0, at)}${REDACTED}${match.slice(at + secret.length)}`;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;
/** After a secret name: `= "`, `: "`, `"] = "`, `': '` (a string prefix such as r or b allowed). */
const ASSIGNED = /["']?\]?[ \t]{0,8}(?::=|=(?!=)|:)[ \t]{0,8}[rbuRBU]{0,2}(?=["'])/y;
/** After a quoted secret name: `", "` (os.environ.setdefault, os.putenv, dotenv's set_key, getenv's default). */
const QUOTED_THEN_COMMA = /["'][ \t]{0,8},[ \t]{0,8}[rbuRBU]{0,2}(?=["'])/y;
/** Before a name, the words of a shell or magic that sets the environment: `%env `, `%set_env `, `export `. */
const ENV_COMMAND = /(?:^|[\s!;])(?:%env|%set_env|export)[ \t]+$/;
/** After such a name, the separator and the value: the rest of the line (%env), or one word (export). */
const ENV_VALUE = /(?:[ \t]*=[ \t]*|[ \t]+)("[^"\n]{0,2048}"|'[^'\n]{0,2048}'|[^\s;&|]{1,2048})/y;
/** In a URL's query or a connection string: `?api_key=…`, `&token=…`, `;PWD=…`. */
const QUERY_VALUE = /=([^\s&;"'#<>]{1,2048})/y;
const MAX_LITERAL = 4096;

interface Span {
  start: number;
  end: number;
  /** What the span is replaced by. */
  text: string;
  /** The secret itself, to be redacted wherever else it appears. */
  secret: string;
}

/**
 * The values given to secret-like names, found in one pass. A failed search for a literal's end
 * is remembered (no quote of its kind until `until`), so that many openings on one line cost
 * one scan, not one each.
 */
function namedSecrets(text: string): Span[] {
  const spans: Span[] = [];
  const noCloseUntil: Record<string, number> = { '"': -1, "'": -1 };
  IDENTIFIER.lastIndex = 0;
  for (let match = IDENTIFIER.exec(text); match; match = IDENTIFIER.exec(text)) {
    const name = match[0];
    const start = match.index;
    const end = start + name.length;
    // ODBC's PWD= is a password only in a connection string (as a variable, `pwd` is a folder).
    if (!isSecretName(name) && !(/^pwd$/i.test(name) && (text[start - 1] === ";" || text[start - 1] === "?" || text[start - 1] === "&"))) continue;
    let literalAt = -1;
    ASSIGNED.lastIndex = end;
    QUOTED_THEN_COMMA.lastIndex = end;
    const before = text[start - 1];
    if (ASSIGNED.test(text)) literalAt = ASSIGNED.lastIndex;
    else if ((before === '"' || before === "'") && text[end] === before && QUOTED_THEN_COMMA.test(text)) literalAt = QUOTED_THEN_COMMA.lastIndex;
    if (literalAt >= 0) {
      const quote = text[literalAt]!;
      if (text.startsWith(quote.repeat(3), literalAt)) {
        // A triple-quoted string ends at its own closing triple (it may span lines).
        const close = text.indexOf(quote.repeat(3), literalAt + 3);
        if (close >= 0 && close - literalAt <= MAX_LITERAL) {
          spans.push({ start: literalAt, end: close + 3, text: `"${REDACTED}"`, secret: text.slice(literalAt + 3, close) });
          IDENTIFIER.lastIndex = close + 3;
        }
        continue;
      }
      if (literalAt < noCloseUntil[quote]!) continue;
      const close = closingQuote(text, literalAt, quote);
      if (close < 0) {
        noCloseUntil[quote] = -close;
        continue;
      }
      // From the string's prefix (r"…") on, the literal is one "<redacted>".
      const prefixAt = literalAt - (text.slice(Math.max(end, literalAt - 2), literalAt).match(/[rbuRBU]*$/)?.[0].length ?? 0);
      spans.push({ start: prefixAt, end: close + 1, text: `"${REDACTED}"`, secret: text.slice(literalAt + 1, close) });
      IDENTIFIER.lastIndex = close + 1;
      continue;
    }
    if (ENV_COMMAND.test(text.slice(Math.max(0, start - 12), start))) {
      ENV_VALUE.lastIndex = end;
      const value = ENV_VALUE.exec(text);
      if (value) {
        const at = ENV_VALUE.lastIndex - value[1]!.length;
        const quoted = /^["']/.test(value[1]!);
        spans.push({ start: at, end: ENV_VALUE.lastIndex, text: quoted ? `"${REDACTED}"` : REDACTED, secret: quoted ? value[1]!.slice(1, -1) : value[1]! });
        IDENTIFIER.lastIndex = ENV_VALUE.lastIndex;
      }
      continue;
    }
    if (before === "?" || before === "&" || before === ";") {
      QUERY_VALUE.lastIndex = end;
      const value = QUERY_VALUE.exec(text);
      if (value) {
        spans.push({ start: end + 1, end: QUERY_VALUE.lastIndex, text: REDACTED, secret: value[1]! });
        IDENTIFIER.lastIndex = QUERY_VALUE.lastIndex;
      }
    }
  }
  return spans;
}

/** The index of the quote that closes the literal opened at `open`, or -(where the search stopped). */
function closingQuote(text: string, open: number, quote: string): number {
  const limit = Math.min(text.length, open + 1 + MAX_LITERAL);
  for (let i = open + 1; i < limit; i++) {
    const c = text[i];
    if (c === quote) return i;
    if (c === "\n") return -i;
    if (c === "\\") i++;
  }
  return -limit;
}

function spliced(text: string, spans: Span[]): string {
  if (!spans.length) return text;
  let out = "";
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + span.text;
    at = span.end;
  }
  return out + text.slice(at);
}

/** The secrets given to secret-like names in a text (code, a magic's line): to be redacted wherever else they appear. */
export function secretValuesIn(text: string): string[] {
  return namedSecrets(text)
    .map((span) => span.secret.trim())
    .filter(redactableValue);
}

/** Each known value replaced wherever it is (longest first: a value that holds another goes whole). */
function redactKnown(text: string, known: Iterable<string>): string {
  const values = [...new Set(known)].filter((value) => redactableValue(value.replace(PREFIX_MARK, ""))).sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) {
    if (!value.endsWith(PREFIX_MARK)) {
      if (out.includes(value)) out = out.split(value).join(REDACTED);
      continue;
    }
    const head = value.slice(0, -PREFIX_MARK.length);
    let found = out.indexOf(head);
    if (found < 0) continue;
    let result = "";
    let from = 0;
    while (found >= 0) {
      TOKEN_REST.lastIndex = found + head.length;
      TOKEN_REST.test(out);
      result += out.slice(from, found) + REDACTED;
      from = TOKEN_REST.lastIndex;
      found = out.indexOf(head, from);
    }
    out = result + out.slice(from);
  }
  return out;
}

/**
 * Text as the model may see it: every secret this module knows of replaced by "<redacted>"
 * (a literal given to a secret name by `"<redacted>"`). `known`: values that are secret
 * wherever they appear (the kernel's key, the notebook's secrets found elsewhere).
 */
export function redactSecrets(text: string, known: Iterable<string> = []): string {
  const { value, privateKey, inContext } = patterns();
  let out = spliced(text, namedSecrets(text));
  out = redactKnown(out, known);
  out = out.replace(privateKey, "<redacted private key>").replace(value, REDACTED);
  for (const pattern of inContext) out = out.replace(pattern, (match: string, secret: string | undefined) => redactGroup(match, secret));
  return out;
}

/**
 * A request's messages as they may leave: the secrets any of them gives a secret name (the
 * failed code sets `password = "…"`, its traceback quotes it) are redacted from all of them,
 * with the `known` values.
 */
export function redactMessages(messages: ChatMessage[], known: Iterable<string> = []): ChatMessage[] {
  const values = new Set(known);
  for (const message of messages) for (const secret of secretValuesIn(message.content)) values.add(secret);
  return messages.map((message) => ({ ...message, content: redactSecrets(message.content, values) }));
}

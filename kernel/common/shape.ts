// Checks of JSON that comes from outside the process, for the modules every kernel loads at
// start (the worker's events, remembered settings). zod does the same elsewhere, but loading it
// costs every kernel ~15 ms and ~3 MiB before the first cell, and a notebook of Python cells must
// not pay for what only task cells use (the pipeline loads zod with the first task). A shape
// says what a value must be and gives its TypeScript type; `parseShape` never throws.
import { isObject } from "./json-file.js";

export interface Shape<T> {
  /**
   * Where `value` is not a T and what was expected there, or undefined when it is. A value that
   * passes allocates nothing on the way (no path strings, no entry arrays): the registry and
   * every worker event are checked this way, many times a cell.
   */
  mismatch(value: unknown): Mismatch | undefined;
  /** Only for the type: never set. */
  readonly type?: T;
}

/** The keys leading to the value that failed (outermost first; list indices as numbers), and what it had to be. */
interface Mismatch {
  at: (string | number)[];
  expected: string;
}

export type Infer<S> = S extends Shape<infer T> ? T : never;

/** A shape of one's own: a value that passes `test` is a T (say what is expected, for the reason given). */
export function shape<T>(expected: string, test: (value: unknown) => boolean): Shape<T> {
  return { mismatch: (value) => (test(value) ? undefined : { at: [], expected }) };
}

export const string = shape<string>("a string", (v) => typeof v === "string");
export const number = shape<number>("a number", (v) => typeof v === "number" && Number.isFinite(v));
export const boolean = shape<boolean>("true or false", (v) => typeof v === "boolean");
export const jsonObject = shape<Record<string, unknown>>("an object", isObject);

export function literal<L extends string | number | boolean>(value: L): Shape<L> {
  return shape<L>(JSON.stringify(value), (v) => v === value);
}

export function oneOf<L extends string>(values: readonly L[]): Shape<L> {
  return shape<L>(`one of ${values.map((v) => JSON.stringify(v)).join(", ")}`, (v) => (values as readonly unknown[]).includes(v));
}

export function optional<T>(inner: Shape<T>): Shape<T | undefined> {
  return { mismatch: (value) => (value === undefined ? undefined : inner.mismatch(value)) };
}

export function nullable<T>(inner: Shape<T>): Shape<T | null> {
  return { mismatch: (value) => (value === null ? undefined : inner.mismatch(value)) };
}

export function nullish<T>(inner: Shape<T>): Shape<T | null | undefined> {
  return { mismatch: (value) => (value === null || value === undefined ? undefined : inner.mismatch(value)) };
}

/** The mismatch of a value inside a container, with the key that leads to it put in front. */
function inside(key: string | number, mismatch: Mismatch): Mismatch {
  mismatch.at.unshift(key);
  return mismatch;
}

export function array<T>(item: Shape<T>): Shape<T[]> {
  return {
    mismatch(value) {
      if (!Array.isArray(value)) return { at: [], expected: "a list" };
      for (let i = 0; i < value.length; i++) {
        const mismatch = item.mismatch(value[i]);
        if (mismatch) return inside(i, mismatch);
      }
      return undefined;
    },
  };
}

/** An object whose every value has this shape (a JSON map). */
export function record<T>(value: Shape<T>): Shape<Record<string, T>> {
  return {
    mismatch(input) {
      if (!isObject(input)) return { at: [], expected: "an object" };
      for (const key in input) {
        if (!Object.hasOwn(input, key)) continue;
        const mismatch = value.mismatch(input[key]);
        if (mismatch) return inside(key, mismatch);
      }
      return undefined;
    },
  };
}

/** An object with these fields (others are allowed and kept); a field whose shape accepts undefined may be missing. */
type Fields = Record<string, Shape<unknown>>;
type Missable<F extends Fields> = { [K in keyof F]: undefined extends Infer<F[K]> ? K : never }[keyof F];
export type ObjectOf<F extends Fields> = { [K in Exclude<keyof F, Missable<F>>]: Infer<F[K]> } & { [K in Missable<F>]?: Infer<F[K]> };

export function object<F extends Fields>(fields: F): Shape<ObjectOf<F>> {
  const checks = Object.entries(fields);
  return {
    mismatch(value) {
      if (!isObject(value)) return { at: [], expected: "an object" };
      for (let i = 0; i < checks.length; i++) {
        const [name, field] = checks[i]!;
        const mismatch = field.mismatch(value[name]);
        if (mismatch) return inside(name, mismatch);
      }
      return undefined;
    },
  };
}

/** One of several object shapes, told apart by the value of their `key` field (zod's discriminated union). */
export function tagged<K extends string, S extends Shape<Record<K, string>>>(key: K, variants: Record<string, S>): Shape<Infer<S>> {
  const expected = `one of ${Object.keys(variants).join(", ")}`;
  return {
    mismatch(value) {
      if (!isObject(value)) return { at: [], expected: "an object" };
      const tag = value[key];
      const variant = typeof tag === "string" && Object.hasOwn(variants, tag) ? variants[tag] : undefined;
      return variant ? variant.mismatch(value) : { at: [key], expected };
    },
  };
}

/** "items[1].tags.b: expected a string"; "the value: ..." for the value itself. */
function describeMismatch({ at, expected }: Mismatch): string {
  const path = at.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? key : `.${key}`)).join("");
  return `${path || "the value"}: expected ${expected}`;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The value as a T, or why it is not one. Never throws. */
export function parseShape<T>(of: Shape<T>, value: unknown): Parsed<T> {
  const mismatch = of.mismatch(value);
  // The checks above are the type's: a value that passes them is a T.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion
  return mismatch === undefined ? { ok: true, value: value as T } : { ok: false, reason: describeMismatch(mismatch) };
}

// Checks of JSON that comes from outside the process, for the modules every kernel loads at
// start (the worker's events, remembered settings). zod does the same elsewhere, but loading it
// costs every kernel ~15 ms and ~3 MiB before the first cell, and a notebook of Python cells must
// not pay for what only task cells use (the pipeline loads zod with the first task). A shape
// says what a value must be and gives its TypeScript type; `parseShape` never throws.
import { isObject } from "./json-file.js";

export interface Shape<T> {
  /** Why `value` is not a T (a path and what was expected), or undefined when it is. */
  problem(value: unknown, path: string): string | undefined;
  /** Only for the type: never set. */
  readonly type?: T;
}

export type Infer<S> = S extends Shape<infer T> ? T : never;

/** A shape of one's own: a value that passes `test` is a T (say what is expected, for the reason given). */
export function shape<T>(expected: string, test: (value: unknown) => boolean): Shape<T> {
  return { problem: (value, path) => (test(value) ? undefined : `${path || "the value"}: expected ${expected}`) };
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
  return { problem: (value, path) => (value === undefined ? undefined : inner.problem(value, path)) };
}

export function nullable<T>(inner: Shape<T>): Shape<T | null> {
  return { problem: (value, path) => (value === null ? undefined : inner.problem(value, path)) };
}

export function nullish<T>(inner: Shape<T>): Shape<T | null | undefined> {
  return { problem: (value, path) => (value === null || value === undefined ? undefined : inner.problem(value, path)) };
}

export function array<T>(item: Shape<T>): Shape<T[]> {
  return {
    problem(value, path) {
      if (!Array.isArray(value)) return `${path || "the value"}: expected a list`;
      for (let i = 0; i < value.length; i++) {
        const problem = item.problem(value[i], `${path}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    },
  };
}

/** An object whose every value has this shape (a JSON map). */
export function record<T>(value: Shape<T>): Shape<Record<string, T>> {
  return {
    problem(input, path) {
      if (!isObject(input)) return `${path || "the value"}: expected an object`;
      for (const [key, item] of Object.entries(input)) {
        const problem = value.problem(item, path ? `${path}.${key}` : key);
        if (problem) return problem;
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
  return {
    problem(value, path) {
      if (!isObject(value)) return `${path || "the value"}: expected an object`;
      for (const [name, field] of Object.entries(fields)) {
        const problem = field.problem(value[name], path ? `${path}.${name}` : name);
        if (problem) return problem;
      }
      return undefined;
    },
  };
}

/** One of several object shapes, told apart by the value of their `key` field (zod's discriminated union). */
export function tagged<K extends string, S extends Shape<Record<K, string>>>(key: K, variants: Record<string, S>): Shape<Infer<S>> {
  return {
    problem(value, path) {
      if (!isObject(value)) return `${path || "the value"}: expected an object`;
      const tag = value[key];
      const variant = typeof tag === "string" && Object.hasOwn(variants, tag) ? variants[tag] : undefined;
      if (!variant) return `${path ? `${path}.` : ""}${key}: expected one of ${Object.keys(variants).join(", ")}`;
      return variant.problem(value, path);
    },
  };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The value as a T, or why it is not one. Never throws. */
export function parseShape<T>(of: Shape<T>, value: unknown): Parsed<T> {
  const reason = of.problem(value, "");
  // The checks above are the type's: a value that passes them is a T.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion
  return reason === undefined ? { ok: true, value: value as T } : { ok: false, reason };
}

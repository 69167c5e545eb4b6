// vitest types its asymmetric matchers (expect.stringContaining, ...) as `any`, which would make
// every object that holds one `any` to the linter. These give them as `unknown`: an expected
// object stays typed, and the matcher works the same.
import { expect } from "vitest";

export const stringContaining = (text: string): unknown => expect.stringContaining(text);

export const stringMatching = (pattern: string | RegExp): unknown => expect.stringMatching(pattern);

// ESLint for the TypeScript of kernel/, server/, frontend/, bench/ and test/ (`npm run lint`).
//
// typescript-eslint's recommendedTypeChecked rules, with the type information of each file's
// own tsconfig found by the project service: tsconfig.json (kernel/, server/), test/ and
// bench/tsconfig.json (both extend tsconfig.test.json), frontend/tsconfig.json (the page),
// labextension/tsconfig.json (the JupyterLab extension).
// On top of them, the rule that the preset leaves out and this project wants: no unsafe type
// assertions (`x as Foo` where x may not be a Foo). Data that crosses a boundary (a socket, a
// file, a child process, JSON) is checked with zod or a type guard, not cast.
//
// strictTypeChecked was tried and not taken: most of its ~1,300 extra findings were
// no-non-null-assertion (the `!` after an index that noUncheckedIndexedAccess asks for),
// restrict-template-expressions on numbers and no-confusing-void-expression, all style.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      "luci_environments/",
      "notebooks/",
      "test-results/",
      "bench/results/",
      ".venv/",
      "labextension/lib/",
      "labextension/luci_jupyterlab/",
    ],
  },
  js.configs.recommended,
  {
    // Off: every finding was terminal-output handling (ANSI escapes, \r, backspace) that
    // matches control characters on purpose.
    rules: { "no-control-regex": "off" },
  },
  {
    // The few plain JavaScript files (frontend/build.mjs, this file, a test's child script) run in Node.
    files: ["**/*.{js,mjs}"],
    languageOptions: { globals: globals.node },
  },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // vitest.config.ts is in tsconfig.test.json, which is not named tsconfig.json, so the
        // project service does not find it by itself.
        projectService: { allowDefaultProject: ["vitest.config.ts"], defaultProject: "tsconfig.test.json" },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // The reasons this configuration exists; recommendedTypeChecked has them all on already,
      // and they are named here so that no later change of preset turns them off unseen.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unsafe-argument": "error",
      "@typescript-eslint/no-unsafe-assignment": "error",
      "@typescript-eslint/no-unsafe-call": "error",
      "@typescript-eslint/no-unsafe-member-access": "error",
      "@typescript-eslint/no-unsafe-return": "error",
      "@typescript-eslint/no-unsafe-type-assertion": "error",
      // Off: every finding was an async function written to fit a Promise-returning signature
      // (a handler table, an interface, a callback) without needing an await; `async` also turns
      // a throw into a rejection, which those callers expect.
      "@typescript-eslint/require-await": "off",
      // `_` marks a parameter that a signature needs and the body does not use.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // A test's casts are the shapes it then asserts (`reply.content.status as string`, `err as
    // Error` in a catch it expects): a wrong one fails the test's own expect. The support code
    // under test/support and test/**/support is checked like the product's.
    files: ["test/**/*.test.ts"],
    rules: { "@typescript-eslint/no-unsafe-type-assertion": "off" },
  },
  {
    files: ["**/*.{js,mjs}"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);

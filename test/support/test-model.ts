// The real model file the local-model tests run: one place to change where it comes from.
// LUCI_TEST_MODEL_FILE, else the 0.5B model of Luci's store (`.ci/run` pulls it there with
// `luci model pull`). Absent, the test FAILS with what to run: a test of the model server that
// skipped would prove nothing.
import { existsSync } from "node:fs";
import { catalogueEntry } from "../../kernel/local-model/catalogue.js";
import { modelPaths, modelsDir } from "../../kernel/local-model/model-store.js";

export const TEST_MODEL_NAME = "qwen2.5-coder-0.5b";

export function testModelFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LUCI_TEST_MODEL_FILE) {
    if (!existsSync(env.LUCI_TEST_MODEL_FILE)) throw new Error(`LUCI_TEST_MODEL_FILE=${env.LUCI_TEST_MODEL_FILE}: no such file`);
    return env.LUCI_TEST_MODEL_FILE;
  }
  const stored = modelPaths(catalogueEntry(TEST_MODEL_NAME)!, modelsDir(env)).file;
  if (existsSync(stored)) return stored;
  throw new Error(
    `These tests run a real model, and none was found (${stored}). Run \`node dist/kernel/cli/luci.js model pull ${TEST_MODEL_NAME}\`, ` +
      "or set LUCI_TEST_MODEL_FILE to a GGUF file of Qwen2.5-Coder-0.5B-Instruct.",
  );
}

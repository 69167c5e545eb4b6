// A pull in a process of its own (the built dist/ code), for tests that kill a pull with
// SIGKILL or run two pulls at once: argv[2] is a JSON {entry, dir, indexUrl}. It prints one
// JSON line per progress report and one with the result.
import { pullModel } from "../../../../dist/kernel/local-model/pull.js";

const { entry, dir, indexUrl } = JSON.parse(process.argv[2]);
const env = { ...process.env, LUCI_INDEX_URL: indexUrl };
const result = await pullModel(entry, {
  dir,
  env,
  onProgress: (progress) => process.stdout.write(`${JSON.stringify({ progress })}\n`),
  onWait: (owner) => process.stdout.write(`${JSON.stringify({ waiting: owner })}\n`),
});
process.stdout.write(`${JSON.stringify({ result })}\n`);

// `luci trust NOTEBOOK...`: trust the recorded code in notebooks someone else made, as
// `jupyter trust` does for their outputs; until then it is shown and not run, and the
// requirements.txt in the notebook's folder is not installed (kernel/environments/notebook-environment.ts).
import { trustNotebook } from "../pipeline/records/trust.js";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { errorMessage } from "../common/errors.js";

export async function runTrustCommand(args: string[]): Promise<number> {
  if (args.length === 0 || args.includes("--help") || args.includes("-h")) {
    process.stdout.write(
      "Usage: luci trust NOTEBOOK.ipynb [...]\n  Trust the recorded code of these notebooks, so that it runs without being regenerated,\n  and the requirements.txt in their folders, so that it is installed.\n",
    );
    return args.length === 0 ? 2 : 0;
  }
  let failed = 0;
  for (const path of args) {
    try {
      const count = await trustNotebook(path);
      const requirements = join(dirname(resolve(path)), "requirements.txt");
      const installs = existsSync(requirements) ? `; ${requirements} is installed when its kernel next starts, if it was not yet` : "";
      process.stdout.write(`Trusted ${count} recorded ${count === 1 ? "program" : "programs"} in ${path}${installs}\n`);
    } catch (err) {
      failed += 1;
      process.stderr.write(`luci trust: ${path}: ${errorMessage(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}

// `%luci trust [NOTEBOOK]`: trusts the recorded code someone else made in a notebook (and so the
// requirements.txt in its folder). A notebook never trusts itself: JupyterLab's Run All sends
// allow_stdin=true as a person's run of one cell does, so the kernel cannot tell them apart by
// the request. It asks instead: it shows what would be trusted and waits, on the stdin channel,
// for a person to type the notebook's name. A notebook cannot answer its own question (Run All
// stops at it, for a person), and a run that takes no input (nbconvert, papermill) is refused
// with the terminal command that trusts it. What is trusted is what was shown: the records read
// when the question was asked, not whatever the file holds when the answer comes.
import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { CellFailure, UsageError } from "../common/cell-failure.js";
import { errorMessage } from "../common/errors.js";
import type { OutputSink } from "../common/output-sink.js";
import type { MagicContext } from "./kernel-magics.js";

/** The person did not confirm: nothing was trusted. */
class TrustDeclined extends CellFailure {
  constructor(message: string) {
    super("TrustDeclined", message);
  }
}

/** Trusts the notebook once a person confirms; returns what to say in the cell. */
export async function trustCommand(context: MagicContext, args: string[], sink: OutputSink): Promise<string> {
  const given = args[0] ?? context.notebookPath();
  if (!context.interactive()) {
    throw new UsageError(
      "%luci trust runs only when you run the cell yourself and answer its question (not under nbconvert or papermill, which take no input): " +
        `a notebook cannot trust itself. In a terminal: luci trust ${given ? resolve(given) : "NOTEBOOK"}`,
    );
  }
  if (!given) throw new UsageError("%luci trust needs the notebook's path here: %luci trust NOTEBOOK.ipynb");
  const path = resolve(given);
  if (!existsSync(path)) throw new UsageError(`%luci trust: ${path} does not exist; save the notebook first, or name it: %luci trust NOTEBOOK.ipynb`);
  const { notebookTrust, describeForeign } = await import("../pipeline/records/notebook-trust.js");
  const trust = notebookTrust([path]);
  const [unreadable] = trust.unreadable;
  if (unreadable) throw new UsageError(`%luci trust: ${unreadable.reason}`);
  if (trust.foreign.length === 0) {
    await installSkippedRequirements(context, sink);
    return `Nothing to trust in ${path}: its recorded code is yours or already trusted.`;
  }

  const name = basename(path);
  const count = trust.foreign.length;
  sink.stream(
    "stdout",
    `${name} holds ${count} recorded ${count === 1 ? "program" : "programs"} made by someone else:\n${describeForeign(trust)}\n` +
      "Trusting it runs that code whenever its cells run (with no model call and no question), " +
      "and installs what the requirements.txt in its folder asks for.\n",
  );
  const asked = sink.input(`Type the notebook's name (${name}) to trust it, anything else to leave it untrusted: `, false);
  const answer = (await asked.catch((err: unknown) => Promise.reject(new TrustDeclined(`${name} was not trusted: ${errorMessage(err)}.`)))).trim();
  if (answer !== name && answer !== name.replace(/\.ipynb$/i, "")) {
    throw new TrustDeclined(`${name} was not trusted (the answer was not its name): its recorded code stays shown and not run.`);
  }
  const { defaultTrustStore } = await import("../pipeline/records/trust.js");
  const trusted = await defaultTrustStore().trustRecords(
    trust.foreign.map((f) => f.record),
    path,
  );
  await installSkippedRequirements(context, sink);
  return `Trusted ${trusted} recorded ${trusted === 1 ? "program" : "programs"} of ${path}: they run without a model call from now on.`;
}

/** The folder's requirements.txt, skipped while the notebook was not trusted, installed now (into the running environment). */
async function installSkippedRequirements(context: MagicContext, sink: OutputSink): Promise<void> {
  const env = context.environment();
  if (!env?.requirementsSkipped()) return;
  const { Progress } = await import("../environments/progress.js");
  await env.installSkippedRequirements(new Progress(sink));
}

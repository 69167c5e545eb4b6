// `%luci model [NAME] [--base-url URL] [--temperature T] [--max-tokens N]`: which model task cells
// use. Where task cells are sent (the endpoint that gets the user's API key and the notebook's
// context) is the user's decision, never a notebook's: a change of endpoint is refused in a run
// that takes no input (nbconvert, papermill) and in a notebook holding someone else's recorded
// code the user has not trusted, and elsewhere it waits for a person to type "yes" (a notebook
// cannot answer the kernel's question, so Run All of a notebook sent to the user stops there).
// A choice is remembered for the notebook only when the notebook is trusted. `--default` makes it
// the user's default for every notebook without a choice of its own (common/user-config.ts): only
// where a person runs the cell, in a notebook they trust.
import { CellFailure, UsageError } from "../common/cell-failure.js";
import { errorMessage } from "../common/errors.js";
import type { OutputSink } from "../common/output-sink.js";
import type { ModelOverrides } from "../pipeline/model/settings.js";
import type { MagicContext } from "./kernel-magics.js";

/** The change of endpoint cannot be made here (no person to ask, or a notebook not trusted). */
class ModelChoiceRefused extends CellFailure {
  constructor(message: string) {
    super("ModelChoiceRefused", message);
  }
}

/** The person did not confirm the new endpoint: the old one stays. */
class ModelChoiceDeclined extends CellFailure {
  constructor(message: string) {
    super("ModelChoiceDeclined", message);
  }
}

export async function modelCommand(context: MagicContext, args: string[], sink: OutputSink): Promise<string> {
  if (args.length === 0) return context.describeModel();
  const asDefault = args.includes("--default");
  const askKey = args.includes("--key");
  const overrides = parseModelArgs(args.filter((arg) => arg !== "--default" && arg !== "--key"));
  if (askKey && (!asDefault || overrides.baseUrl === undefined)) {
    throw new UsageError("%luci model: --key goes with --default and --base-url: %luci model NAME --base-url URL --default --key");
  }
  const path = context.notebookPath();
  const { notebookTrust, untrustedReason } = await import("../pipeline/records/notebook-trust.js");
  const distrust = untrustedReason(notebookTrust(path ? [path] : []));
  if (asDefault && !context.interactive()) {
    throw new ModelChoiceRefused(
      "%luci model --default would change the model of all your notebooks, and this run takes no input (nbconvert, papermill): your default is your decision, not a notebook's, so it was not changed.",
    );
  }
  if (asDefault && distrust) {
    throw new ModelChoiceRefused(
      `%luci model --default would change the model of all your notebooks, and ${distrust}: a notebook you have not trusted may not choose it, so your default was not changed. Use the page's model menu, or trust the notebook first (%luci trust alone in a cell).`,
    );
  }
  const now = await context.modelDestination();
  const url = overrides.baseUrl;
  if (url !== undefined && withoutSlash(url) !== withoutSlash(now.baseUrl)) {
    const sent = `your ${now.keySet ? "API key and this notebook's context" : "notebook's context"}`;
    const yourself = `To use ${url}, set LUCI_LLM_BASE_URL (and LUCI_LLM_MODEL) where Luci starts, or run this cell yourself`;
    if (!context.interactive()) {
      throw new ModelChoiceRefused(
        `%luci model --base-url would send ${sent} to ${url}, and this run takes no input (nbconvert, papermill): where they go is your decision, not a notebook's, so the endpoint was not changed. ${yourself} in JupyterLab.`,
      );
    }
    if (distrust) {
      throw new ModelChoiceRefused(
        `%luci model --base-url would send ${sent} to ${url}, and ${distrust}: a notebook you have not trusted may not choose where they go, so the endpoint was not changed. ` +
          `${yourself} once you trust the notebook (%luci trust alone in a cell).`,
      );
    }
    sink.stream(
      "stdout",
      `From now on, task cells of ${asDefault ? "your notebooks" : "this notebook"} would send ${sent} (its earlier cells, the names in its namespace, the files of its folder) to ${url}` +
        `${asDefault ? ", as your default" : path ? ", and this notebook would keep using it" : ""}. Now: ${now.baseUrl ?? "found on this machine (LM Studio, Ollama or Luci's own model)"}.\n`,
    );
    const asked = sink.input(`Type yes to use ${url}, anything else to keep the endpoint as it is: `, false);
    const answer = (await asked.catch((err: unknown) => Promise.reject(new ModelChoiceDeclined(`the endpoint was not changed: ${errorMessage(err)}.`))))
      .trim()
      .toLowerCase();
    if (answer !== "yes") throw new ModelChoiceDeclined(`the endpoint was not changed: ${url} was not confirmed.`);
  }
  if (asDefault && askKey) {
    // Asked as a password (the frontend hides it), never in the cell's text: it would be saved with the notebook.
    const key = await sink
      .input(`API key for ${overrides.baseUrl} (saved for this endpoint alone in your config folder, never shown again; empty to forget it): `, true)
      .catch((err: unknown) => Promise.reject(new ModelChoiceDeclined(`your default was not changed: ${errorMessage(err)}.`)));
    overrides.apiKey = key.trim();
  }
  if (asDefault) return context.setModel(overrides, { remember: true, asDefault: true });
  const said = await context.setModel(overrides, { remember: !distrust });
  return distrust ? `${said} Not remembered: ${distrust}.` : said;
}

function withoutSlash(url: string | undefined): string | undefined {
  return url?.trim().replace(/\/+$/, "");
}

function parseModelArgs(args: string[]): ModelOverrides {
  const overrides: ModelOverrides = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new UsageError(`%luci model: ${arg} needs a value`);
      return next;
    };
    if (arg === "--base-url") overrides.baseUrl = value();
    else if (arg === "--temperature") overrides.temperature = Number(value());
    else if (arg === "--max-tokens") overrides.maxTokens = Number(value());
    else if (arg.startsWith("--")) throw new UsageError(`%luci model: unknown option ${arg}`);
    else overrides.model = arg;
  }
  return overrides;
}

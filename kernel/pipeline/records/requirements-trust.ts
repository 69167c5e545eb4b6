// The kernel's answer to "may this notebook's folder requirements be installed?"
// (environments/requirements-consent.ts): yes for a notebook the user made or trusted; no for
// one holding recorded code someone else made that the user has not trusted, with how to trust
// it. For a folder environment (nbconvert in a folder of several notebooks, none matched) every
// notebook of the folder must be trusted. The records layer loads only when a folder has a
// requirements.txt to judge.
import { notebooksIn, type NotebookIdentity } from "../../environments/notebook-identity.js";
import type { RequirementsConsent } from "../../environments/requirements-consent.js";

export const requirementsTrust: RequirementsConsent = {
  async refusal(identity: NotebookIdentity): Promise<string | undefined> {
    const { notebookTrust, untrustedReason } = await import("./notebook-trust.js");
    const paths = identity.kind === "notebook" ? [identity.key] : notebooksIn(identity.key);
    const trust = notebookTrust(paths);
    const why = untrustedReason(trust);
    if (!why) return undefined;
    const toTrust = [...new Set([...trust.foreign.map((f) => f.path), ...trust.unreadable.map((u) => u.path)])];
    const commands = toTrust.map((path) => `luci trust ${path}`).join("; ");
    return (
      `${why}. If you trust it, run \`%luci trust\` alone in a cell (it installs them at once), or \`${commands}\` in a terminal ` +
      "(they are installed when the kernel next starts)."
    );
  },
};

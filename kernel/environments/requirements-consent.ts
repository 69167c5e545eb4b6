// Whether the requirements.txt in a notebook's folder may be installed into its environment.
// Installing what a folder asks for runs code from it (a local wheel's .pth file runs at every
// Python start; a source package's build runs setup code), so it needs the same trust as the
// notebook's recorded code. The environments layer asks; the kernel gives the answer from the
// notebook's trust (pipeline/records/requirements-trust.ts), once, in the EnvironmentSettings.
import type { NotebookIdentity } from "./notebook-identity.js";

export interface RequirementsConsent {
  /** Why the folder's requirements may not be installed for this notebook now, and how to allow it, in words; undefined when they may. */
  refusal(identity: NotebookIdentity): Promise<string | undefined>;
}

/** Where nothing vouches for the notebook: nothing from its folder is installed (the gate fails closed). */
export const NO_CONSENT: RequirementsConsent = {
  refusal: () => Promise.resolve("nothing vouches for this notebook (Luci runs it without a way to check who made it)"),
};

// /api/luci/trust: whether a notebook holds recorded code the user's kernel would refuse to run
// (someone else's records, or records edited in the file), for the page's trust banner on open.
// Behind the token and the Origin check like every /api route. The answer is the kernel's own
// judgement (kernel/pipeline/records/notebook-trust.ts: each record's signature against the
// user's key and trusted records), made on the file as saved, with the trust folder the kernels
// get; the page never judges a record itself. It only reads: trusting stays `%luci trust`, which
// asks a person.
//   GET ?path=NOTEBOOK → { foreign: number, unreadable: string | null }
import { notebookTrust } from "../../kernel/pipeline/records/notebook-trust.js";
import { defaultTrustStore } from "../../kernel/pipeline/records/trust.js";
import type { RootedPaths } from "../contents/paths.js";
import { HttpError, sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";

const TRUST_PATH = /^\/api\/luci\/trust\/?$/;

/** `env`: the environment kernels start in (so the trust folder is theirs). */
export function trustRoutes(router: Router, env: NodeJS.ProcessEnv, paths: RootedPaths): void {
  router.add("GET", TRUST_PATH, ({ res, url }) => {
    const path = url.searchParams.get("path");
    if (!path) throw new HttpError(400, "path: the notebook's path is needed");
    const trust = notebookTrust([paths.resolve(path).os], defaultTrustStore(env));
    sendJson(res, 200, { foreign: trust.foreign.length, unreadable: trust.unreadable[0]?.reason ?? null });
  });
}

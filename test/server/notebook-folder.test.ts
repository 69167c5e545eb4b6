// `luci serve` with no --root (what `npm start` runs) serves the user's folder, not the
// checkout's notebooks/: ~/luci-notebooks (LUCI_NOTEBOOK_DIR), made on first start with copies
// of the examples, which a later start never overwrites, and an example the user deleted does
// not come back. Its own process, with a temporary HOME.
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OFFERED_FILE, defaultNotebookFolder, describeNotebookFolder, prepareNotebookFolder } from "../../server/notebook-folder.js";
import { spawnServe } from "./child-server.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const EXAMPLES = join(ROOT, "notebooks");
const TOKEN = "folder-test-token";
const cleanup: (() => void)[] = [];

afterEach(() => {
  for (const step of cleanup.splice(0).reverse()) step();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `luci serve` with no --root, HOME in `home`; resolves with its output once it prints its URL. */
async function serveWithoutRoot(home: string): Promise<{ child: ChildProcess; output: string; url: URL }> {
  const env: Record<string, string | undefined> = { ...process.env, HOME: home, LUCI_STATE_DIR: join(home, "state"), LUCI_TRUST_DIR: join(home, "trust") };
  delete env.LUCI_NOTEBOOK_DIR;
  delete env.XDG_DATA_HOME;
  const served = spawnServe(["--port", "0", "--token", TOKEN], env, ROOT);
  cleanup.push(() => {
    if (served.child.exitCode === null) served.child.kill("SIGKILL");
  });
  const url = await served.url;
  return { child: served.child, output: served.output(), url };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((ok) => child.once("exit", ok));
  child.kill("SIGTERM");
  await exited;
}

async function listed(url: URL): Promise<string[]> {
  const response = await fetch(new URL("/api/contents", url), { headers: { Authorization: `token ${TOKEN}` } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { content: { name: string }[] };
  return body.content.map((c) => c.name).sort();
}

const examples = () => readdirSync(EXAMPLES).filter((n) => n.endsWith(".ipynb"));

describe("luci serve with no --root", () => {
  it("makes ~/luci-notebooks with the examples, serves it, and a second start keeps the user's edits and deletions", async () => {
    const home = tempDir("luci-home-");
    const folder = join(home, "luci-notebooks");
    expect(examples()).toEqual(expect.arrayContaining(["loan-payment.ipynb", "python-basics.ipynb"]));

    const first = await serveWithoutRoot(home);
    expect(first.output).toContain(`Made ${folder} for your notebooks, with the examples ${examples().sort().join(", ")}`);
    expect(first.output).toContain(`Luci is serving ${folder}\n`);
    for (const name of examples()) expect(readFileSync(join(folder, name), "utf8")).toBe(readFileSync(join(EXAMPLES, name), "utf8"));
    expect(await listed(first.url)).toEqual(examples().sort());
    // Saving through the server writes into the user's folder, never the checkout's.
    const saved = await fetch(new URL("/api/contents/mine.ipynb", first.url), {
      method: "PUT",
      headers: { Authorization: `token ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ type: "notebook", format: "json", content: { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] } }),
    });
    expect(saved.status).toBeLessThan(300);
    expect(existsSync(join(folder, "mine.ipynb"))).toBe(true);
    expect(existsSync(join(EXAMPLES, "mine.ipynb"))).toBe(false);
    await stop(first.child);

    // The user edits one example and deletes the other.
    const edited = readFileSync(join(folder, "loan-payment.ipynb"), "utf8").replace("250000", "180000");
    writeFileSync(join(folder, "loan-payment.ipynb"), edited);
    unlinkSync(join(folder, "python-basics.ipynb"));

    const second = await serveWithoutRoot(home);
    expect(second.output).not.toContain("Made ");
    expect(second.output).not.toContain("Copied ");
    expect(second.output).toContain(`Luci is serving ${folder}\n`);
    expect(readFileSync(join(folder, "loan-payment.ipynb"), "utf8")).toBe(edited);
    expect(existsSync(join(folder, "python-basics.ipynb"))).toBe(false);
    expect(await listed(second.url)).toEqual(
      examples()
        .filter((n) => n !== "python-basics.ipynb")
        .concat("mine.ipynb")
        .sort(),
    );
    await stop(second.child);
  }, 60_000);
});

describe("the notebook folder", () => {
  it("is LUCI_NOTEBOOK_DIR when set, else luci-notebooks in the home folder", () => {
    expect(defaultNotebookFolder({ HOME: "/home/ana" })).toBe("/home/ana/luci-notebooks");
    expect(defaultNotebookFolder({ HOME: "/home/ana", LUCI_NOTEBOOK_DIR: "/data/nb" })).toBe("/data/nb");
  });

  it("gets an example added to a later Luci, but never over a file of the user's of that name", () => {
    const examples = tempDir("luci-examples-");
    const folder = join(tempDir("luci-folder-"), "notebooks");
    writeFileSync(join(examples, "a.ipynb"), "example a");
    writeFileSync(join(examples, "notes.txt"), "not a notebook");
    const first = prepareNotebookFolder(folder, examples);
    expect(first).toEqual({ folder, created: true, copied: ["a.ipynb"] });
    expect(describeNotebookFolder(first)).toMatch(/^Made .* with the examples a\.ipynb/);
    expect(readdirSync(folder).sort()).toEqual([OFFERED_FILE, "a.ipynb"]);

    // A later Luci ships b and c; the user already has a file called c.ipynb.
    writeFileSync(join(examples, "b.ipynb"), "example b");
    writeFileSync(join(examples, "c.ipynb"), "example c");
    writeFileSync(join(folder, "c.ipynb"), "the user's c");
    const second = prepareNotebookFolder(folder, examples);
    expect(second).toEqual({ folder, created: false, copied: ["b.ipynb"] });
    expect(describeNotebookFolder(second)).toBe(`Copied the new example b.ipynb into ${folder}`);
    expect(readFileSync(join(folder, "c.ipynb"), "utf8")).toBe("the user's c");
    expect(readFileSync(join(folder, "b.ipynb"), "utf8")).toBe("example b");

    // Each example is offered once: c was the user's, so deleting it does not bring Luci's.
    unlinkSync(join(folder, "c.ipynb"));
    const third = prepareNotebookFolder(folder, examples);
    expect(third.copied).toEqual([]);
    expect(describeNotebookFolder(third)).toBeUndefined();
    expect(existsSync(join(folder, "c.ipynb"))).toBe(false);
  });

  it("is made with no examples when Luci has none", () => {
    const folder = join(tempDir("luci-folder-"), "deep", "notebooks");
    const noExamples = join(tempDir("luci-examples-"), "missing");
    expect(prepareNotebookFolder(folder, noExamples)).toEqual({ folder, created: true, copied: [] });
    expect(existsSync(folder)).toBe(true);
  });
});

// The page's routes: index.html for / and /notebooks/..., files under /static/ from the page's
// folder only, without a token; a short "not built" page when there is no bundle.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LuciServer } from "../../../server/app.js";

const scratch = mkdtempSync(join(tmpdir(), "luci-page-"));
const servers: LuciServer[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(scratch, { recursive: true, force: true });
});

async function serveWith(frontendDir: string): Promise<string> {
  const root = mkdtempSync(join(scratch, "root-"));
  const server = new LuciServer({ root, host: "127.0.0.1", token: "t", frontendDir });
  servers.push(server);
  return `http://127.0.0.1:${await server.listen(0)}`;
}

describe("the page's routes", () => {
  it("serves index.html for / and notebook URLs, and static files by type, without a token", async () => {
    const dir = join(scratch, "built");
    mkdirSync(join(dir, "assets"), { recursive: true });
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>page</title>");
    writeFileSync(join(dir, "app.js"), "console.log(1)");
    writeFileSync(join(dir, "assets", "luci.css"), "body{}");
    writeFileSync(join(dir, ".secret"), "no");
    const base = await serveWith(dir);
    for (const path of ["/", "/notebooks/a/b.ipynb"]) {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("<title>page</title>");
    }
    const js = await fetch(`${base}/static/app.js`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await js.text()).toBe("console.log(1)");
    expect((await fetch(`${base}/static/assets/luci.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await fetch(`${base}/static/.secret`)).status).toBe(404);
    expect((await fetch(`${base}/static/missing.js`)).status).toBe(404);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
  });

  it("says the page is not built when there is no index.html", async () => {
    const base = await serveWith(join(scratch, "never-built"));
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("npm run build");
  });
});

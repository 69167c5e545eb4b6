// Issue 13, "a newcomer's first hour": under `luci serve` (what `npm start` runs) with nothing
// configured, no LUCI_UV and no uv on PATH, a new notebook's first Python cell makes its
// environment with uv, which `luci install` left in Luci's tools venv: the kernelspec the server
// builds for itself names no uv, and the kernel finds it. Observed as a user would: the cell's
// progress line names uv, and the venv's pyvenv.cfg was written by uv. Through the server in its
// own process and the @jupyterlab/services client the page uses.
import { type KernelManager, type SessionManager, type KernelMessage } from "@jupyterlab/services";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UV } from "../kernel/environments/environment-kernel.js";
import { startUnconfiguredServer, type ChildServer } from "./child-server.js";
import { quietJupyterLabServices } from "./server-harness.js";
import { servicesManagers } from "../support/services-cells.js";

quietJupyterLabServices();

let server: ChildServer;
let scratch: string;
let envs: string;
let kernels: KernelManager;
let sessions: SessionManager;

beforeAll(async () => {
  if (!existsSync(UV)) throw new Error(`uv is needed at ${UV} (bash .ci/run installs it into .venv)`);
  scratch = mkdtempSync(join(tmpdir(), "luci-serve-uv-"));
  ({ server, envs } = await startUnconfiguredServer(scratch, UV));
  ({ kernels, sessions } = await servicesManagers(server.base.href, server.token));
}, 60_000);

afterAll(async () => {
  sessions?.dispose();
  kernels?.dispose();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("luci serve with nothing configured", () => {
  it("makes a new notebook's environment with uv found in Luci's tools venv, and the cell says so", async () => {
    const spec = (await (await server.api("/api/kernelspecs")).json()) as { kernelspecs: Record<string, { spec: { env: Record<string, string> } }> };
    expect(spec.kernelspecs.luci?.spec.env.LUCI_UV).toBeUndefined(); // the kernel finds uv by itself

    const created = await server.api("/api/contents/first.ipynb", {
      method: "PUT",
      body: JSON.stringify({ type: "notebook", format: "json", content: { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] } }),
    });
    expect(created.status).toBe(201);
    const session = await sessions.startNew({ path: "first.ipynb", type: "notebook", name: "first.ipynb", kernel: { name: "luci" } });
    const progress: string[] = [];
    let stdout = "";
    const future = session.kernel!.requestExecute({ code: "import sys\nprint(sys.prefix)" });
    future.onIOPub = (message: KernelMessage.IIOPubMessage) => {
      const content = message.content as { text?: string; data?: Record<string, unknown> };
      if (message.header.msg_type === "stream") stdout += content.text ?? "";
      const plain = content.data?.["text/plain"];
      if (typeof plain === "string" && /environment/i.test(plain)) progress.push(plain);
    };
    const reply = await future.done;
    expect(reply.content.status).toBe("ok");

    expect(progress.join("\n")).toMatch(/Creating environment luci_first_[0-9a-f]{8} with uv… done in [\d.]+ s \(Python 3\.\d+/);
    const made = readdirSync(envs).filter((name) => name.startsWith("luci_first_") && !name.endsWith(".lock"));
    expect(made).toHaveLength(1);
    const venv = join(envs, made[0]!);
    expect(stdout.trim()).toBe(venv); // the cell ran in it
    expect(readFileSync(join(venv, "pyvenv.cfg"), "utf8")).toMatch(/^uv = \d+\.\d+\.\d+/m);
    const registry = JSON.parse(readFileSync(join(envs, "environments.json"), "utf8")) as { environments: Record<string, { tool: string }> };
    expect(Object.values(registry.environments).map((record) => record.tool)).toEqual(["uv"]);
    await session.shutdown();
  });
});

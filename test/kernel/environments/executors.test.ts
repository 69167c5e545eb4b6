// The executor registry in-process: one entry per executor, the start-up choice read from it,
// and `%luci executor` choosing by it. No source is made until an executor is used.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ChosenSource, initialExecutor, notebookExecutors } from "../../../kernel/environments/executor-choice.js";
import { DEFAULT_EXECUTOR, EXECUTORS, executorNamed, type ExecutorContext } from "../../../kernel/environments/executors.js";

function stateEnv(): NodeJS.ProcessEnv {
  return { LUCI_STATE_DIR: mkdtempSync(join(tmpdir(), "luci-executors-")) };
}

describe("the executor registry", () => {
  it("names each executor once, venv first (the default)", () => {
    expect(EXECUTORS.map((e) => e.name)).toEqual(["venv", "container"]);
    expect(DEFAULT_EXECUTOR.name).toBe("venv");
    expect(executorNamed("container")?.description).toMatch(/Docker container/);
    expect(executorNamed("cluster")).toBeUndefined();
  });

  it("the start-up choice: LUCI_EXECUTOR, else the notebook's remembered one, else venv", async () => {
    const env = stateEnv();
    expect(initialExecutor("/n/a.ipynb", env).name).toBe("venv");
    await notebookExecutors(env).set("/n/a.ipynb", { executor: "container" });
    expect(initialExecutor("/n/a.ipynb", env).name).toBe("container");
    expect(initialExecutor("/n/a.ipynb", { ...env, LUCI_EXECUTOR: "venv" }).name).toBe("venv");
    // A remembered name no executor has (an older version's) falls back to the default.
    await notebookExecutors(env).set("/n/b.ipynb", { executor: "cluster" });
    expect(initialExecutor("/n/b.ipynb", env).name).toBe("venv");
  });

  it("%luci executor chooses by the registry, remembers the choice, and lists the executors for a wrong name", async () => {
    const env = stateEnv();
    const context = { env } as unknown as ExecutorContext; // no source is made by choosing
    const chosen = new ChosenSource(context, DEFAULT_EXECUTOR, () => "/n/c.ipynb");
    await expect(chosen.choose("cluster")).rejects.toThrow(/"cluster" is not an executor; choose venv \(.*\) or container \(.*\)/);
    expect(await chosen.choose("container")).toMatch(/From the next cell on, this notebook's code runs in its container \(remembered/);
    expect(chosen.kind).toBe("container");
    expect(notebookExecutors(env).get("/n/c.ipynb").executor).toBe("container");
    expect(await chosen.choose("container")).toBe("This notebook already runs in its container.");
  });
});

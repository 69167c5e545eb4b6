// What the model is told besides the task, in process: the earlier cells numbered in the log,
// the first lines of the files a task names (redacted), and nothing of files it does not name.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CellLog, gatherContext, namespaceEntries } from "../../../kernel/pipeline/task-context.js";
import { taskMessages } from "../../../kernel/pipeline/model/prompt.js";

function sources(cwd: string, cells = new CellLog()) {
  return { cells, namespace: async () => [], packages: () => [], cwd };
}

describe("gatherContext", () => {
  it("shows the first lines of the files the task names, so a semicolon file is read right the first time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "luci-context-"));
    writeFileSync(join(dir, "weather.csv"), "station;date;temp_c\r\nBerlin;01.02.2024;3,5\r\nBonn;01.02.2024;4,1\r\nKiel;01.02.2024;2,0\r\n");
    writeFileSync(join(dir, "other.csv"), "a,b\n1,2\n");
    writeFileSync(join(dir, "keys.txt"), `token = "sk-${"a".repeat(30)}"\n`);
    mkdirSync(join(dir, "data.csv")); // a folder with a file's name is not read
    const context = await gatherContext(sources(dir), "Load weather.csv and keys.txt and data.csv, plot the temperature per station");
    expect(context.filePreviews).toEqual([
      { name: "keys.txt", lines: ['token = "<redacted>"'] },
      { name: "weather.csv", lines: ["station;date;temp_c", "Berlin;01.02.2024;3,5", "Bonn;01.02.2024;4,1"] },
    ]);
    const user = taskMessages("Load weather.csv", context)[1]!.content;
    expect(user).toContain("## First lines of weather.csv\n```\nstation;date;temp_c\nBerlin;01.02.2024;3,5\nBonn;01.02.2024;4,1\n```");
    expect(user).not.toContain("a,b");
    expect((await gatherContext(sources(dir), "Plot the temperature")).filePreviews).toEqual([]);
  });

  it("numbers the cells as they ran, so the prompt's window of earlier cells moves in steps", async () => {
    const log = new CellLog();
    const prompts: string[] = [];
    for (let i = 0; i < 12; i++) {
      log.add({ task: `task ${i}`, code: `x${i} = ${i}` });
      prompts.push(taskMessages("next", await gatherContext(sources(tmpdir(), log)))[1]!.content);
    }
    const firstShown = (prompt: string) => Number(/### Cell (\d+)/.exec(prompt)![1]);
    // Up to eight cells: all shown. Then the window starts at cell 4, then 7: three tasks in a row
    // share the same beginning, and each prompt holds its newest cell.
    expect(prompts.map(firstShown)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4, 7]);
    prompts.forEach((prompt, i) => expect(prompt).toContain(`### Cell ${i + 1}\nTask: task ${i}`));
    expect(prompts[9]).toContain("3 older not shown");
    // Between two steps, each prompt begins as the previous one did, up to its newest cell.
    expect(prompts[10]!.startsWith(prompts[9]!.slice(0, prompts[9]!.indexOf("### Cell 10")))).toBe(true);
    expect(prompts[9]!.startsWith(prompts[8]!.slice(0, prompts[8]!.indexOf("### Cell 9")))).toBe(true);
  });
});

describe("namespaceEntries", () => {
  it("keeps the worker's entries that have a NamespaceEntry's shape and leaves out the others", () => {
    const frame = { name: "df", type: "DataFrame", shape: [24, 2], columns: ["date: object", "revenue: float64"] };
    const number = { name: "n", type: "int", preview: "3" };
    expect(namespaceEntries([frame, { name: "x" }, { name: "s", type: "str", shape: "24x2" }, "df", null, number])).toEqual([frame, number]);
    expect(namespaceEntries(undefined)).toEqual([]);
    expect(namespaceEntries({ df: frame })).toEqual([]);
  });
});

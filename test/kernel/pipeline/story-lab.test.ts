// Story 1 of DESIGN.md through a real kernel on a notebook of its own: "load sales.csv and plot
// revenue by month" gets a plan, code and validation, the notebook's environment gets pandas and
// matplotlib from the public index (progress shown), the plot appears; "now only for 2024" then
// uses the DataFrame the first cell made (the model is told about it).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../../kernel/protocol/messages.js";
import { executeAnswering, streamText } from "../../support/kernel-client.js";
import type { StartedKernel } from "../../support/kernel-process.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";
import { progressText, startNotebookKernel, workspace, writeNotebook } from "../environments/environment-kernel.js";

let server: FakeModelServer;
let kernel: StartedKernel;
const space = workspace();

beforeAll(async () => {
  server = await startFakeModelServer();
  const rows = ["month,year,revenue"];
  for (const year of [2023, 2024]) for (let month = 1; month <= 12; month++) rows.push(`${month},${year},${100 * month + (year - 2023) * 7}`);
  writeFileSync(join(space.notebooks, "sales.csv"), rows.join("\n") + "\n");
  writeNotebook(space.notebooks, "sales.ipynb");
  kernel = await startNotebookKernel({ ...space, session: "sales.ipynb" });
  // The model server for this kernel: set through %luci model (the kernel started without one).
  // A new endpoint asks the person first (kernel/cells/model-command.ts).
  await executeAnswering(kernel.client, `%luci model fake-coder --base-url ${server.baseUrl}`, "yes");
}, 120_000);
afterAll(async () => {
  await kernel?.stop();
  await server?.close();
});

function images(iopub: Message[]): string[] {
  return iopub
    .filter((m) => m.header.msg_type === "display_data")
    .map((m) => (m.content.data as Record<string, string>)["image/png"])
    .filter((png): png is string => typeof png === "string");
}

describe("story 1: a task in JupyterLab", () => {
  it("plots revenue by month, installing pandas and matplotlib into the notebook's environment", async () => {
    server.enqueue(
      answer({
        code:
          "import pandas as pd\nimport matplotlib.pyplot as plt\n\ndf = pd.read_csv('sales.csv')\n" +
          "monthly = df.groupby('month')['revenue'].sum()\nmonthly.plot(kind='bar', title='Revenue by month')\nplt.show()\nprint(len(df), 'rows')",
      }),
    );
    const { reply, iopub } = await kernel.client.execute("load sales.csv and plot revenue by month");
    expect(reply.content.status, JSON.stringify(reply.content)).toBe("ok");
    expect(progressText(iopub)).toMatch(/Installing pandas, matplotlib… done in [\d.]+ s \(pandas [\d.]+, matplotlib [\d.]+\)/);
    expect(images(iopub)).toHaveLength(1);
    expect(Buffer.from(images(iopub)[0]!, "base64").subarray(1, 4).toString()).toBe("PNG");
    expect(streamText(iopub)).toBe("24 rows\n");
  }, 300_000);

  it("'now only for 2024' uses the DataFrame the first cell made", async () => {
    server.reset();
    server.enqueue(answer({ code: "df_2024 = df[df['year'] == 2024]\nprint(df_2024['revenue'].sum())" }));
    const { reply, iopub } = await kernel.client.execute("now only for 2024");
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toBe(`${Array.from({ length: 12 }, (_, i) => 100 * (i + 1) + 7).reduce((a, b) => a + b)}\n`);
    const prompt = JSON.stringify(server.chatRequests[0]!.body);
    expect(prompt).toMatch(/df.*DataFrame/);
    expect(prompt).toContain("revenue");
  });
});

// LUCI_VALIDATION_THRESHOLD through the kernel: the same generated code (a subprocess with a
// shell: one high issue, score 0.70) is stopped at the default 0.8, runs at 0.6; at 1 even a
// practice note (a bare except, score 0.99) stops code. A bad value is clamped into 0..1.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeAnswer, startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";
import { fakeModelEnv } from "../../support/fake-model-kernel.js";
import { displayData, streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

const SHELL = "import subprocess\nsubprocess.run('echo ran with a shell', shell=True, check=True)";
const BARE_EXCEPT = "try:\n    print('ran with a bare except')\nexcept:\n    pass";

let server: FakeModelServer;
const kernels: StartedKernel[] = [];

beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await Promise.all(kernels.map((k) => k.stop()));
  await server?.close();
});

async function kernelWith(threshold?: string): Promise<StartedKernel> {
  const kernel = await startKernel({ env: fakeModelEnv(server, threshold === undefined ? {} : { LUCI_VALIDATION_THRESHOLD: threshold }) });
  kernels.push(kernel);
  return kernel;
}

async function task(kernel: StartedKernel, text: string, code: string) {
  server.enqueue(codeAnswer({ code }));
  const { reply, iopub } = await kernel.client.execute(text);
  const validation = displayData(iopub, "application/vnd.luci.validation+json")[0]!["application/vnd.luci.validation+json"] as {
    score: number;
    threshold: number;
  };
  return { reply, iopub, validation };
}

describe("LUCI_VALIDATION_THRESHOLD", () => {
  it("the default 0.8 stops code that scores 0.70", async () => {
    const { reply, iopub, validation } = await task(await kernelWith(), "Echo with a shell, default threshold", SHELL);
    expect(validation).toMatchObject({ score: 0.7, threshold: 0.8 });
    expect(reply.content).toMatchObject({ status: "error", ename: "ValidationFailed" });
    expect(streamText(iopub)).not.toContain("ran with a shell");
  });

  it("0.6 lets the same code run", async () => {
    const { reply, iopub, validation } = await task(await kernelWith("0.6"), "Echo with a shell, threshold 0.6", SHELL);
    expect(validation).toMatchObject({ score: 0.7, threshold: 0.6 });
    expect(reply.content.status).toBe("ok");
    expect(streamText(iopub)).toContain("ran with a shell");
  });

  it("1 stops code with only a practice note; a value above 1 is brought to 1", async () => {
    for (const threshold of ["1", "7"]) {
      const { reply, iopub, validation } = await task(await kernelWith(threshold), `Print with a bare except, threshold ${threshold}`, BARE_EXCEPT);
      expect(validation).toMatchObject({ score: 0.99, threshold: 1 });
      expect(reply.content).toMatchObject({ status: "error", ename: "ValidationFailed" });
      expect(streamText(iopub)).not.toContain("ran with a bare except");
    }
  });
});

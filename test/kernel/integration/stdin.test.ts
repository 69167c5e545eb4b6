// input() and getpass() ask the client over stdin when it allows; otherwise they fail clearly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ofType, streamText } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

let kernel: StartedKernel;
beforeAll(async () => {
  kernel = await startKernel();
});
afterAll(async () => {
  if (kernel) kernel.client.onInputRequest = undefined;
  await kernel?.stop();
});

describe("stdin", () => {
  it("input() sends input_request with the prompt and returns the reply", async () => {
    const c = kernel.client;
    const prompts: unknown[] = [];
    c.onInputRequest = (m) => {
      prompts.push(m.content);
      c.input(m.content.password ? "s3cret" : "Ada", m);
    };
    const { reply, iopub } = await c.execute(
      "print('first')\nname = input('Name? ')\nimport getpass\npw = getpass.getpass('Password: ')\nprint(name, len(pw))",
      { allow_stdin: true },
    );
    expect(reply.content.status).toBe("ok");
    expect(prompts).toEqual([
      { prompt: "Name? ", password: false },
      { prompt: "Password: ", password: true },
    ]);
    expect(streamText(iopub)).toContain("first\n");
    expect(streamText(iopub)).toContain("Ada 6\n");
  });

  it("without allow_stdin, input() fails with an error that says why", async () => {
    const { reply, iopub } = await kernel.client.execute("input('x? ')", { allow_stdin: false });
    expect(reply.content.status).toBe("error");
    expect(reply.content.ename).toBe("StdinNotImplementedError");
    expect(String(reply.content.evalue)).toMatch(/does not accept input/);
    expect(ofType(iopub, "error")).toHaveLength(1);
  });
});

// The worker and user code see the environment the kernel was started with, including the
// NODE_EXTRA_CA_CERTS that the kernelspec defers past the kernel's start (deferred-ca-certs.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ofType } from "../../support/kernel-client.js";
import { startKernel, type StartedKernel } from "../../support/kernel-process.js";

let kernel: StartedKernel;
beforeAll(async () => {
  kernel = await startKernel({ env: { NODE_EXTRA_CA_CERTS: "", LUCI_NODE_EXTRA_CA_CERTS: "/etc/example-ca.pem" } });
});
afterAll(async () => {
  await kernel?.stop();
});

describe("environment", () => {
  it("restores NODE_EXTRA_CA_CERTS for user code and hides the kernel's own variable", async () => {
    const { iopub } = await kernel.client.execute("import os; (os.environ.get('NODE_EXTRA_CA_CERTS'), 'LUCI_NODE_EXTRA_CA_CERTS' in os.environ)");
    expect(ofType(iopub, "execute_result")[0]!.content.data).toMatchObject({ "text/plain": "('/etc/example-ca.pem', False)" });
  });

  it("runs user code in the kernel's working directory, importable as ''", async () => {
    const { iopub } = await kernel.client.execute("import os, sys; (os.getcwd() == %r, sys.path[0])".replace("%r", JSON.stringify(kernel.dir)));
    expect(ofType(iopub, "execute_result")[0]!.content.data).toMatchObject({ "text/plain": "(True, '')" });
  });
});

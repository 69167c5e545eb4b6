// One Luci kernel against the fake model server, shared by a file's task-cell tests: the server
// streams its answers in chunks of 8 characters, the kernel is started with the server's settings
// (model "fake-coder", no key), the server's queue and recorded requests are emptied before each
// test, and both stop after the file.
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startFakeModelServer, type FakeModelServer } from "./fake-model-server.js";
import { startKernel, type StartedKernel } from "./kernel-process.js";

export interface KernelWithFakeModel {
  /** Set before the file's first test. */
  server: FakeModelServer;
  /** Set before the file's first test. */
  kernel: StartedKernel;
}

/** A kernel's LUCI_* settings for the fake model server; `extra` adds or overrides. */
export function fakeModelEnv(server: FakeModelServer, extra: Record<string, string> = {}): Record<string, string> {
  return { LUCI_LLM_BASE_URL: server.baseUrl, LUCI_LLM_MODEL: "fake-coder", LUCI_LLM_API_KEY: "", ...extra };
}

class Fixture implements KernelWithFakeModel {
  // Set in beforeAll, before the file's first test reads them.
  server!: FakeModelServer;
  kernel!: StartedKernel;
}

/** Registers the file's hooks (call it at the top of a test file); the fields are set in beforeAll. */
export function kernelWithFakeModel(): KernelWithFakeModel {
  const fixture = new Fixture();
  beforeAll(async () => {
    fixture.server = await startFakeModelServer({ chunkSize: 8 });
    fixture.kernel = await startKernel({ env: fakeModelEnv(fixture.server) });
  });
  afterAll(async () => {
    await fixture.kernel?.stop();
    await fixture.server?.close();
  });
  beforeEach(() => fixture.server.reset());
  return fixture;
}

// bench/container.bench.ts - the container executor against the venv executor, in one run, as
// issue 5 asks (a real Docker engine; the image is luci-python:local unless LUCI_CONTAINER_IMAGE):
//
//   1. cold start to a ready worker, the environment already built: a new container created,
//      attached and started, the worker's `ready` event received. Target <= 500 ms. The venv
//      executor's start of the same worker is measured beside it.
//   2. the `x = 1` round trip (execute_request to idle) through a real kernel with each
//      executor, on the same notebook folder. Target: container <= 2x venv.
//   3. one small package (a wheel from a loopback index, warm uv cache): installed into the
//      container's environment (what a cell waits for), and, for comparison with the design
//      that was not taken, a `docker build` of an image with that package on the base image.
//
//   npx vitest run --config bench/vitest.bench.config.ts bench/container.bench.ts
//
// JSON to LUCI_BENCH_OUT (default bench/results/latest/container.json). Sizes: LUCI_BENCH_STARTS
// (20), LUCI_BENCH_EXECS (200), LUCI_BENCH_INSTALLS (5), LUCI_BENCH_BUILDS (3).
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { afterAll, describe, it } from "vitest";
import { ContainerSource } from "../kernel/environments/container-source.js";
import { EnvironmentSource } from "../kernel/environments/environment-source.js";
import { identifyNotebook } from "../kernel/environments/notebook-identity.js";
import { environmentSettings } from "../kernel/environments/settings.js";
import { containerSettings } from "../kernel/runtime/container/container-settings.js";
import type { Executor } from "../kernel/runtime/executor.js";
import { WorkerConnection } from "../kernel/runtime/worker-connection.js";
import { containerEnv, ROOT, startKernel } from "../test/support/kernel-process.js";
import { startPackageIndex } from "../test/support/package-index.js";
import { intEnv, stats } from "./stats.js";
import { errorStack } from "../kernel/common/errors.js";

const STARTS = intEnv("LUCI_BENCH_STARTS", 20);
const EXECS = intEnv("LUCI_BENCH_EXECS", 200);
const INSTALLS = intEnv("LUCI_BENCH_INSTALLS", 5);
const BUILDS = intEnv("LUCI_BENCH_BUILDS", 3);
const OUT = process.env.LUCI_BENCH_OUT || join(ROOT, "bench", "results", "latest", "container.json");

const env: NodeJS.ProcessEnv = { ...process.env, ...containerEnv(), LUCI_ENV_DIR: mkdtempSync(join(tmpdir(), "luci-bench-envs-")) };
const folder = mkdtempSync(join(tmpdir(), "luci-bench-container-"));
chmodSync(folder, 0o777);
const results: Record<string, unknown> = { sizes: { starts: STARTS, execs: EXECS, installs: INSTALLS, builds: BUILDS }, image: env.LUCI_CONTAINER_IMAGE };
const errors: string[] = [];

afterAll(() => {
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify({ ...results, errors }, null, 2) + "\n");
  if (errors.length) throw new Error(errors.join("\n"));
});

async function measure(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    errors.push(`${name}: ${errorStack(err)}`);
  }
}

function sources() {
  const settings = environmentSettings(env);
  const identification = identifyNotebook(undefined, folder);
  return {
    venv: new EnvironmentSource(settings, identification),
    container: new ContainerSource(settings, identification, () => containerSettings(env)),
  };
}

/** Starts a worker STARTS times; ms from start() to its ready event. */
async function starts(executor: Executor): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const worker = new WorkerConnection(executor, folder);
    await worker.ready;
    times.push(performance.now() - t0);
    await worker.stop();
  }
  return times;
}

describe("container executor", () => {
  it("cold start to a ready worker, the environment built", async () => {
    await measure("cold start", async () => {
      const { venv, container } = sources();
      const containerExecutor = await container.prepare({});
      const venvExecutor = await venv.prepare({});
      await starts(containerExecutor); // the first start pays for loading dockerode and the image's pages
      results.cold_start_ms = { container: stats(await starts(containerExecutor)), venv: stats(await starts(venvExecutor)) };
    });
  });

  it("x = 1 round trip through a kernel with each executor", async () => {
    await measure("x = 1", async () => {
      const round: Record<string, number[]> = {};
      for (const executor of ["venv", "container"]) {
        const kernel = await startKernel({ cwd: folder, env: { ...env, LUCI_EXECUTOR: executor } });
        try {
          await kernel.client.execute("x = 0");
          for (let i = 0; i < 20; i++) await kernel.client.execute("x = 1"); // warm
          const times: number[] = [];
          for (let i = 0; i < EXECS; i++) {
            const t0 = performance.now();
            await kernel.client.execute("x = 1");
            times.push(performance.now() - t0);
          }
          round[executor] = times;
        } finally {
          await kernel.stop();
        }
      }
      const container = stats(round.container!);
      const venv = stats(round.venv!);
      results.x_equals_1_ms = { container, venv, ratio: container.median && venv.median ? Math.round((container.median / venv.median) * 100) / 100 : null };
    });
  });

  it("one small package: installed into the container's environment, and built into an image", async () => {
    await measure("one package", async () => {
      const index = await startPackageIndex([{ name: "luci-bench-pkg", version: "1.0.0" }]);
      try {
        const { container } = sources();
        await container.prepare({});
        const installer = container.environment!.installer;
        const installs: number[] = [];
        for (let i = 0; i < INSTALLS; i++) {
          await installer.uninstall(["luci-bench-pkg"]).catch(() => undefined);
          const t0 = performance.now();
          await installer.install(["--index-url", index.url, "luci-bench-pkg"]);
          installs.push(performance.now() - t0);
        }
        const builds: number[] = [];
        const context = mkdtempSync(join(tmpdir(), "luci-bench-build-"));
        const uv = env.LUCI_UV;
        if (!uv) throw new Error("the image build needs uv (LUCI_UV)");
        await execa("cp", [uv, join(context, "uv")]);
        writeFileSync(
          join(context, "Dockerfile"),
          `FROM ${env.LUCI_CONTAINER_IMAGE}\nCOPY uv /usr/local/bin/uv\n` +
            `RUN uv venv /opt/luci/env --python python3 && uv pip install --python /opt/luci/env/bin/python --index-url ${index.url} luci-bench-pkg\n`,
        );
        for (let i = 0; i < BUILDS; i++) {
          const t0 = performance.now();
          await execa("docker", ["build", "--quiet", "--no-cache", "--network", "host", "-t", "luci-bench-one-package:latest", context], {
            env: { DOCKER_BUILDKIT: "0" },
          });
          builds.push(performance.now() - t0);
        }
        await execa("docker", ["rmi", "-f", "luci-bench-one-package:latest"], { reject: false });
        results.one_package_ms = { install_into_environment: stats(installs), image_build: stats(builds) };
      } finally {
        await index.close();
      }
    });
  });
});

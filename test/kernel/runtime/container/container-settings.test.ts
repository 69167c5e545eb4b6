// A notebook container's settings from LUCI_CONTAINER_* (in process, no Docker): the defaults,
// the variables, a notebook's own limits over them, and a value that cannot be used refused in
// words the cell shows (a CellFailure naming the variable), not replaced by a default.
import { describe, expect, it } from "vitest";
import { CellFailure } from "../../../../kernel/common/cell-failure.js";
import { containerSettings } from "../../../../kernel/runtime/container/container-settings.js";

describe("container settings", () => {
  it("has the declared defaults", () => {
    expect(containerSettings({})).toEqual({
      image: "python:3.12-slim",
      fallbackImage: "luci-python:local",
      installNetwork: "host",
      user: undefined,
      limits: { memory: "1g", cpus: 1, pids: 256, tmp: "256m", network: "off" },
    });
  });

  it("reads the variables, and a notebook's own limits win over them", () => {
    const env = {
      LUCI_CONTAINER_IMAGE: "python:3.11",
      LUCI_CONTAINER_MEMORY: "512m",
      LUCI_CONTAINER_CPUS: "1.5",
      LUCI_CONTAINER_PIDS: "64",
      LUCI_CONTAINER_NETWORK: "ON",
      LUCI_CONTAINER_USER: "1000:1000",
    };
    const settings = containerSettings(env, { memory: "2g" });
    expect(settings.image).toBe("python:3.11");
    expect(settings.user).toBe("1000:1000");
    expect(settings.limits).toEqual({ memory: "2g", cpus: 1.5, pids: 64, tmp: "256m", network: "on" });
  });

  it.each([
    ["LUCI_CONTAINER_CPUS", "two"],
    ["LUCI_CONTAINER_CPUS", "-1"],
    ["LUCI_CONTAINER_PIDS", "0"],
    ["LUCI_CONTAINER_MEMORY", "lots"],
    ["LUCI_CONTAINER_NETWORK", "yes"],
    ["LUCI_CONTAINER_USER", "nobody"],
  ])("refuses %s=%s in words the cell shows", (name, value) => {
    let caught: unknown;
    try {
      containerSettings({ [name]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CellFailure);
    expect((caught as CellFailure).kind).toBe("SettingError");
    expect((caught as CellFailure).message).toContain(`${name} must be`);
    expect((caught as CellFailure).message).toContain(JSON.stringify(value));
  });
});

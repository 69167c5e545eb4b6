// `luci` on PATH (kernel/cli/command-link.ts): the bin folder chosen for each location, a link
// that runs, an older link of ours replaced, anything else left alone, and uninstall.
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { binDirFor, describeLink, linkCommand, luciCommand, unlinkCommand } from "../../../kernel/cli/command-link.js";

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

describe("binDirFor", () => {
  it("--prefix: the prefix's bin, on PATH or not", () => {
    expect(binDirFor({ kind: "prefix", dir: "/opt/x" }, { PATH: "/usr/bin" })).toEqual({ dir: "/opt/x/bin", onPath: false });
    expect(binDirFor({ kind: "prefix", dir: "/opt/x" }, { PATH: "/usr/bin:/opt/x/bin/" })).toEqual({ dir: "/opt/x/bin", onPath: true });
  });

  it("--user: the user's bin folder that PATH holds, in pip's order; else ~/.local/bin, not on PATH", () => {
    const env = (path: string) => ({ HOME: "/home/ann", PATH: path });
    expect(binDirFor({ kind: "user" }, env("/usr/bin:/home/ann/bin:/home/ann/.local/bin"), 1000)).toEqual({ dir: "/home/ann/.local/bin", onPath: true });
    expect(binDirFor({ kind: "user" }, env("/home/ann/bin:/usr/bin"), 1000)).toEqual({ dir: "/home/ann/bin", onPath: true });
    expect(binDirFor({ kind: "user" }, env("/usr/local/bin:/usr/bin"), 1000)).toEqual({ dir: "/home/ann/.local/bin", onPath: false });
    // root, whose profile puts no ~/.local/bin on PATH: /usr/local/bin, as npm -g would.
    expect(binDirFor({ kind: "user" }, env("/usr/local/bin:/usr/bin"), 0)).toEqual({ dir: "/usr/local/bin", onPath: true });
  });
});

describe("linkCommand", () => {
  it("links the built command, which runs through the link; uninstall removes it", () => {
    const prefix = temp("luci-link-");
    const env = { PATH: `${join(prefix, "bin")}:${process.env.PATH}` };
    const result = linkCommand({ kind: "prefix", dir: prefix }, env);
    expect(result).toEqual({ linked: join(prefix, "bin", "luci"), onPath: true, dir: join(prefix, "bin") });
    expect(readlinkSync(join(prefix, "bin", "luci"))).toBe(luciCommand());
    expect(execFileSync("luci", ["--help"], { encoding: "utf8", env: { ...process.env, ...env } })).toContain("Usage: luci <command>");
    // Again: the same link is kept.
    expect(linkCommand({ kind: "prefix", dir: prefix }, env)).toEqual(result);
    expect(unlinkCommand({ kind: "prefix", dir: prefix }, env)).toBe(join(prefix, "bin", "luci"));
    expect(existsSync(join(prefix, "bin", "luci"))).toBe(false);
    expect(unlinkCommand({ kind: "prefix", dir: prefix }, env)).toBeUndefined();
  });

  it("replaces a link of ours to another checkout, dangling or not", () => {
    const prefix = temp("luci-link-");
    mkdirSync(join(prefix, "bin"));
    symlinkSync("/gone/checkout/dist/kernel/cli/luci.js", join(prefix, "bin", "luci"));
    expect(linkCommand({ kind: "prefix", dir: prefix }, { PATH: "" })).toMatchObject({ linked: join(prefix, "bin", "luci"), onPath: false });
    expect(readlinkSync(join(prefix, "bin", "luci"))).toBe(luciCommand());
  });

  it("leaves anything else called luci alone, and says so; uninstall leaves it too", () => {
    const prefix = temp("luci-link-");
    mkdirSync(join(prefix, "bin"));
    writeFileSync(join(prefix, "bin", "luci"), "#!/bin/sh\necho someone else's\n");
    const result = linkCommand({ kind: "prefix", dir: prefix }, { PATH: "" });
    expect(result).toEqual({ refused: `${join(prefix, "bin", "luci")} exists and is not Luci's: left as it is` });
    expect(describeLink(result)[0]).toContain("not linked");
    expect(unlinkCommand({ kind: "prefix", dir: prefix }, { PATH: "" })).toBeUndefined();
    expect(lstatSync(join(prefix, "bin", "luci")).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(prefix, "bin", "luci"), "utf8")).toContain("someone else's");
  });

  it("says how to put a folder that is not on PATH on it; for a venv, that activating it does", () => {
    const lines = describeLink({ linked: "/home/ann/.local/bin/luci", onPath: false, dir: "/home/ann/.local/bin" });
    expect(lines.join("\n")).toContain('export PATH="/home/ann/.local/bin:$PATH"');
    const venv = temp("luci-venv-");
    writeFileSync(join(venv, "pyvenv.cfg"), "home = /usr/bin\n");
    const inVenv = describeLink({ linked: join(venv, "bin", "luci"), onPath: false, dir: join(venv, "bin") });
    expect(inVenv).toEqual([`  the luci command: ${join(venv, "bin", "luci")} (on PATH while ${venv} is active)`]);
  });
});

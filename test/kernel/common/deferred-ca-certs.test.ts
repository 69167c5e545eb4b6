import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extraCaCertificates, restoreCaCertsForChildren } from "../../../kernel/common/deferred-ca-certs.js";

describe("deferred NODE_EXTRA_CA_CERTS", () => {
  it("puts the user's CA bundle back for child processes and reads it on demand", () => {
    const file = join(mkdtempSync(join(tmpdir(), "luci-ca-")), "ca.pem");
    writeFileSync(file, "-----BEGIN CERTIFICATE-----\n");
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: "", LUCI_NODE_EXTRA_CA_CERTS: file };
    restoreCaCertsForChildren(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: file });
    expect(extraCaCertificates(env)).toContain("BEGIN CERTIFICATE");
  });

  it("leaves no empty variable behind when the user had none (jupyter_client keeps ${VAR} literally)", () => {
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: "", LUCI_NODE_EXTRA_CA_CERTS: "${NODE_EXTRA_CA_CERTS}" };
    restoreCaCertsForChildren(env);
    expect(env).toEqual({});
    expect(extraCaCertificates(env)).toBeUndefined();
  });
});

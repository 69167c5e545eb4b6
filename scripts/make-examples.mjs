// node scripts/make-examples.mjs [NAME.ipynb ...]: runs the example notebooks in notebooks/ as a
// user would, so they ship with their outputs (the plan, code, validation, result and record of
// each task): each notebook, its outputs cleared, is executed alone in a temporary folder by
// `jupyter nbconvert --execute` with the "luci" kernelspec of .venv (`npm run build` and
// `luci install --prefix .venv` first) and whatever model Luci finds (its own by default), then
// written back. A cell that fails stops it: reword the task, as a user would, and run it again.
//
// The record lines are written as a reader on another machine sees them ("made by …, not by you;
// shown and not run until you trust the notebook"): the records are signed by this machine's key,
// which no one else has. The records themselves, and every other output, are the kernel's.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RECORD_MIME, recordDisplay } from "../dist/kernel/pipeline/records/record.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "notebooks");
const venv = join(root, ".venv");
const names = process.argv.slice(2).length ? process.argv.slice(2) : readdirSync(examples).filter((n) => n.endsWith(".ipynb"));

for (const name of names) {
  const work = mkdtempSync(join(tmpdir(), "luci-example-"));
  try {
    const notebook = JSON.parse(readFileSync(join(examples, name), "utf8"));
    for (const cell of notebook.cells) {
      if (cell.cell_type !== "code") continue;
      cell.outputs = [];
      cell.execution_count = null;
    }
    writeFileSync(join(work, name), JSON.stringify(notebook, null, 1));
    const jupyterData = join(work, ".jupyter");
    mkdirSync(jupyterData);
    const env = {
      ...process.env,
      JUPYTER_PATH: join(venv, "share", "jupyter"),
      JUPYTER_DATA_DIR: jupyterData,
      JUPYTER_RUNTIME_DIR: join(jupyterData, "runtime"),
      JUPYTER_PLATFORM_DIRS: "1",
      MPLCONFIGDIR: join(jupyterData, "matplotlib"),
    };
    process.stdout.write(`${name}: running in ${work}\n`);
    const args = ["nbconvert", "--to", "notebook", "--execute", "--inplace", "--ExecutePreprocessor.timeout=1800", name];
    execFileSync(join(venv, "bin", "jupyter"), args, { cwd: work, env, stdio: "inherit" });
    const ran = JSON.parse(readFileSync(join(work, name), "utf8"));
    for (const cell of ran.cells) {
      delete cell.metadata?.execution; // nbclient's timestamps: noise in every diff
      for (const output of cell.outputs ?? []) {
        const record = output.data?.[RECORD_MIME];
        if (record) output.data = recordDisplay(record, "untrusted").data;
      }
    }
    writeFileSync(join(examples, name), `${JSON.stringify(ran, null, 1)}\n`);
    process.stdout.write(`${name}: written\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// `%luci export [DIR]`: the notebook's program as deployment artefacts (as the AgenticPOC
// script executor that Luci grows from wrote them): script.py with every cell's code in order,
// a pinned requirements.txt, .env.example, a Dockerfile, docker-compose.yml with resource
// limits, deploy.sh and a README. Nothing here needs the model: the code is what already ran.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EarlierCell } from "../model/prompt.js";

export interface ExportInput {
  dir: string;
  /** The cells that ran, in order (tasks with the code that ran for them). */
  cells: EarlierCell[];
  /** Pinned distributions, "name==version". */
  requirements: string[];
  pythonVersion?: string;
  notebookName?: string;
}

export function exportProgram(input: ExportInput): string[] {
  const dir = resolve(input.dir);
  mkdirSync(dir, { recursive: true });
  const python = (input.pythonVersion ?? "3.12").split(".").slice(0, 2).join(".");
  const name = (input.notebookName ?? "notebook").replace(/\.ipynb$/i, "");
  const files: Record<string, string> = {
    "script.py": script(input.cells, name),
    "requirements.txt": [...input.requirements].sort().join("\n") + (input.requirements.length ? "\n" : ""),
    ".env.example": "# Settings the program reads from its environment (copy to .env and fill in).\n# Secrets belong here, never in script.py.\n",
    Dockerfile: dockerfile(python),
    "docker-compose.yml": compose(name),
    "deploy.sh": deploy(),
    "README.md": readme(name, input.cells.length),
  };
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  chmodSync(join(dir, "deploy.sh"), 0o755);
  return Object.keys(files).map((file) => join(dir, file));
}

function script(cells: EarlierCell[], name: string): string {
  const parts = cells.map((cell, i) => {
    const heading = cell.task ? `# Cell ${i + 1} (task): ${cell.task.replace(/\s+/g, " ").slice(0, 200)}` : `# Cell ${i + 1}`;
    return `${heading}\n${stripMagics(cell.code).trimEnd()}\n`;
  });
  return `#!/usr/bin/env python3\n"""${name}: exported from a Luci notebook (the code that ran, cell by cell)."""\n\n${parts.join("\n")}`;
}

/** IPython-style lines have no meaning in a plain script: they are kept as comments. */
function stripMagics(code: string): string {
  return code
    .split("\n")
    .map((line) => (/^\s*[%!]/.test(line) ? `# ${line.trim()}  (notebook magic, not run here)` : line))
    .join("\n");
}

function dockerfile(python: string): string {
  return `FROM python:${python}-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY script.py .
RUN useradd --create-home runner && chown -R runner /app
USER runner
CMD ["python", "script.py"]
`;
}

function compose(name: string): string {
  const service =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "program";
  return `services:
  ${service}:
    build: .
    env_file:
      - path: .env
        required: false
    volumes:
      - ./data:/app/data
    # The limits the notebook's container executor uses by default.
    mem_limit: 1g
    cpus: 1.0
    pids_limit: 256
    read_only: true
    tmpfs:
      - /tmp
    security_opt:
      - no-new-privileges:true
    cap_drop:
      - ALL
`;
}

function deploy(): string {
  return `#!/usr/bin/env bash
# Builds the image and runs the program once, with the limits of docker-compose.yml.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p data
docker compose up --build --abort-on-container-exit
`;
}

function readme(name: string, cells: number): string {
  return `# ${name}

Exported from a Luci notebook by \`%luci export\`: the code of its ${cells} cells, in the order
they ran, with the exact package versions of the notebook's environment.

- \`python script.py\` runs it here (after \`pip install -r requirements.txt\`).
- \`./deploy.sh\` builds a container image and runs it with memory, CPU and process limits.
- Put settings and secrets in \`.env\` (see \`.env.example\`); \`data/\` is shared with the container.
`;
}

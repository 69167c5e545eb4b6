// `%luci export [DIR]`: the notebook's program as deployment artefacts (as the AgenticPOC
// script executor that Luci grows from wrote them): script.py with every cell's code in order,
// a pinned requirements.txt, .env.example, a Dockerfile, docker-compose.yml with resource
// limits, deploy.sh and a README. Nothing here needs the model: the code is what already ran.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { launcherScript } from "../../apps/app-process.js";
import { analyseCode } from "../model/code-analysis.js";
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

/** The port an exported web app listens on in its container (and on the host's loopback). */
const APP_PORT = 8000;

export function exportProgram(input: ExportInput): string[] {
  const dir = resolve(input.dir);
  mkdirSync(dir, { recursive: true });
  const python = (input.pythonVersion ?? "3.12").split(".").slice(0, 2).join(".");
  const name = (input.notebookName ?? "notebook").replace(/\.ipynb$/i, "");
  // A task that served a web interface ran as an app (kernel/apps/): it is the program the
  // container runs, on a published port; the notebook's other cells stay in script.py.
  // Several app cells: the last one is the app; none stays in script.py, where it would block.
  const apps = input.cells.filter((cell) => cell.task !== undefined && analyseCode(cell.code).needs_web_interface);
  const app = apps.at(-1);
  const cells = input.cells.map((cell) =>
    apps.includes(cell) ? { ...cell, code: `# ran as a web app${cell === app ? ": app.py" : " (the export serves the last one, app.py)"}` } : cell,
  );
  const files: Record<string, string> = {
    "script.py": script(cells, name),
    ...(app ? { "app.py": appProgram(app, name), "app_launcher.py": readFileSync(launcherScript(), "utf8") } : {}),
    "requirements.txt": [...input.requirements].sort().join("\n") + (input.requirements.length ? "\n" : ""),
    ".env.example": "# Settings the program reads from its environment (copy to .env and fill in).\n# Secrets belong here, never in script.py.\n",
    Dockerfile: app ? appDockerfile(python) : dockerfile(python),
    "docker-compose.yml": compose(name, app !== undefined),
    "deploy.sh": app ? appDeploy() : deploy(),
    "README.md": readme(name, input.cells.length, app !== undefined),
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

function appProgram(cell: EarlierCell, name: string): string {
  const task = (cell.task ?? "").replace(/\s+/g, " ").slice(0, 200);
  return `#!/usr/bin/env python3\n"""${name}: the web app of a Luci notebook (task: ${task}).\n\nIt serves on HOST and PORT from the environment; app_launcher.py moves a fixed address there too."""\n\n${stripMagics(cell.code).trimEnd()}\n`;
}

/** The web app's image: HOST and PORT set (all interfaces inside the container), the port exposed. */
function appDockerfile(python: string): string {
  return `FROM python:${python}-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app_launcher.py app.py script.py ./
RUN useradd --create-home runner && chown -R runner /app
USER runner
ENV HOST=0.0.0.0 PORT=${APP_PORT} PYTHONUNBUFFERED=1
EXPOSE ${APP_PORT}
CMD ["python", "app_launcher.py", "app.py"]
`;
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

function compose(name: string, app: boolean): string {
  const service =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "program";
  return `services:
  ${service}:
    build: .${app ? `\n    # The app on this machine's loopback only; write "${APP_PORT}:${APP_PORT}" to serve the network.\n    ports:\n      - "127.0.0.1:${APP_PORT}:${APP_PORT}"\n    restart: unless-stopped` : ""}
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

function appDeploy(): string {
  return `#!/usr/bin/env bash
# Builds the image and starts the web app in the background, with the limits of docker-compose.yml,
# on http://127.0.0.1:${APP_PORT}/ (docker compose down stops it).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p data
docker compose up --build --detach
echo "The app runs on http://127.0.0.1:${APP_PORT}/"
`;
}

function readme(name: string, cells: number, app: boolean): string {
  const run = app
    ? `- \`HOST=127.0.0.1 PORT=${APP_PORT} python app_launcher.py app.py\` runs the web app here (after \`pip install -r requirements.txt\`);
  \`script.py\` holds the notebook's other cells.
- \`./deploy.sh\` builds a container image and starts the app in it, with memory, CPU and process
  limits, on http://127.0.0.1:${APP_PORT}/ (this machine only: see \`ports\` in docker-compose.yml).`
    : `- \`python script.py\` runs it here (after \`pip install -r requirements.txt\`).
- \`./deploy.sh\` builds a container image and runs it with memory, CPU and process limits.`;
  return `# ${name}

Exported from a Luci notebook by \`%luci export\`: the code of its ${cells} cells, in the order
they ran, with the exact package versions of the notebook's environment.

${run}
- Put settings and secrets in \`.env\` (see \`.env.example\`); \`data/\` is shared with the container.
`;
}

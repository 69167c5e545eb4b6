// The analysis a cell shows (task type, web interface, simulation, data sources, complexity),
// derived from the code rather than asked of the model: asking costs a small model seconds of
// JSON per task, and the code says it more reliably than the model's own description would.
// What it reads: imports and calls (matplotlib → visualisation, pandas → data processing or
// analysis, http.server / flask / app.run → web app), the file names given to open() and the
// pandas / numpy / matplotlib readers and writers, and the code's size.
import type { Analysis } from "./answer-schema.js";

const WEB =
  /\b(import\s+(flask|fastapi|streamlit|gradio|dash|bottle|aiohttp|tornado|uvicorn)|from\s+(flask|fastapi|streamlit|gradio|dash|bottle|aiohttp|tornado|http\.server|wsgiref)\s+import|import\s+http\.server|serve_forever\s*\(|app\.run\s*\(|uvicorn\.run\s*\(|\.launch\s*\()/;
const PLOT = /\b(import\s+(matplotlib|seaborn|plotly|bokeh|altair)|from\s+(matplotlib|seaborn|plotly|bokeh|altair)\b|plt\.|sns\.|\.plot\s*\(|\.hist\s*\(|px\.)/;
const REPORT = /\.(to_html|to_markdown|to_latex)\s*\(|["'][^"'\n]+\.(html|md|pdf|docx)["']|\b(reportlab|docx|fpdf|jinja2)\b/;
const ANALYSIS = /\.(groupby|describe|corr|pivot_table|value_counts|agg|aggregate|resample|rolling|mean|median|std|var)\s*\(|\b(scipy|sklearn|statsmodels)\b/;
const PANDAS = /\b(import\s+pandas|from\s+pandas\b|pd\.|import\s+polars|\bpl\.)/;
const FILES = /\b(import\s+csv|import\s+json|open\s*\(|read_\w+\s*\(|to_(csv|excel|json|parquet|pickle|feather|sql)\s*\(|np\.(load|save|loadtxt|savetxt)\b)/;
const SIMULATION =
  /\b(import\s+random|from\s+random\s+import|np\.random\b|random\.(random|randint|choice|gauss|uniform|seed)|default_rng|simpy|monte.?carlo|simulat\w*)/i;

/** Calls whose first argument, when a string literal, names a file the code reads or writes. */
const FILE_CALL =
  /\b(open|read_csv|read_excel|read_json|read_parquet|read_table|read_feather|read_pickle|read_html|read_sql|to_csv|to_excel|to_json|to_parquet|to_feather|to_pickle|to_html|savefig|loadtxt|savetxt|genfromtxt|load|save|Path|imread|imsave)\s*\(\s*(?:[A-Za-z_]\w*\s*=\s*)?[rRbBuU]{0,2}(["'])([^"'\n]{1,200})\2/g;

/** A string literal that is a data file's name, wherever it is (`path = "sales.csv"`). */
const FILE_LITERAL =
  /["']([\w ./\\-]{0,200}\.(?:csv|tsv|xlsx?|json|jsonl|parquet|feather|txt|dat|db|sqlite3?|png|jpe?g|svg|pdf|html?|md|xml|ya?ml|pkl|pickle|npy|npz|h5))["']/gi;

const MAX_SOURCES = 10;

export function analyseCode(code: string): Analysis {
  const body = code
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n");
  const web = WEB.test(body);
  let taskType: Analysis["task_type"] = "calculation";
  if (web) taskType = "web_app";
  else if (PLOT.test(body)) taskType = "visualisation";
  else if (REPORT.test(body)) taskType = "report_generation";
  else if (ANALYSIS.test(body) && PANDAS.test(body)) taskType = "analysis";
  else if (PANDAS.test(body) || FILES.test(body)) taskType = "data_processing";
  return {
    task_type: taskType,
    needs_web_interface: web,
    needs_simulation: SIMULATION.test(body),
    data_sources: dataSources(body),
    complexity: complexity(body),
  };
}

function dataSources(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(FILE_CALL)) {
    const name = m[3]!.trim();
    // A file name or a URL, not a mode ("r", "w") or a format string.
    if (/[./]/.test(name) && !/[{}%]/.test(name)) found.add(name);
  }
  for (const m of code.matchAll(FILE_LITERAL)) found.add(m[1]!.trim());
  for (const m of code.matchAll(/["'](https?:\/\/[^"'\s]+)["']/g)) found.add(m[1]!);
  return [...found].slice(0, MAX_SOURCES);
}

/** From the size: statements, and the functions and classes that structure them. */
function complexity(code: string): Analysis["complexity"] {
  const lines = code.split("\n").filter((l) => l.trim()).length;
  const units = (code.match(/^\s*(def|class)\s/gm) ?? []).length;
  const score = lines + 5 * units;
  return score < 25 ? "low" : score < 80 ? "medium" : "high";
}

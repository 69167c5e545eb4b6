// How an import name found in generated code becomes the distribution to install.
//
// Installing by guess is how slopsquatting works: a model writes `import utils` or a name that
// does not exist, and whoever registered that name on the index gets code run in the kernel. So
// this module is deliberately narrow: a curated table for names whose distribution differs,
// the name itself (normalised) otherwise, and a refusal for names that are generic project
// modules, private, namespace packages, or not valid distribution names at all. Whether a plain
// name is then installed without asking is the caller's decision; this only names it.

/**
 * Import names whose distribution has another name. Keys are exact import names (case
 * matters: `PIL`, not `pil`) and may be dotted where the top-level name alone is ambiguous
 * (`google.protobuf`). Values are PEP 503 normalised distribution names.
 */
export const IMPORT_TO_DISTRIBUTION: Readonly<Record<string, string>> = Object.freeze({
  // Data science and imaging.
  sklearn: "scikit-learn",
  skimage: "scikit-image",
  skopt: "scikit-optimize",
  surprise: "scikit-surprise",
  imblearn: "imbalanced-learn",
  umap: "umap-learn", // `umap` on the index is an unrelated, abandoned project.
  // Headless: a kernel has no display, and opencv-python drags in Qt and libGL.
  cv2: "opencv-python-headless",
  PIL: "pillow",
  mpl_toolkits: "matplotlib", // mplot3d and axes_grid1 ship inside matplotlib.
  "mpl_toolkits.basemap": "basemap",
  pylab: "matplotlib",
  Bio: "biopython",
  osgeo: "gdal",
  shapefile: "pyshp",
  talib: "ta-lib",
  community: "python-louvain", // networkx code does `import community as community_louvain`.
  // CPU build: there is no GPU on the machines this kernel targets; faiss-gpu is opt-in.
  faiss: "faiss-cpu",
  whisper: "openai-whisper",
  llama_cpp: "llama-cpp-python",
  absl: "absl-py",
  haiku: "dm-haiku",
  sonnet: "dm-sonnet",
  speech_recognition: "speechrecognition",
  // Documents and files.
  yaml: "pyyaml",
  "ruamel.yaml": "ruamel-yaml",
  bs4: "beautifulsoup4",
  docx: "python-docx",
  pptx: "python-pptx",
  fitz: "pymupdf",
  pdfminer: "pdfminer-six", // The original `pdfminer` is Python-2 era and unmaintained.
  camelot: "camelot-py",
  tabula: "tabula-py",
  odf: "odfpy",
  fpdf: "fpdf2", // fpdf2 is the maintained drop-in; `fpdf` itself stopped in 2015.
  readability: "readability-lxml",
  newspaper: "newspaper3k",
  magic: "python-magic",
  slugify: "python-slugify", // Not `slugify`, a different and older project.
  Levenshtein: "levenshtein", // Not python-levenshtein, now only a shim around this one.
  // Dates, configuration, serialisation.
  dateutil: "python-dateutil",
  attr: "attrs",
  dotenv: "python-dotenv",
  decouple: "python-decouple",
  pkg_resources: "setuptools",
  pyximport: "cython",
  "google.protobuf": "protobuf",
  snappy: "python-snappy", // `snappy` on the index is SnapPy, a topology program.
  // Security and networking.
  Crypto: "pycryptodome", // The maintained successor of the dead `pycrypto`.
  Cryptodome: "pycryptodomex",
  OpenSSL: "pyopenssl",
  jwt: "pyjwt", // Not `jwt`, a different library with another API.
  jose: "python-jose",
  nacl: "pynacl",
  argon2: "argon2-cffi",
  dns: "dnspython",
  socks: "pysocks",
  ldap: "python-ldap",
  nmap: "python-nmap",
  websocket: "websocket-client", // `websocket` on the index is an unrelated package.
  grpc: "grpcio",
  zmq: "pyzmq",
  engineio: "python-engineio",
  socketio: "python-socketio",
  paho: "paho-mqtt",
  kafka: "kafka-python",
  // Databases. Binary wheel: building psycopg2 needs pg_config and a compiler.
  psycopg2: "psycopg2-binary",
  MySQLdb: "mysqlclient", // MySQL-python, the original, is Python 2 only.
  bson: "pymongo", // The standalone `bson` package clashes with the one pymongo ships.
  gridfs: "pymongo",
  cassandra: "cassandra-driver",
  memcache: "python-memcached", // The classic client; `memcache` is a later, different one.
  "snowflake.connector": "snowflake-connector-python",
  // Services and APIs.
  git: "gitpython",
  github: "pygithub",
  gitlab: "python-gitlab",
  jenkins: "python-jenkins",
  telegram: "python-telegram-bot",
  discord: "discord-py",
  googleapiclient: "google-api-python-client",
  "google.auth": "google-auth",
  "google.oauth2": "google-auth",
  "google.genai": "google-genai",
  "google.generativeai": "google-generativeai",
  "google.cloud.storage": "google-cloud-storage",
  "google.cloud.bigquery": "google-cloud-bigquery",
  "azure.identity": "azure-identity",
  "azure.storage.blob": "azure-storage-blob",
  weaviate: "weaviate-client",
  ffmpeg: "ffmpeg-python", // The `ffmpeg` distribution is a different project.
  vlc: "python-vlc",
  // Web frameworks: Django apps are imported by app label, not by distribution name.
  rest_framework: "djangorestframework",
  corsheaders: "django-cors-headers",
  debug_toolbar: "django-debug-toolbar",
  allauth: "django-allauth",
  crispy_forms: "django-crispy-forms",
  django_filters: "django-filter", // Singular: `django-filters` is another project.
  storages: "django-storages",
  // System, hardware and GUI.
  serial: "pyserial", // Not `serial`, an unrelated serialisation library.
  usb: "pyusb",
  cpuinfo: "py-cpuinfo",
  gi: "pygobject",
  cairo: "pycairo",
  wx: "wxpython",
  Xlib: "python-xlib",
  OpenGL: "pyopengl",
  RPi: "rpi-gpio",
  win32api: "pywin32",
  win32con: "pywin32",
  win32com: "pywin32",
  win32gui: "pywin32",
  pythoncom: "pywin32",
  pywintypes: "pywin32",
});

/**
 * Names that are generic module names of a user's own project. Generated code imports them
 * expecting a local file; whatever the index holds under these names is unrelated at best.
 */
export const NEVER_INSTALL: ReadonlySet<string> = new Set([
  // Deliberately absent although generic-looking, because the same-name distribution is what
  // such code means: datasets (Hugging Face), schema, notebook (Jupyter).
  "test",
  "tests",
  "testing",
  "src",
  "lib",
  "libs",
  "utils",
  "util",
  "utilities",
  "helpers",
  "helper",
  "tools",
  "common",
  "core",
  "base",
  "shared",
  "misc",
  "models",
  "model",
  "config",
  "configs",
  "settings",
  "constants",
  "app",
  "application",
  "main",
  "run",
  "server",
  "client",
  "data",
  "dataset",
  "api",
  "views",
  "routes",
  "schemas",
  "services",
  "service",
  "modules",
  "module",
  "package",
  "scripts",
  "script",
  "examples",
  "example",
  "demo",
  "sample",
  "samples",
  "output",
  "input",
  "version",
  "setup",
  "my_module",
  "mymodule",
  "module1",
  "project",
  "local",
  "internal",
  "db",
  "database",
  "plugins",
  "extensions",
  "components",
  "handlers",
  "train",
  "inference",
  "preprocessing",
  "features",
]);

/**
 * Top-level names shared by many distributions (namespace packages): only the dotted names in
 * the table are known; any other submodule could belong to dozens of projects.
 */
const NAMESPACES: ReadonlySet<string> = new Set(["google", "azure", "snowflake", "ruamel", "zope", "backports", "jaraco", "sphinxcontrib"]);

export type Resolution =
  | { kind: "mapped"; importName: string; distribution: string }
  | { kind: "plain"; importName: string; distribution: string }
  | { kind: "refused"; importName: string; reason: string };

/** PEP 503 normalisation: lower case, each run of `-`, `_` and `.` becomes one `-`. */
export function normaliseDistribution(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

// A Python identifier restricted to ASCII: distribution names are ASCII (PEP 508), so a
// non-ASCII module name cannot be installed under its own name.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Resolves an import name (`numpy`, `sklearn.linear_model`, `google.protobuf.json_format`) to
 * the distribution that provides it, or a refusal with the reason. The longest dotted prefix
 * found in the table wins, so `mpl_toolkits.basemap` beats `mpl_toolkits`.
 */
export function resolveImport(importName: string): Resolution {
  const refuse = (reason: string): Resolution => ({ kind: "refused", importName, reason });
  const parts = importName.split(".");
  if (!parts.every((part) => IDENTIFIER.test(part))) {
    return refuse(`"${importName}" is not a valid module name, so no distribution can be named after it`);
  }
  for (let length = parts.length; length > 0; length--) {
    const prefix = parts.slice(0, length).join(".");
    // hasOwn: a name such as "constructor" must not find Object.prototype's member.
    const distribution = Object.hasOwn(IMPORT_TO_DISTRIBUTION, prefix) ? IMPORT_TO_DISTRIBUTION[prefix] : undefined;
    if (distribution !== undefined) return { kind: "mapped", importName, distribution };
  }
  const top = parts[0] ?? ""; // split always yields at least one element.
  if (top.startsWith("_")) {
    return refuse(`"${top}" is private (leading underscore): it belongs to another package or to the project itself`);
  }
  if (NEVER_INSTALL.has(top.toLowerCase())) {
    return refuse(`"${top}" is a generic project-module name: it is expected to be a local file, and the distribution of that name is unrelated`);
  }
  if (NAMESPACES.has(top)) {
    return refuse(`"${top}" is a namespace shared by many distributions; name the distribution to install explicitly`);
  }
  return { kind: "plain", importName, distribution: normaliseDistribution(top) };
}

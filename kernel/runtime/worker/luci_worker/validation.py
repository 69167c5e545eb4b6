"""The validation gate: is generated code safe enough to run unseen? (PROTOCOL.md, "Validation")

    validate(code, cwd=None, threshold=0.8, namespace=None) -> reply content

The code is parsed with Python's own parser (after the magic transforms, as a cell would be)
and the tree is read; nothing in it is ever run. The live namespace is only looked at: a name
that an earlier cell bound to a module (`sp` -> subprocess) or to a plain string (a path) is
understood as such.

Rules (rule id, severity):
- syntax (blocker): the code does not parse; the line and Python's message.
- credentials (high): a string literal given to a name like password / passwd / secret / token /
  api_key / access_key / private_key / auth (assignment, keyword, dict key, comparison,
  os.environ / getenv default, %env); an `Authorization: Bearer <literal>` header; a literal
  that looks like a key (AWS AKIA..., sk-..., ghp_..., xox[bp]-..., hf_..., AIza...,
  -----BEGIN ... PRIVATE KEY-----, a JSON web token, a password inside a URL). Messages show
  secrets redacted (first 4 characters and "…", 1 for secrets of 8 characters or fewer); the
  secret itself is never in the reply.
- dynamic-code (high): eval / exec / compile / __import__ of something that is not a literal.
- unsafe-deserialization (medium): pickle / marshal / dill / cloudpickle load(s), Unpickler,
  pandas.read_pickle, numpy.load(allow_pickle=True), yaml.load without a safe loader.
- shell (high): os.system, os.popen, subprocess.* with shell=True, subprocess.getoutput /
  getstatusoutput, commands.*, asyncio.create_subprocess_shell, `!cmd` lines (but not the
  `!pip ...` lines the kernel installs from), %%bash / %%sh / %%script cells.
- subprocess (low): subprocess.* without a shell, os.spawn* / os.exec* / os.posix_spawn*,
  asyncio.create_subprocess_exec, pty.spawn.
- destructive-file: deleting (shutil.rmtree, os.remove / unlink / rmdir / removedirs,
  Path.unlink / rmdir, `rm` in shell text, %rm / %rmdir) or writing (open / io.open /
  codecs.open in mode w, a or +, Path.write_text / write_bytes / open("w"), %%writefile; and
  to_csv / to_excel / savefig & co when the path is a literal) a path
    high   when the path is a literal outside the working directory (absolute and not under
           `cwd`, leaving it through '..', in the home folder `~` / $HOME, a system folder
           such as /, /etc, /usr), or the working directory itself ('.', `rm -rf *`);
    medium when it is in the shared temporary folder (/tmp, /var/tmp), or when the path is
           computed at run time and no literal start of it shows where it is (f"{name}.csv");
    none   inside the working directory (relative, or a literal relative start such as
           f"out/{name}.csv"), or a folder made by the tempfile module.
  Library writes (to_csv, savefig, ...) with a computed path are not reported.
- network (medium), once per module: importing or calling socket, urllib.request, http.client,
  requests, httpx, aiohttp, ftplib, smtplib, paramiko & co, and a URL literal given to a reader
  (pd.read_csv("https://..."), urlopen, ...): data may leave the machine, and the container
  executor runs with the network off.
- notes (note): no-error-handling (file or network I/O outside any try with an except; once
  per cell), bare-except (`except:`), silent-except (a handler that only passes),
  secret-printed (print or logging of a value named like a secret), long-cell (more than 80
  lines of code and no function or class), interactive-input (input() / getpass: no one
  answers in a headless run).

Score: 1.0 minus 0.3 per high, 0.1 per medium, 0.03 per low and 0.01 per note (all notes
together at most 0.05, so notes alone never fail a cell), floored at 0; any blocker makes it 0.
Arithmetic is done in thousandths, so the score is exact (1 - 0.1 - 0.1 == 0.8).
`passed = score >= threshold` (threshold 0.8 unless the command gives one in 0..1).

Issues come sorted by line, then severity, then rule; identical ones are reported once. The
analysis is deterministic and costs about 2 ms for a 100-line cell (half of it the parse).
"""
import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)
import os
import posixpath
import re
import types

from . import transform

DEFAULT_THRESHOLD = 0.8
SEVERITIES = ("blocker", "high", "medium", "low", "note")
PENALTY = {"high": 300, "medium": 100, "low": 30, "note": 10}  # thousandths
NOTES_CAP = 50
LONG_CELL_LINES = 80

_RANK = {name: i for i, name in enumerate(SEVERITIES)}
_TOP_LEVEL_AWAIT = getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0)
_TRY = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_UNKNOWN = "\x00"   # a part of a string known only at run time
_TEMP = "\x01"      # a path made by the tempfile module
_PYTHON_CELLS = ("python", "time", "timeit", "capture")
_SHELL_CELLS = ("bash", "sh", "script")

# ----------------------------------------------------------------------------- tables

_DYNAMIC_CODE = {"eval": "eval()", "exec": "exec()", "compile": "compile()",
                 "__import__": "__import__()"}
_DESERIALIZERS = {
    "pickle.load", "pickle.loads", "pickle.Unpickler", "_pickle.load", "_pickle.loads",
    "cPickle.load", "cPickle.loads", "dill.load", "dill.loads", "cloudpickle.load",
    "cloudpickle.loads", "marshal.load", "marshal.loads", "pandas.read_pickle",
    "shelve.open", "joblib.load",
}
_SHELL_CALLS = {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                "commands.getoutput", "commands.getstatusoutput", "commands.getstatus",
                "asyncio.create_subprocess_shell"}
_SUBPROCESS_CALLS = {"subprocess.run", "subprocess.call", "subprocess.check_call",
                     "subprocess.check_output", "subprocess.Popen"}
_PROGRAM_CALLS = {"asyncio.create_subprocess_exec", "pty.spawn", "os.execv", "os.execve",
                  "os.execl", "os.execle", "os.execlp", "os.execlpe", "os.execvp", "os.execvpe",
                  "os.spawnl", "os.spawnle", "os.spawnlp", "os.spawnlpe", "os.spawnv",
                  "os.spawnve", "os.spawnvp", "os.spawnvpe", "os.posix_spawn",
                  "os.posix_spawnp"}
# Deleting: qualified name -> (position of the path, its keyword).
_DELETES = {"shutil.rmtree": (0, "path"), "os.remove": (0, "path"), "os.unlink": (0, "path"),
            "os.rmdir": (0, "path"), "os.removedirs": (0, "name")}
_OPENS = {"open": "file", "io.open": "file", "codecs.open": "filename"}
# Library writes: reported only when the path is a literal outside the working directory.
_LIBRARY_WRITES = {"to_csv", "to_excel", "to_parquet", "to_json", "to_pickle", "to_feather",
                   "to_hdf", "to_stata", "to_orc", "savefig", "savetxt", "save", "write_image",
                   "write_html"}
_NETWORK_MODULES = frozenset(("socket", "socketserver", "urllib.request", "urllib3", "http.client",
                    "http.server", "requests", "httpx", "aiohttp", "ftplib", "smtplib",
                    "poplib", "imaplib", "telnetlib", "nntplib", "xmlrpc.client", "paramiko",
                    "websocket", "websockets", "pycurl", "boto3", "botocore"))
_URL_READERS = {"urlopen", "urlretrieve", "Request", "loadtxt", "genfromtxt", "load",
                "open_dataset", "imread", "get", "post", "put", "patch", "delete", "head",
                "request", "download", "fetch", "stream"}
_IO_METHODS = {"read_csv", "read_excel", "read_json", "read_parquet", "read_table",
               "read_sql", "read_sql_query", "read_sql_table", "read_html", "read_pickle",
               "read_feather", "read_hdf", "read_fwf", "read_xml", "read_sas", "read_stata",
               "read_spss", "read_orc", "to_csv", "to_excel", "to_json", "to_parquet",
               "to_pickle", "to_feather", "to_hdf", "to_sql", "savefig", "loadtxt", "savetxt",
               "genfromtxt", "urlopen", "urlretrieve", "read_text", "read_bytes",
               "write_text", "write_bytes"}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "critical", "exception", "log"}
_SYSTEM_DIRS = {"bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "mnt",
                "media", "opt", "proc", "root", "run", "sbin", "srv", "sys", "usr", "var",
                "System", "Library", "Applications", "Users", "Volumes", "private"}
_TEMP_DIRS = ("/tmp", "/var/tmp", "/private/tmp", "/dev/shm")
_PATH_CONSTRUCTORS = {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
                      "pathlib.PurePosixPath", "os.path.join", "posixpath.join"}
_PATH_SAME = {"os.path.expanduser", "os.path.abspath", "os.path.normpath", "os.path.realpath",
              "os.fspath", "str", "os.path.expandvars"}
_PATH_METHODS_SAME = {"resolve", "absolute", "expanduser", "as_posix", "__fspath__"}
_TEMPFILE = {"tempfile.mkdtemp", "tempfile.gettempdir", "tempfile.TemporaryDirectory",
             "tempfile.NamedTemporaryFile", "tempfile.mkstemp", "tempfile.TemporaryFile",
             "tempfile.SpooledTemporaryFile"}
_CWD = {"os.getcwd", "pathlib.Path.cwd", "os.curdir"}

_SECRET_NAME = re.compile(
    r"(?:^|_)(?:password|passwd|passphrase|pwd|pass|secret|token|api_?key|apikey|"
    r"access_?key|private_?key|secret_?key|auth|authorization|credentials?|bearer)$")
_CAMEL_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PLACEHOLDER = re.compile(
    r"(?i)^\s*$|^<.*>$|^\{.*\}$|^\[.*\]$|^\$\{?\w+\}?$|^%\(?\w*\)?s$|\byour[\s_-]|"
    r"xxx|\*\*\*|^\.\.\.$|placeholder|example|change[\s_-]?me|replace[\s_-]?me|^none$|"
    r"^null$|(?-i:^[A-Z][A-Z0-9_]*$)|^[\w./~-]+\.(?:txt|json|pem|key|ya?ml|ini|cfg|conf|env|toml|"
    r"csv|p12|pfx|crt)$|\x00")
_KEY_PATTERNS = (
    (re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])"),
     "an AWS access key id"),
    (re.compile(r"(?<![\w-])sk-[A-Za-z0-9_-]{20,}"), "an API secret key"),
    (re.compile(r"(?<![\w-])[rs]k_live_[A-Za-z0-9]{16,}"), "a Stripe secret key"),
    (re.compile(r"(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36}"), "a GitHub token"),
    (re.compile(r"(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{22,}"), "a GitHub token"),
    (re.compile(r"(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}"), "a Hugging Face token"),
    (re.compile(r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}"), "a Google API key"),
    (re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
     "a JSON web token"),
)
_AUTH_HEADER = re.compile(
    r"(?i)authorization\s*:\s*(?:bearer|basic|token)\s+([A-Za-z0-9._~+/=-]{8,})")
_AUTH_VALUE = re.compile(r"(?i)^\s*(?:bearer|basic|token)\s+([A-Za-z0-9._~+/=-]{6,})\s*$")
_URL_PASSWORD = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/:@]+:([^\s/@]+)@")
_URL = re.compile(r"(?i)^\s*(?:https?|ftp|s3|gs)://([^/\s?#]*)")
_RM = re.compile(r"(?:^|(?<=[\s;&|(`'\"]))(?:sudo\s+)?(rm|rmdir)(?=\s)")
_SHELL_END = re.compile(r"[;&|\n)`]")
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")

# ----------------------------------------------------------------------------- messages

_HINTS = {
    "syntax": "Correct the line (a missing bracket, quote, colon or indentation is the usual "
              "cause), or ask for the code again with %luci regenerate.",
    "credentials": "Read secrets at run time instead: os.environ[\"API_KEY\"] (set it outside "
                   "the notebook) or getpass.getpass(); never keep them in a notebook.",
    "dynamic-code": "Call the functions directly; for data written as text use json.loads() "
                    "or ast.literal_eval(), which cannot run code.",
    "unsafe-deserialization": "Load data you did not make yourself in a format that cannot "
                              "run code (CSV, JSON, Parquet); use yaml.safe_load() for YAML.",
    "shell": "Use subprocess.run([\"program\", \"arg\"], check=True) with a list of arguments "
             "and no shell, or a Python library that does the same job.",
    "subprocess": "Fine when the command is fixed: pass a list of arguments, use check=True, "
                  "and never build the command from untrusted text.",
    "destructive-file": "Keep files inside the working directory (relative paths without '..') "
                        "and use the tempfile module for scratch files.",
    "destructive-file-unknown": "Build the path from the working directory (Path.cwd() / name) "
                                "and check where it points before deleting or overwriting.",
    "network": "Read local files instead, or make sure the data may leave the machine and that "
               "the executor allows network access.",
    "no-error-handling": "Wrap the reading, writing or download in try/except (OSError, "
                         "FileNotFoundError, requests.RequestException) and say what failed.",
    "bare-except": "Catch the errors you expect (except ValueError:) or at least "
                   "`except Exception:`, so that an interrupt still stops the cell.",
    "silent-except": "Log or print what went wrong (logging.exception(...)) instead of "
                     "ignoring it silently.",
    "secret-printed": "Do not print secrets; print whether they are set "
                      "(bool(os.environ.get(\"API_KEY\"))) instead.",
    "long-cell": "Split the work into functions with clear names (load, clean, analyse, "
                 "plot), which are easier to check and to rerun.",
    "interactive-input": "Take the value from a parameter ({name=value} in the task) or an "
                         "environment variable instead of asking.",
    "unchecked": "Simplify the code (fewer nested expressions) so that it can be checked.",
}


def _redact(secret):
    secret = secret.strip()
    return (secret[:4] if len(secret) > 8 else secret[:1]) + "\u2026"


def _show(text, limit=60):
    """A string from the code for a message: unknown parts as …, shortened."""
    text = text.replace(_TEMP, "").replace(_UNKNOWN, "\u2026")
    if len(text) > limit:
        text = text[:limit - 1] + "\u2026"
    return repr(text)


def _words(name):
    name = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", name))
    return _NON_WORD.sub("_", name.lower()).strip("_")


def _secret_name(name):
    return isinstance(name, str) and bool(_SECRET_NAME.search(_words(name)))


def _secret_value(value):
    """The value of a secret-named thing, if it looks like a real secret (not a placeholder)."""
    if not isinstance(value, str) or len(value.strip()) < 3 or _PLACEHOLDER.search(value):
        return False
    if " " in value.strip() and not _AUTH_VALUE.match(value):
        return False  # prose, not a secret
    return True


# ----------------------------------------------------------------------------- the analysis

class _Analysis:
    def __init__(self, cwd, namespace, offset):
        self.cwd = posixpath.normpath(cwd) if cwd else None
        self.namespace = namespace if isinstance(namespace, dict) else {}
        self.offset = offset
        self.issues = []
        self.secrets = set()
        self.aliases = {}      # name -> qualified name (imports)
        self.bindings = {}     # name -> [value node | None (bound some other way)]
        self.has_functions = False
        self.try_depth = 0
        self.io_unprotected = None  # (line, what) of the first I/O call outside a try
        self.network_flagged = set()
        self.scanned_strings = set()

    # ------------------------------------------------------------------ reporting

    def add(self, rule, severity, node_or_line, message, hint_key=None):
        if node_or_line is None or isinstance(node_or_line, int):
            line = node_or_line
        else:
            line = getattr(node_or_line, "lineno", None)
            if line is not None:
                line += self.offset
        self.issues.append({"rule": rule, "severity": severity, "line": line,
                            "message": message, "hint": _HINTS[hint_key or rule]})

    # ------------------------------------------------------------------ the first pass

    def _bind(self, name, value):
        self.bindings.setdefault(name, []).append(value)

    def collect(self, tree):
        """Imports, assignments and other bindings, and whether there are functions."""
        bound = set()  # ids of Name nodes whose binding was recorded with its value
        stack = [tree]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is ast.Import:
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases[top] = top
            elif kind is ast.ImportFrom:
                if not node.level and node.module:
                    for alias in node.names:
                        if alias.name != "*":
                            self.aliases[alias.asname or alias.name] = (
                                node.module + "." + alias.name)
            elif kind is ast.Assign:
                for target in node.targets:
                    self._bind_target(target, node.value, bound)
            elif kind is ast.AnnAssign and node.value is not None:
                self._bind_target(node.target, node.value, bound)
            elif kind is ast.NamedExpr:
                self._bind_target(node.target, node.value, bound)
            elif kind in (ast.With, ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._bind_target(item.optional_vars, item.context_expr, bound)
            elif kind is ast.Name:
                if type(node.ctx) is not ast.Load and id(node) not in bound:
                    self._bind(node.id, None)
            elif kind is ast.arg:
                self._bind(node.arg, None)
            elif kind in _FUNCTIONS:
                self.has_functions = True
                self._bind(node.name, None)
            elif kind is ast.ExceptHandler and node.name:
                self._bind(node.name, None)
            for name in node._fields:
                if name == "ctx":
                    continue
                value = getattr(node, name, None)
                if type(value) is list:
                    stack.extend(item for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST):
                    stack.append(value)

    def _bind_target(self, target, value, bound):
        if type(target) is ast.Name:
            self._bind(target.id, value)
            bound.add(id(target))
        elif (type(target) in (ast.Tuple, ast.List) and type(value) in (ast.Tuple, ast.List)
              and len(target.elts) == len(value.elts)):
            for sub_target, sub_value in zip(target.elts, value.elts):
                self._bind_target(sub_target, sub_value, bound)

    # ------------------------------------------------------------------ static values

    def qual(self, node, depth=0):
        """The dotted name a call goes to (`sp.run` -> "subprocess.run"), or None."""
        if depth > 20:
            return None
        kind = type(node)
        if kind is ast.Name:
            name = node.id
            if name in self.aliases:
                return self.aliases[name]
            if name in self.bindings:
                return None  # a local name, not a builtin
            return self._namespace_qual(name)
        if kind is ast.Attribute:
            base = self.qual(node.value, depth + 1)
            return None if base is None else base + "." + node.attr
        return None

    def _namespace_qual(self, name):
        """A name bound by an earlier cell: a module or a module's function. Never runs code."""
        value = self.namespace.get(name)
        if value is None:
            return name
        if isinstance(value, types.ModuleType):
            module_name = object.__getattribute__(value, "__dict__").get("__name__")
            return module_name if isinstance(module_name, str) else None
        if type(value) in (types.BuiltinFunctionType, types.FunctionType, type):
            module = getattr(value, "__module__", None)
            if module in ("posix", "nt"):
                module = "os"
            if module == "builtins":
                return name
            if isinstance(module, str):
                return module + "." + name
        return None

    def text(self, node, depth=0):
        """The string an expression makes, with _UNKNOWN for the parts known only at run time
        (and _TEMP first for a path from the tempfile module)."""
        if depth > 12:
            return _UNKNOWN
        kind = type(node)
        if kind is ast.Constant:
            value = node.value
            if isinstance(value, str):
                return value
            if isinstance(value, bytes):
                return value.decode("latin-1")
            return _UNKNOWN if value is None else str(value)
        if kind is ast.JoinedStr:
            return "".join(part.value if type(part) is ast.Constant and
                           isinstance(part.value, str) else _UNKNOWN for part in node.values)
        if kind is ast.Name:
            values = self.bindings.get(node.id)
            if values is None:
                if node.id in self.aliases:
                    return _UNKNOWN
                value = self.namespace.get(node.id)
                return value if type(value) is str else _UNKNOWN
            if len(values) == 1 and values[0] is not None:
                return self.text(values[0], depth + 1)
            return _UNKNOWN
        if kind is ast.BinOp:
            op = type(node.op)
            if op is ast.Add:
                return self.text(node.left, depth + 1) + self.text(node.right, depth + 1)
            if op is ast.Div:
                return _join(self.text(node.left, depth + 1), self.text(node.right, depth + 1))
            if op is ast.Mod:
                left = self.text(node.left, depth + 1)
                cut = left.find("%")
                return left if cut < 0 else left[:cut] + _UNKNOWN
            return _UNKNOWN
        if kind in (ast.List, ast.Tuple):
            return " ".join(self.text(item, depth + 1) for item in node.elts)
        if kind is ast.Attribute:
            if self.qual(node) == "os.curdir":
                return "."
            if node.attr in ("name", "parent"):
                base = self.text(node.value, depth + 1)
                if base.startswith(_TEMP):
                    return _TEMP
            return _UNKNOWN
        if kind is ast.Call:
            return self._call_text(node, depth)
        return _UNKNOWN

    def _call_text(self, node, depth):
        qual = self.qual(node.func)
        args = node.args
        if qual in _PATH_CONSTRUCTORS:
            if not args:
                return "."
            result = self.text(args[0], depth + 1)
            for arg in args[1:]:
                result = _join(result, self.text(arg, depth + 1))
            return result
        if qual in _PATH_SAME:
            return self.text(args[0], depth + 1) if args else _UNKNOWN
        if qual in _TEMPFILE:
            return _TEMP
        if qual in _CWD:
            return "."
        if qual == "pathlib.Path.home":
            return "~"
        if type(node.func) is ast.Attribute:
            attr = node.func.attr
            receiver = node.func.value
            if attr in _PATH_METHODS_SAME:
                return self.text(receiver, depth + 1)
            if attr == "joinpath":
                result = self.text(receiver, depth + 1)
                for arg in args:
                    result = _join(result, self.text(arg, depth + 1))
                return result
            if attr == "format" and type(receiver) is ast.Constant:
                return _FORMAT_FIELD.sub(_UNKNOWN, str(receiver.value))
            if (attr == "join" and type(receiver) is ast.Constant and len(args) == 1
                    and type(args[0]) in (ast.List, ast.Tuple)):
                return str(receiver.value).join(self.text(item, depth + 1)
                                                for item in args[0].elts)
        return _UNKNOWN

    def candidates(self, node):
        """The expressions a Name may stand for (each of its bindings), else [node]."""
        if type(node) is ast.Name and node.id not in self.aliases:
            values = self.bindings.get(node.id)
            if values and len(values) > 1 and all(v is not None for v in values):
                return values
        return [node]

    def where(self, path, deleting=False):
        """(severity or None, description) of a path text."""
        if path.startswith(_TEMP):
            return None, ""
        prefix, dynamic = path.split(_UNKNOWN, 1)[0], _UNKNOWN in path
        start = prefix.strip().strip("'\"")
        if not start:
            return ("medium", "a path computed at run time (it may lie outside the working "
                              "directory)") if dynamic else (None, "")
        shown = _show(path)
        if start.startswith("~") or start.startswith("$HOME") or start.startswith("${HOME}"):
            return "high", "%s, in your home folder outside the working directory" % shown
        if start.startswith("$"):
            return ("medium", "%s, a path computed at run time (it may lie outside the "
                              "working directory)" % shown)
        if re.match(r"[A-Za-z]:[\\/]|\\\\", start):
            return "high", "%s, outside the working directory" % shown
        if start.startswith("/"):
            norm = posixpath.normpath(start)
            if norm.startswith("//"):
                norm = "/" + norm.lstrip("/")
            cwd = self.cwd
            if cwd and cwd != "/" and (norm == cwd or norm.startswith(cwd + "/")):
                if norm == cwd and deleting and not dynamic:
                    return "high", "%s, the whole working directory" % shown
                return None, ""
            if cwd == "/":
                return None, ""
            if any(norm == tmp or norm.startswith(tmp + "/") for tmp in _TEMP_DIRS):
                if norm in _TEMP_DIRS and not dynamic:
                    return "high", "%s, the shared temporary folder itself" % shown
                return ("medium", "%s, in the shared temporary folder outside the working "
                                  "directory" % shown)
            first = norm.split("/")[1] if norm != "/" else ""
            if norm == "/" or first in _SYSTEM_DIRS:
                return "high", "%s, a system location outside the working directory" % shown
            return "high", "%s, outside the working directory" % shown
        norm = posixpath.normpath(start)
        if norm == ".." or norm.startswith("../"):
            return "high", "%s, outside the working directory" % shown
        if dynamic:
            rest = start
            while rest.startswith("./"):
                rest = rest[2:]
            if not rest or rest == ".":
                return ("medium", "%s, a path computed at run time (it may lie outside the "
                                  "working directory)" % shown)
            return None, ""
        if norm == "." and deleting:
            return "high", "%s, the whole working directory" % shown
        return None, ""

    def path_issue(self, node, verb, what, path_node, deleting, report_unknown=True):
        """Report a delete / write of the path that path_node makes."""
        worst = None
        for candidate in self.candidates(path_node):
            severity, description = self.where(self.text(candidate), deleting)
            if severity is None:
                continue
            if severity == "medium" and "computed at run time" in description:
                if not report_unknown:
                    continue
            if worst is None or _RANK[severity] < _RANK[worst[0]]:
                worst = (severity, description)
        if worst is not None:
            unknown = "computed at run time" in worst[1]
            self.add("destructive-file", worst[0], node, "%s %s %s." % (what, verb, worst[1]),
                     "destructive-file-unknown" if unknown else None)

    # ------------------------------------------------------------------ shell text

    def shell_text(self, node, text, line=None):
        """`rm` / `rmdir` in a shell command: what it deletes."""
        if "rm" not in text:
            return
        for match in _RM.finditer(text):
            end = _SHELL_END.search(text, match.end())
            words = text[match.end():end.start() if end else len(text)].split()
            options_done = False
            where = line if line is not None else node
            if type(where) is int:
                where = where + text[:match.start()].count("\n")
            for word in words:
                if not options_done and word.startswith("-"):
                    if word == "--":
                        options_done = True
                    continue
                word = word.strip("'\"")
                if "<" in word or ">" in word:
                    continue  # a redirection
                if word in ("*", "./*", ".*", "./.*", "./", "."):
                    word = "."
                else:
                    word = re.sub(r"[*?\[]", _UNKNOWN, word)
                severity, description = self.where(word, deleting=True)
                if severity is not None:
                    unknown = "computed at run time" in description
                    self.add("destructive-file", severity, where,
                             "The shell command `%s` deletes %s." % (match.group(1),
                                                                     description),
                             "destructive-file-unknown" if unknown else None)

    # ------------------------------------------------------------------ strings

    def scan_string(self, node, value):
        """Key-looking literals, Authorization headers, passwords in URLs."""
        if len(value) < 8:
            return
        for pattern, description in _KEY_PATTERNS:
            match = pattern.search(value)
            if match:
                secret = match.group(0)
                self.secrets.add(secret)
                if description == "a private key":
                    shown = "(-----BEGIN ... PRIVATE KEY-----)"
                else:
                    shown = "(%s, %d characters)" % (_redact(secret), len(secret))
                self.add("credentials", "high", node,
                         "The code contains %s %s written in it." % (description, shown))
                return
        match = _AUTH_HEADER.search(value)
        if match:
            secret = match.group(1)
            self.secrets.add(secret)
            self.add("credentials", "high", node,
                     "The code sends an Authorization header with a token written in it "
                     "(%s)." % _redact(secret))
            return
        match = _URL_PASSWORD.search(value)
        if match and _secret_value(match.group(1)):
            secret = match.group(1)
            self.secrets.add(secret)
            self.add("credentials", "high", node,
                     "A URL in the code has a password written in it (%s)." % _redact(secret))

    def secret_literal(self, node, name, value_node, how):
        """`name` (secret-like) gets value_node: report a literal secret."""
        if type(value_node) is not ast.Constant or not isinstance(value_node.value, str):
            return
        value = value_node.value
        if not _secret_value(value):
            return
        if id(value_node) in self.scanned_strings:
            return  # already reported as a key-looking literal
        auth = _AUTH_VALUE.match(value)
        secret = auth.group(1) if auth else value
        self.secrets.add(secret)
        self.secrets.add(value.strip())
        self.scanned_strings.add(id(value_node))
        self.add("credentials", "high", node,
                 "A secret is written into the code: %s a literal string (%s, %d "
                 "characters)." % (how % _show(str(name), 40)[1:-1], _redact(secret),
                                   len(secret)))

    # ------------------------------------------------------------------ the second pass

    def visit(self, node):
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node)
        else:
            self.children(node)

    def children(self, node):
        for name in node._fields:
            if name == "ctx":
                continue
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_constant(self, node):
        if isinstance(node.value, str) and id(node) not in self.scanned_strings:
            before = len(self.issues)
            self.scan_string(node, node.value)
            if len(self.issues) > before:
                self.scanned_strings.add(id(node))

    def visit_joined(self, node):
        value = self.text(node)
        self.scan_string(node, value)
        for part in node.values:
            if type(part) is not ast.Constant:
                self.visit(part)

    def visit_try(self, node):
        protected = bool(node.handlers)
        self.try_depth += protected
        for child in node.body:
            self.visit(child)
        self.try_depth -= protected
        for child in node.handlers + node.orelse + node.finalbody:
            self.visit(child)

    def visit_handler(self, node):
        body = node.body
        silent = all(type(statement) is ast.Pass or (
            type(statement) is ast.Expr and type(statement.value) is ast.Constant)
            for statement in body)
        if node.type is None:
            self.add("bare-except", "note", node,
                     "A bare `except:` catches every error, even an interrupt or a typo, "
                     "and hides what went wrong.")
        elif silent:
            self.add("silent-except", "note", node,
                     "An error is caught and silently ignored (the handler only passes).")
        self.children(node)

    def visit_import(self, node):
        if type(node) is ast.Import:
            names = [alias.name for alias in node.names]
        elif node.level or not node.module:
            names = []
        else:
            names = [node.module] + [node.module + "." + alias.name for alias in node.names]
        for name in names:
            self.network(node, name, "imports")

    def network(self, node, qual, how):
        parts = qual.split(".", 2)
        for module in (parts[0], ".".join(parts[:2])):
            if module in _NETWORK_MODULES:
                if module not in self.network_flagged:
                    self.network_flagged.add(module)
                    self.add("network", "medium", node,
                             "The code %s %s, so it can send and receive data over the "
                             "network: data may leave the machine, and the container "
                             "executor runs with the network off." % (how, module))
                return True
        return False

    def visit_assign(self, node):
        targets = node.targets if type(node) is ast.Assign else [node.target]
        value = node.value
        if value is not None:
            for target in targets:
                self._assigned(node, target, value)
        self.children(node)

    def _assigned(self, node, target, value):
        kind = type(target)
        if kind is ast.Name:
            if _secret_name(target.id):
                self.secret_literal(node, target.id, value, "%s is set to")
        elif kind is ast.Attribute:
            if _secret_name(target.attr):
                self.secret_literal(node, target.attr, value, "%s is set to")
        elif kind is ast.Subscript:
            key = target.slice
            if type(key) is ast.Constant and _secret_name(key.value):
                self.secret_literal(node, "%s[%r]" % (_dotted(target.value), key.value), value,
                                    "%s is set to")
        elif kind in (ast.Tuple, ast.List) and type(value) in (ast.Tuple, ast.List):
            if len(target.elts) == len(value.elts):
                for sub_target, sub_value in zip(target.elts, value.elts):
                    self._assigned(node, sub_target, sub_value)

    def visit_dict(self, node):
        for key, value in zip(node.keys, node.values):
            if type(key) is ast.Constant and _secret_name(key.value):
                self.secret_literal(node, key.value, value, "the key '%s' holds")
        self.children(node)

    def visit_compare(self, node):
        operands = [node.left] + list(node.comparators)
        names = [o.id if type(o) is ast.Name else o.attr if type(o) is ast.Attribute else None
                 for o in operands]
        if any(_secret_name(name) for name in names):
            for operand in operands:
                self.secret_literal(node, next(n for n in names if _secret_name(n)), operand,
                                    "%s is compared with")
        self.children(node)

    def visit_call(self, node):
        self.check_call(node)
        self.children(node)

    # ------------------------------------------------------------------ calls

    def check_call(self, node):
        func = node.func
        qual = self.qual(func)
        attr = func.attr if type(func) is ast.Attribute else None
        args = node.args
        keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        label = (qual or _dotted(func)) + "()"

        def arg(position, keyword):
            if position is not None and len(args) > position:
                return args[position]
            return keywords.get(keyword)

        # Credentials given as keyword arguments, or as defaults of environment variables.
        for kw in node.keywords:
            if kw.arg and _secret_name(kw.arg):
                self.secret_literal(node, kw.arg, kw.value, "the argument %s= is")
            if kw.arg == "auth" and type(kw.value) in (ast.Tuple, ast.List) and \
                    len(kw.value.elts) == 2:
                self.secret_literal(node, "auth", kw.value.elts[1],
                                    "the password in the argument %s= is")
        if ((qual in ("os.getenv", "os.environ.get", "os.environ.setdefault")
             or attr in ("getenv",)) and len(args) >= 2 and type(args[0]) is ast.Constant
                and _secret_name(args[0].value)):
            self.secret_literal(node, args[0].value, args[1],
                                "the default of the environment variable %s is")

        name = qual or ""

        # Code made of text.
        if name in _DYNAMIC_CODE or (name.startswith("builtins.")
                                     and name[9:] in _DYNAMIC_CODE):
            what = _DYNAMIC_CODE[name.split(".")[-1]]
            source = arg(0, "source" if what != "__import__()" else "name")
            if source is not None and _UNKNOWN in self.text(source):
                self.add("dynamic-code", "high", node,
                         "%s runs code that is built at run time, which could do anything."
                         % what)
            return
        if name in _DESERIALIZERS or (name == "numpy.load" and _truthy(
                keywords.get("allow_pickle"))):
            data = arg(0, None)
            if not (type(data) is ast.Constant and isinstance(data.value, bytes)):
                self.add("unsafe-deserialization", "medium", node,
                         "%s can run code hidden in the data it loads, if the data came "
                         "from someone else." % label)
        elif name == "yaml.load" or name == "yaml.load_all":
            loader = arg(1, "Loader")
            loader_name = self.qual(loader) if loader is not None else None
            if loader_name is None or loader_name.split(".")[-1] not in (
                    "SafeLoader", "CSafeLoader", "BaseLoader"):
                self.add("unsafe-deserialization", "medium", node,
                         "%s without a safe loader can build any Python object from the "
                         "data." % label)

        # Shell and other programs.
        if name == transform.SHELL_CALL:
            self._shell_line(node)
            return
        if name == transform.MAGIC_CALL:
            self._magic_line(node)
            return
        if name in _SHELL_CALLS or name.startswith("commands."):
            self.add("shell", "high", node,
                     "%s runs a shell command: a shell interprets the text, so one wrong or "
                     "injected character can run anything." % label)
            command = arg(0, "cmd" if name != "os.system" else "command")
            if command is not None:
                self.shell_text(node, self.text(command))
        elif name in _SUBPROCESS_CALLS:
            shell = keywords.get("shell")
            command = arg(0, "args")
            if shell is not None and _truthy(shell, unknown=True):
                self.add("shell", "high", node,
                         "%s with shell=True runs a shell command: a shell interprets the "
                         "text, so one wrong or injected character can run anything." % label)
            else:
                self.add("subprocess", "low", node,
                         "%s starts another program (without a shell)." % label)
            if command is not None:
                self.shell_text(node, self.text(command))
        elif name in _PROGRAM_CALLS:
            self.add("subprocess", "low", node, "%s starts another program." % label)
            self.shell_text(node, " ".join(self.text(a) for a in args))

        # Deleting and writing files.
        elif name in _DELETES:
            position, keyword = _DELETES[name]
            target = arg(position, keyword)
            if target is not None:
                self.path_issue(node, "deletes", label, target, deleting=True)
        elif name in _OPENS or (attr == "open" and self._is_path(func.value)):
            on_path = name not in _OPENS
            target = func.value if on_path else arg(0, _OPENS[name])
            mode = arg(0 if on_path else 1, "mode")
            mode_text = "r" if mode is None else self.text(mode)
            if target is not None:
                if _UNKNOWN in mode_text:
                    self.path_issue(node, "may write to", label, target, deleting=False,
                                    report_unknown=False)
                elif any(c in mode_text for c in "wa+"):
                    self.path_issue(node, "writes to", label.replace("()", "(..., %r)"
                                                                     % mode_text),
                                    target, deleting=False)
            self.io(node, label)
        elif attr in ("unlink", "rmdir") and not args and qual not in _DELETES:
            self.path_issue(node, "deletes", "Path.%s()" % attr, func.value, deleting=True)
        elif attr in ("write_text", "write_bytes"):
            self.path_issue(node, "writes to", "Path.%s()" % attr, func.value, deleting=False)
        elif attr in _LIBRARY_WRITES or name in ("numpy.save", "numpy.savetxt"):
            target = arg(0, "path_or_buf") or keywords.get("fname") or keywords.get("path") \
                or keywords.get("excel_writer") or keywords.get("file")
            if target is not None:
                self.path_issue(node, "writes to", label, target, deleting=False,
                                report_unknown=False)

        # Network.
        if name and self.network(node, name, "calls"):
            self.io(node, label)
        else:
            last = attr or (type(func) is ast.Name and func.id) or ""
            if last in _URL_READERS or last.startswith("read_"):
                for value in list(args) + list(keywords.values()):
                    match = _URL.match(self.text(value))
                    if match:
                        host = match.group(1).split("@")[-1].replace(_UNKNOWN, "\u2026")
                        self.add("network", "medium", node,
                                 "%s downloads data from %s: the container executor runs "
                                 "with the network off." % (label, host or "the network"))
                        self.io(node, label)
                        break

        # Practice.
        if attr in _IO_METHODS or name in ("numpy.load", "numpy.save"):
            self.io(node, label)
        if name in ("input", "getpass.getpass", "builtins.input"):
            self.add("interactive-input", "note", node,
                     "%s waits for someone to type an answer; in a headless run (nbconvert, "
                     "papermill, a scheduled job) no one does." % label)
        if name == "print" or (attr in _LOG_METHODS and self._is_logger(func.value)):
            leaked = [n for a in list(args) + list(keywords.values()) for n in _names_in(a)
                      if _secret_name(n)]
            if leaked:
                self.add("secret-printed", "note", node,
                         "%s shows %s, which looks like a secret, in the output." % (
                             label, _show(leaked[0], 40)))

    def _is_path(self, node):
        text = self.text(node)
        return text != _UNKNOWN and not text.startswith(_UNKNOWN)

    def _is_logger(self, node):
        qual = self.qual(node)
        if qual and qual.split(".")[0] == "logging":
            return True
        name = node.id if type(node) is ast.Name else node.attr if \
            type(node) is ast.Attribute else ""
        return "log" in name.lower()

    def io(self, node, label):
        if self.try_depth == 0 and self.io_unprotected is None:
            self.io_unprotected = (node.lineno + self.offset, label)

    def _shell_line(self, node):
        """`!cmd` (transform.py made it `__luci_shell__('cmd')`)."""
        if not node.args or type(node.args[0]) is not ast.Constant:
            return
        command = str(node.args[0].value)
        from .magics import pip_command
        if pip_command(command) is not None:
            return  # the kernel installs it (PROTOCOL.md, "Kernel magics")
        shown = command if len(command) <= 40 else command[:39] + "\u2026"
        self.add("shell", "high", node, "The line `!%s` runs a shell command." % shown)
        self.shell_text(node, command)

    def _magic_line(self, node):
        """`%name args` (transform.py made it `__luci_magic__('name', 'args')`)."""
        if len(node.args) < 2 or any(type(a) is not ast.Constant for a in node.args[:2]):
            return
        name, line = str(node.args[0].value), str(node.args[1].value)
        if name in ("rm", "rmdir"):
            self.shell_text(node, name + " " + line)
        elif name == "env":
            before = len(self.issues)
            self.scan_string(node, line)
            match = re.match(r"\s*(\w+)\s*[= ]\s*(.+?)\s*$", line)
            if match and _secret_name(match.group(1)) and len(self.issues) == before:
                value = ast.Constant(value=match.group(2).strip("'\""))
                self.secret_literal(node, match.group(1), value, "%%env sets %s to")
        elif name in ("time", "timeit") and line:
            self._nested(node, line)

    def _nested(self, node, source):
        """The Python code of a `%time` / `%timeit` line."""
        try:
            tree = compile(source, "<line>", "exec", ast.PyCF_ONLY_AST | _TOP_LEVEL_AWAIT,
                           dont_inherit=True)
        except (SyntaxError, ValueError, OverflowError):
            return  # the cell will say so when it runs
        offset = self.offset
        self.offset = offset + node.lineno - 1
        try:
            self.visit(tree)
        finally:
            self.offset = offset

    def finish(self, code_lines):
        if self.io_unprotected is not None:
            line, label = self.io_unprotected
            self.add("no-error-handling", "note", line,
                     "File or network I/O (%s on line %d) has no error handling: a missing "
                     "file or a failed download stops the cell with a traceback." % (label,
                                                                                    line))
        if code_lines > LONG_CELL_LINES and not self.has_functions:
            self.add("long-cell", "note", None,
                     "The code is long (%d lines) and has no functions, which makes it hard "
                     "to check and to reuse." % code_lines)


_HANDLERS = {
    ast.Constant: _Analysis.visit_constant,
    ast.JoinedStr: _Analysis.visit_joined,
    ast.ExceptHandler: _Analysis.visit_handler,
    ast.Import: _Analysis.visit_import,
    ast.ImportFrom: _Analysis.visit_import,
    ast.Assign: _Analysis.visit_assign,
    ast.AnnAssign: _Analysis.visit_assign,
    ast.Dict: _Analysis.visit_dict,
    ast.Compare: _Analysis.visit_compare,
    ast.Call: _Analysis.visit_call,
}
for _kind in _TRY:
    _HANDLERS[_kind] = _Analysis.visit_try


def _join(left, right):
    """os.path.join / Path's `/` on two texts."""
    if right.startswith(("/", "~", _TEMP)):
        return right
    if left.startswith(_TEMP):
        return _TEMP
    if left == _UNKNOWN:
        return _UNKNOWN
    if left in ("", "."):
        return right
    return left.rstrip("/") + "/" + right


def _dotted(node):
    """`df.to_csv` as written (for messages)."""
    if type(node) is ast.Name:
        return node.id
    if type(node) is ast.Attribute:
        return _dotted(node.value) + "." + node.attr
    return "\u2026"


def _truthy(node, unknown=False):
    """Is a keyword's value true? (unknown: what to say when it is not a constant)"""
    if node is None:
        return False
    if type(node) is ast.Constant:
        return bool(node.value)
    return unknown


def _names_in(node):
    """Names whose value an expression shows (print(x), f"{x}", "a" + x, str(x))."""
    kind = type(node)
    if kind is ast.Name:
        return [node.id]
    if kind is ast.Attribute:
        return [node.attr]
    if kind is ast.JoinedStr:
        return [n for part in node.values if type(part) is ast.FormattedValue
                for n in _names_in(part.value)]
    if kind is ast.BinOp:
        return _names_in(node.left) + _names_in(node.right)
    if kind in (ast.Tuple, ast.List):
        return [n for item in node.elts for n in _names_in(item)]
    if kind is ast.Call and type(node.func) is ast.Name and node.func.id in ("str", "repr"):
        return [n for item in node.args for n in _names_in(item)]
    return []


# ----------------------------------------------------------------------------- the entry

def _threshold(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return DEFAULT_THRESHOLD
    return min(1.0, max(0.0, float(value)))


def _score(issues):
    if any(issue["severity"] == "blocker" for issue in issues):
        return 0
    notes = sum(PENALTY["note"] for issue in issues if issue["severity"] == "note")
    total = sum(PENALTY[issue["severity"]] for issue in issues if issue["severity"] != "note")
    return max(0, 1000 - total - min(notes, NOTES_CAP))


def _summary(score, threshold, passed, issues):
    head = "Score %.2f (threshold %.2f): " % (score, threshold)
    if not issues:
        return head + "passed, no issues found."
    counts = []
    for severity in SEVERITIES:
        n = sum(1 for issue in issues if issue["severity"] == severity)
        if n:
            counts.append("%d %s%s" % (n, severity, "s" if n > 1 and severity in (
                "blocker", "note") else ""))
    found = ", ".join(counts)
    worst = [issue for issue in issues if issue["severity"] != "note"] or issues
    reasons = []
    for issue in worst:
        reason = issue["rule"].replace("-", " ") + (
            " (line %d)" % issue["line"] if issue["line"] is not None else "")
        if reason not in reasons:
            reasons.append(reason)
    if len(reasons) > 4:
        reasons = reasons[:4] + ["..."]
    if passed:
        return head + "passed, with %s: %s." % (found, "; ".join(reasons))
    return head + ("below the threshold, so the code is shown and not run (%%luci run-anyway "
                   "runs it). Found %s: %s." % (found, "; ".join(reasons)))


def _visit_deep(analysis, tree):
    """analysis.visit(tree); for a very deep tree (a sum of 800 terms) once more, from the
    same start, with a higher recursion limit (the parser accepted the tree: it is finite)."""
    issues = len(analysis.issues)
    try:
        return analysis.visit(tree)
    except RecursionError:
        pass
    del analysis.issues[issues:]
    analysis.try_depth = 0
    analysis.io_unprotected = None
    analysis.network_flagged.clear()
    analysis.scanned_strings.clear()
    import sys
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    try:
        return analysis.visit(tree)
    finally:
        sys.setrecursionlimit(limit)


def _scrub(text, secrets):
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, _redact(secret))
    return text


def validate(code, cwd=None, threshold=DEFAULT_THRESHOLD, namespace=None):
    """The reply content of a validate command. Never runs any of the code."""
    threshold = _threshold(threshold)
    if cwd is None:
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = None
    cwd = os.path.abspath(cwd) if cwd else None
    cell_magic = transform.split_cell_magic(code)
    offset = 0
    body = code
    analysis = None
    if cell_magic:
        name, line, body = cell_magic
        offset = code.count("\n") - body.count("\n")
        if name not in _PYTHON_CELLS:
            analysis = _Analysis(cwd, namespace, offset)
            if name in _SHELL_CELLS:
                analysis.add("shell", "high", offset,
                             "The %%%%%s cell runs its lines as a shell script." % name)
                analysis.shell_text(None, body, line=offset + 1)
            elif name == "writefile":
                words = [w for w in line.split() if not w.startswith("-")]
                if words:
                    target = ast.Constant(value=words[0].strip("'\""))
                    analysis.path_issue(offset, "writes to", "%%writefile", target, False)
            if body:
                analysis.scan_string(offset, body)
    elif transform.help_request(code) is not None:
        analysis = _Analysis(cwd, namespace, 0)
    if analysis is None:
        analysis = _Analysis(cwd, namespace, offset)
        source = transform.transform_cell(body)
        try:
            tree = compile(source, "<cell>", "exec", ast.PyCF_ONLY_AST | _TOP_LEVEL_AWAIT,
                           dont_inherit=True)
        except SyntaxError as exc:
            line = exc.lineno + offset if isinstance(exc.lineno, int) else None
            message = "The code does not parse: %s" % (exc.msg or "invalid syntax")
            if line is not None:
                message += " (line %d%s)." % (line, ", column %d" % exc.offset
                                              if isinstance(exc.offset, int) else "")
            analysis.add("syntax", "blocker", line, message)
        except (ValueError, OverflowError, MemoryError, RecursionError) as exc:
            analysis.add("syntax", "blocker", None, "The code does not parse: %s." % exc)
        else:
            try:
                analysis.collect(tree)
                _visit_deep(analysis, tree)
            except RecursionError:
                analysis.add("unchecked", "blocker", None,
                             "The code is nested too deeply to be checked.")
            code_lines = sum(1 for text in body.split("\n")
                             if text.strip() and not text.strip().startswith("#"))
            analysis.finish(code_lines)

    seen = set()
    issues = []
    for issue in analysis.issues:
        issue["message"] = _scrub(issue["message"], analysis.secrets)
        key = (issue["rule"], issue["severity"], issue["line"], issue["message"])
        if key not in seen:
            seen.add(key)
            issues.append(issue)
    issues.sort(key=lambda issue: (issue["line"] if issue["line"] is not None else -1,
                                   _RANK[issue["severity"]], issue["rule"], issue["message"]))
    score = _score(issues) / 1000
    passed = score >= threshold
    return {"status": "ok", "score": score, "passed": passed, "threshold": threshold,
            "issues": issues, "summary": _summary(score, threshold, passed, issues)}


def validate_command(cmd, namespace=None):
    """{"op":"validate","id":N,"code":str,"cwd"?:str,"threshold"?:number} -> reply content."""
    cwd = cmd.get("cwd")
    return validate(str(cmd.get("code", "")), cwd=cwd if isinstance(cwd, str) else None,
                    threshold=cmd.get("threshold", DEFAULT_THRESHOLD), namespace=namespace)

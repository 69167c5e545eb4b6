"""The validation gate: is generated code safe enough to run unseen? (PROTOCOL.md, "Validation")

    validate(code, cwd=None, threshold=0.8, namespace=None) -> reply content

The code is parsed with Python's own parser (after the magic transforms, as a cell would be)
and the tree is read; nothing in it is ever run. The live namespace is only looked at: a name
that an earlier cell bound to a module (`sp` -> subprocess) or to a plain string (a path) is
understood as such. Looking runs no notebook code: values are judged by type() alone, never
isinstance() (which reads a __class__ that an object may compute).

Rules (rule id, severity):
- syntax (blocker): the code does not parse; the line and Python's message.
- too-large (blocker): more than MAX_CODE_CHARS (150,000) characters: refused unread, so the
  time a verdict takes is bounded (every pattern is linear too).
- unchecked (blocker): nested too deeply to be followed.
- credentials (high): a string literal given to a name like password / passwd / secret / token /
  api_key / access_key / private_key / auth (assignment, keyword, dict key, comparison,
  os.environ / getenv default, %env); an `Authorization: Bearer <literal>` header; a literal
  that looks like a key (AWS AKIA..., sk-..., ghp_..., xox[bp]-..., hf_..., AIza...,
  -----BEGIN ... PRIVATE KEY-----, a JSON web token, a password inside a URL). Messages show
  secrets redacted (first 4 characters and "…", 1 for secrets of 8 characters or fewer); the
  secret itself is never in the reply.
- dynamic-code (high): eval / exec / compile / __import__ of something that is not a literal
  (a string known in full is read as code, with every rule; one that does not parse, or past
  150,000 characters in all or 4 deep, is this issue); a call the gate could not resolve on a
  dangerous module: getattr(os, name), importlib.import_module(name), a name bound to code
  that uses os.remove & co without calling it (`ops = {"rm": os.remove}; ops[k](p)`).
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
  What destroys files that exist when the gate looks (inside the working directory too) is
  high: deleting, moving or emptying the items of a listing (`for f in glob.glob("data/*.csv"):
  os.remove(f)`, Path.glob, os.listdir, map(os.remove, ...)), moving an existing file away
  (os.rename / renames / replace, shutil.move, Path.rename / replace), replacing an existing
  file (the target of those, of shutil.copy / copy2 / copyfile), emptying one (os.truncate,
  os.open with O_TRUNC). Files the cell makes itself do not exist yet and are not reported;
  a path is looked up on disk at most 1,000 times a cell (past that it counts as existing).
  Names are followed through aliases (`remove = os.remove`), getattr(os, "remove"),
  __import__("shutil") and importlib.import_module("shutil").
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
analysis is deterministic (for the same code and the same files on disk) and costs about
2 ms for a 100-line cell (half of it the parse).

The package, one concept a module (imported as a whole on the first validate request only):
    gate          validate() and validate_command(): cell magics, the parse, the reply
    scoring       the score and the one-line summary
    context       the state of one analysis, the run-time markers, how code shows in messages
    hints         the advice given with each rule
    bindings      the first pass: imports and assignments (what names stand for)
    values        the dotted name a call goes to and the text an expression makes
    paths         where a path lies (the outside-the-working-directory judgement)
    visitor       the second pass: walks the tree, sends each call to the rule modules
    credentials, dynamic_code, shell, files, network, notes: one module per rule family
    tables        the tables shared with the kernel (shared_tables.json: the default threshold,
                  the patterns of secrets), read by kernel/common/shared-tables.ts too
"""

from .gate import validate, validate_command
from .notes import LONG_CELL_LINES
from .scoring import NOTES_CAP, PENALTY, SEVERITIES
from .tables import DEFAULT_THRESHOLD

__all__ = [
    "DEFAULT_THRESHOLD",
    "LONG_CELL_LINES",
    "NOTES_CAP",
    "PENALTY",
    "SEVERITIES",
    "validate",
    "validate_command",
]

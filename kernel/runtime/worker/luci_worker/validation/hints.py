"""The advice that comes with each issue, by rule (or by a finer key: destructive-file-unknown
is the advice for a path computed at run time). One sentence or two: what to do instead."""

HINTS = {
    "syntax": "Correct the line (a missing bracket, quote, colon or indentation is the usual "
    "cause), or ask for the code again with %luci regenerate.",
    "credentials": 'Read secrets at run time instead: os.environ["API_KEY"] (set it outside '
    "the notebook) or getpass.getpass(); never keep them in a notebook.",
    "dynamic-code": "Call the functions directly; for data written as text use json.loads() "
    "or ast.literal_eval(), which cannot run code.",
    "unsafe-deserialization": "Load data you did not make yourself in a format that cannot "
    "run code (CSV, JSON, Parquet); use yaml.safe_load() for YAML.",
    "shell": 'Use subprocess.run(["program", "arg"], check=True) with a list of arguments '
    "and no shell, or a Python library that does the same job.",
    "subprocess": "Fine when the command is fixed: pass a list of arguments, use check=True, "
    "and never build the command from untrusted text.",
    "destructive-file": "Keep files inside the working directory (relative paths without '..') "
    "and use the tempfile module for scratch files.",
    "destructive-file-unknown": "Build the path from the working directory (Path.cwd() / name) "
    "and check where it points before deleting or overwriting.",
    "destructive-file-existing": "Write results to new files and leave the files you were given "
    "as they are; delete, move or replace files yourself once you have checked which.",
    "network": "Read local files instead, or make sure the data may leave the machine and that "
    "the executor allows network access.",
    "no-error-handling": "Wrap the reading, writing or download in try/except (OSError, "
    "FileNotFoundError, requests.RequestException) and say what failed.",
    "bare-except": "Catch the errors you expect (except ValueError:) or at least "
    "`except Exception:`, so that an interrupt still stops the cell.",
    "silent-except": "Log or print what went wrong (logging.exception(...)) instead of "
    "ignoring it silently.",
    "secret-printed": "Do not print secrets; print whether they are set "
    '(bool(os.environ.get("API_KEY"))) instead.',
    "long-cell": "Split the work into functions with clear names (load, clean, analyse, "
    "plot), which are easier to check and to rerun.",
    "interactive-input": "Take the value from a parameter ({name=value} in the task) or an "
    "environment variable instead of asking.",
    "unchecked": "Simplify the code (fewer nested expressions) so that it can be checked.",
    "too-large": "Keep large data out of the code: read it from a file (a CSV, JSON or text "
    "file beside the notebook) instead of writing it into the cell.",
}

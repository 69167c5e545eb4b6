"""The credentials rule (high): secrets written into the code.

Two ways to see one: a string literal given to something named like a secret (assignment,
keyword, dict key, comparison, an environment variable's default, %env), or a literal that
looks like a key whatever its name (AWS, GitHub, Slack... tokens, a private key, a JSON web
token, an Authorization header, a password inside a URL). Placeholders ("<your key>",
"changeme", "API_KEY") are not secrets. Each secret found is remembered so that the gate can
redact it from every message: the reply never contains one.
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)
import re

from . import values
from .context import redact, show
from .tables import SHARED_TABLES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .context import At, Context
    from .visitor import Analysis, Call

_SECRET_NAME = re.compile(
    r"(?:^|_)(?:password|passwd|passphrase|pwd|pass|secret|token|api_?key|apikey|"
    r"access_?key|private_?key|secret_?key|auth|authorization|credentials?|bearer)$"
)
_CAMEL_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PLACEHOLDER = re.compile(
    r"(?i)^\s*$|^<.*>$|^\{.*\}$|^\[.*\]$|^\$\{?\w+\}?$|^%\(?\w*\)?s$|\byour[\s_-]|"
    r"xxx|\*\*\*|^\.\.\.$|placeholder|example|change[\s_-]?me|replace[\s_-]?me|^none$|"
    r"^null$|(?-i:^[A-Z][A-Z0-9_]*$)|^[\w./~-]+\.(?:txt|json|pem|key|ya?ml|ini|cfg|conf|env|toml|"
    r"csv|p12|pfx|crt)$|\x00"
)
# The key formats, the Authorization header and the password in a URL: shared with the kernel's
# redaction of what a model is sent (kernel/pipeline/task-context.ts), written once in
# shared_tables.json.
_KEY_PATTERNS = tuple(
    (re.compile(entry["pattern"]), entry["description"]) for entry in SHARED_TABLES["key_patterns"]
)
_AUTH_HEADER = re.compile(SHARED_TABLES["auth_header_case_insensitive"], re.IGNORECASE)
_AUTH_VALUE = re.compile(r"(?i)^\s*(?:bearer|basic|token)\s+([A-Za-z0-9._~+/=-]{6,})\s*$")
# `%env NAME=value` / `%env NAME value`, read from the stripped line (no trailing \s*$ after a
# lazy group: that backtracks quadratically on a line of spaces).
_ENV_LINE = re.compile(r"(\w+)(?:\s*=|\s)\s*(.*)", re.S)
_URL_PASSWORD = re.compile(SHARED_TABLES["url_password_case_insensitive"], re.IGNORECASE)

# ----------------------------------------------------------------------------- recognising


def _words(name: str) -> str:
    name = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", name))
    return _NON_WORD.sub("_", name.lower()).strip("_")


def secret_name(name: object) -> bool:
    return isinstance(name, str) and bool(_SECRET_NAME.search(_words(name)))


def _secret_value(value: object) -> bool:
    """The value of a secret-named thing, if it looks like a real secret (not a placeholder)."""
    if not isinstance(value, str) or len(value.strip()) < 3 or _PLACEHOLDER.search(value):
        return False
    # Prose (words and spaces) is not a secret, unless it is "Bearer <token>" & co.
    return " " not in value.strip() or _AUTH_VALUE.match(value) is not None


def scan_string(analysis: Context, node: At, value: str) -> None:
    """Key-looking literals, Authorization headers, passwords in URLs."""
    if len(value) < 8:
        return
    for pattern, description in _KEY_PATTERNS:
        match = pattern.search(value)
        if match:
            secret = match.group(0)
            analysis.secrets.add(secret)
            if description == "a private key":
                shown = "(-----BEGIN ... PRIVATE KEY-----)"
            else:
                shown = "(%s, %d characters)" % (redact(secret), len(secret))
            analysis.add(
                "credentials",
                "high",
                node,
                "The code contains %s %s written in it." % (description, shown),
            )
            return
    match = _AUTH_HEADER.search(value)
    if match:
        secret = match.group(1)
        analysis.secrets.add(secret)
        analysis.add(
            "credentials",
            "high",
            node,
            "The code sends an Authorization header with a token written in it "
            "(%s)." % redact(secret),
        )
        return
    match = _URL_PASSWORD.search(value)
    if match and _secret_value(match.group(1)):
        secret = match.group(1)
        analysis.secrets.add(secret)
        analysis.add(
            "credentials",
            "high",
            node,
            "A URL in the code has a password written in it (%s)." % redact(secret),
        )


def secret_literal(
    analysis: Context, node: At, name: object, value_node: ast.expr | None, how: str
) -> None:
    """`name` (secret-like) gets value_node: report a literal secret."""
    if type(value_node) is not ast.Constant or not isinstance(value_node.value, str):
        return
    value = value_node.value
    if not _secret_value(value):
        return
    if id(value_node) in analysis.scanned_strings:
        return  # already reported as a key-looking literal
    auth = _AUTH_VALUE.match(value)
    secret = auth.group(1) if auth else value
    analysis.secrets.add(secret)
    analysis.secrets.add(value.strip())
    analysis.scanned_strings.add(id(value_node))
    analysis.add(
        "credentials",
        "high",
        node,
        "A secret is written into the code: %s a literal string (%s, %d "
        "characters)." % (how % show(str(name), 40)[1:-1], redact(secret), len(secret)),
    )


# ----------------------------------------------------------------------------- the visits


def visit_constant(analysis: Analysis, node: ast.Constant) -> None:
    if isinstance(node.value, str) and id(node) not in analysis.scanned_strings:
        before = len(analysis.issues)
        scan_string(analysis, node, node.value)
        if len(analysis.issues) > before:
            analysis.scanned_strings.add(id(node))


def visit_joined(analysis: Analysis, node: ast.JoinedStr) -> None:
    value = values.text(analysis, node)
    scan_string(analysis, node, value)
    for part in node.values:
        if type(part) is not ast.Constant:
            analysis.visit(part)


def visit_assign(analysis: Analysis, node: ast.Assign | ast.AnnAssign) -> None:
    if type(node) is ast.Assign:
        targets = node.targets
    else:
        assert type(node) is ast.AnnAssign  # (HANDLERS sends these two kinds here)
        targets = [node.target]
    value = node.value
    if value is not None:
        for target in targets:
            _assigned(analysis, node, target, value)
    analysis.children(node)


def _assigned(analysis: Analysis, node: ast.stmt, target: ast.expr, value: ast.expr) -> None:
    if type(target) is ast.Name:
        if secret_name(target.id):
            secret_literal(analysis, node, target.id, value, "%s is set to")
    elif type(target) is ast.Attribute:
        if secret_name(target.attr):
            secret_literal(analysis, node, target.attr, value, "%s is set to")
    elif type(target) is ast.Subscript:
        key = target.slice
        if type(key) is ast.Constant and secret_name(key.value):
            secret_literal(
                analysis,
                node,
                "%s[%r]" % (values.dotted(target.value), key.value),
                value,
                "%s is set to",
            )
    elif (
        (type(target) is ast.Tuple or type(target) is ast.List)
        and (type(value) is ast.Tuple or type(value) is ast.List)
        and len(target.elts) == len(value.elts)
    ):
        for sub_target, sub_value in zip(target.elts, value.elts):
            _assigned(analysis, node, sub_target, sub_value)


def visit_dict(analysis: Analysis, node: ast.Dict) -> None:
    for key, value in zip(node.keys, node.values):
        if type(key) is ast.Constant and secret_name(key.value):
            secret_literal(analysis, node, key.value, value, "the key '%s' holds")
    analysis.children(node)


def visit_compare(analysis: Analysis, node: ast.Compare) -> None:
    operands = [node.left] + list(node.comparators)
    names = [
        o.id if type(o) is ast.Name else o.attr if type(o) is ast.Attribute else None
        for o in operands
    ]
    if any(secret_name(name) for name in names):
        for operand in operands:
            secret_literal(
                analysis,
                node,
                next(n for n in names if secret_name(n)),
                operand,
                "%s is compared with",
            )
    analysis.children(node)


def check_call(analysis: Analysis, call: Call) -> None:
    """Credentials given as keyword arguments, or as defaults of environment variables."""
    node, args = call.node, call.args
    for kw in node.keywords:
        if kw.arg and secret_name(kw.arg):
            secret_literal(analysis, node, kw.arg, kw.value, "the argument %s= is")
        auth = kw.value
        if (
            kw.arg == "auth"
            and (type(auth) is ast.Tuple or type(auth) is ast.List)
            and len(auth.elts) == 2
        ):
            secret_literal(
                analysis, node, "auth", auth.elts[1], "the password in the argument %s= is"
            )
    if (
        (
            call.qual in ("os.getenv", "os.environ.get", "os.environ.setdefault")
            or call.attr in ("getenv",)
        )
        and len(args) >= 2
        and type(args[0]) is ast.Constant
        and secret_name(args[0].value)
    ):
        secret_literal(
            analysis, node, args[0].value, args[1], "the default of the environment variable %s is"
        )


def env_line(analysis: Analysis, node: ast.Call, line: str) -> None:
    """`%env NAME=value` (the arguments of the magic)."""
    before = len(analysis.issues)
    scan_string(analysis, node, line)
    match = _ENV_LINE.match(line.strip())
    if (
        match
        and match.group(2).strip()
        and secret_name(match.group(1))
        and len(analysis.issues) == before
    ):
        value = ast.Constant(value=match.group(2).strip().strip("'\""))
        secret_literal(analysis, node, match.group(1), value, "%%env sets %s to")

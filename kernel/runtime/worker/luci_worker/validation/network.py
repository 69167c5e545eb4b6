"""The network rule (medium): data may leave the machine, and the container executor runs
with the network off.

Reported once per module, whether the cell imports it or calls into it, and for a URL
literal given to a reader (pd.read_csv("https://..."), urlopen, requests.get...).
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)
import re

from . import notes, values
from .context import UNKNOWN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .context import Context
    from .visitor import Analysis, Call


_NETWORK_MODULES = frozenset(
    (
        "socket",
        "socketserver",
        "urllib.request",
        "urllib3",
        "http.client",
        "http.server",
        "requests",
        "httpx",
        "aiohttp",
        "ftplib",
        "smtplib",
        "poplib",
        "imaplib",
        "telnetlib",
        "nntplib",
        "xmlrpc.client",
        "paramiko",
        "websocket",
        "websockets",
        "pycurl",
        "boto3",
        "botocore",
    )
)
_URL_READERS = {
    "urlopen",
    "urlretrieve",
    "Request",
    "loadtxt",
    "genfromtxt",
    "load",
    "open_dataset",
    "imread",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "request",
    "download",
    "fetch",
    "stream",
}
_URL = re.compile(r"(?i)^\s*(?:https?|ftp|s3|gs)://([^/\s?#]*)")


def network(analysis: Context, node: ast.AST, qual: str, how: str) -> bool:
    """Report a network module the first time it shows; True when qual is one."""
    parts = qual.split(".", 2)
    for module in (parts[0], ".".join(parts[:2])):
        if module in _NETWORK_MODULES:
            if module not in analysis.network_flagged:
                analysis.network_flagged.add(module)
                analysis.add(
                    "network",
                    "medium",
                    node,
                    "The code %s %s, so it can send and receive data over the "
                    "network: data may leave the machine, and the container "
                    "executor runs with the network off." % (how, module),
                )
            return True
    return False


def visit_import(analysis: Analysis, node: ast.Import | ast.ImportFrom) -> None:
    if type(node) is ast.Import:
        names = [alias.name for alias in node.names]
    elif type(node) is not ast.ImportFrom or node.level or not node.module:
        names = []
    else:
        names = [node.module] + [node.module + "." + alias.name for alias in node.names]
    for name in names:
        network(analysis, node, name, "imports")


def check_call(analysis: Analysis, call: Call) -> None:
    name, node, label, func = call.name, call.node, call.label, call.func
    if name and network(analysis, node, name, "calls"):
        notes.io(analysis, node, label)
    else:
        last = call.attr or (type(func) is ast.Name and func.id) or ""
        if last in _URL_READERS or last.startswith("read_"):
            for value in list(call.args) + list(call.keywords.values()):
                match = _URL.match(values.text(analysis, value))
                if match:
                    host = match.group(1).split("@")[-1].replace(UNKNOWN, "\u2026")
                    analysis.add(
                        "network",
                        "medium",
                        node,
                        "%s downloads data from %s: the container executor runs "
                        "with the network off." % (label, host or "the network"),
                    )
                    notes.io(analysis, node, label)
                    break

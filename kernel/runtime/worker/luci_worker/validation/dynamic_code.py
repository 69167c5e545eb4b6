"""Code that arrives as data: the dynamic-code (high) and unsafe-deserialization (medium) rules.

eval / exec / compile / __import__ of something that is not a literal can run anything; so
can loading a pickle (or marshal, dill, joblib, numpy with allow_pickle, yaml without a safe
loader) that someone else made.
"""

from __future__ import annotations

import _ast as ast  # the C module: `ast` itself imports contextlib & co (5 ms)

from . import values
from .context import UNKNOWN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .visitor import Analysis, Call


_DYNAMIC_CODE = {
    "eval": "eval()",
    "exec": "exec()",
    "compile": "compile()",
    "__import__": "__import__()",
}
_DESERIALIZERS = {
    "pickle.load",
    "pickle.loads",
    "pickle.Unpickler",
    "_pickle.load",
    "_pickle.loads",
    "cPickle.load",
    "cPickle.loads",
    "dill.load",
    "dill.loads",
    "cloudpickle.load",
    "cloudpickle.loads",
    "marshal.load",
    "marshal.loads",
    "pandas.read_pickle",
    "shelve.open",
    "joblib.load",
}


# Modules whose functions delete, move, run programs or run code: a function of one picked by
# a name known only at run time (getattr(os, name)) could be any of them.
DANGEROUS_MODULES = frozenset(
    ("os", "posix", "nt", "shutil", "subprocess", "pty", "builtins", "importlib", "ctypes")
)


def source_of(analysis: Analysis, call: Call) -> str | None:
    """The code that exec / eval / compile is given, when it is known in full (a literal, or a
    name bound to one): the visitor reads it as code. None otherwise."""
    name = call.name
    if name.startswith("builtins."):
        name = name[9:]
    if name not in ("exec", "eval", "compile"):
        return None
    source = call.arg(0, "source")
    if source is None:
        return None
    text = values.text(analysis, source)
    if UNKNOWN in text or (type(source) is ast.Constant and not isinstance(source.value, str)):
        return None
    return text


def could_not_tell(analysis: Analysis, call: Call, dangerous: frozenset[str]) -> None:
    """Say so when a call's target cannot be resolved and may be a dangerous function:
    getattr(os, name), importlib.import_module(name), or a name bound to such functions."""
    name, node, args = call.name, call.node, call.args
    if name in values.GETATTR and len(args) >= 2 and values.literal(args[1]) is None:
        module = values.qual(analysis, args[0])
        if module is not None and module.split(".")[0] in DANGEROUS_MODULES:
            analysis.add(
                "dynamic-code",
                "high",
                node,
                "The gate could not tell what getattr(%s, …) calls: a function of %s picked "
                "by a name known only at run time could delete files or run programs."
                % (module, module),
            )
        return
    if name == "importlib.import_module" and args and values.literal(args[0]) is None:
        analysis.add(
            "dynamic-code",
            "high",
            node,
            "The gate could not tell which module importlib.import_module() loads, so not "
            "what the code calls in it.",
        )
        return
    if call.qual is not None:
        return
    root = call.func
    for _ in range(20):  # down to the name it starts from: ops["x"](), tool.fn()()
        if type(root) is ast.Call:
            root = root.func
        elif type(root) is ast.Attribute or type(root) is ast.Subscript:
            root = root.value
        else:
            break
    if type(root) is not ast.Name or root.id in analysis.aliases:
        return
    found = values.refers(analysis, root.id, dangerous)
    if found is not None:
        analysis.add(
            "dynamic-code",
            "high",
            node,
            "The gate could not tell what %s calls: %s is bound to code that uses %s, and "
            "which function runs is known only at run time." % (call.label, root.id, found),
        )


def check_call(analysis: Analysis, call: Call) -> bool:
    """Report the call; True when it is eval & co, which no other rule looks at."""
    name, label, keywords = call.name, call.label, call.keywords
    if name in _DYNAMIC_CODE or (name.startswith("builtins.") and name[9:] in _DYNAMIC_CODE):
        what = _DYNAMIC_CODE[name.split(".")[-1]]
        source = call.arg(0, "source" if what != "__import__()" else "name")
        if source is not None and UNKNOWN in values.text(analysis, source):
            analysis.add(
                "dynamic-code",
                "high",
                call.node,
                "%s runs code that is built at run time, which could do anything." % what,
            )
        return True
    if name in _DESERIALIZERS or (
        name == "numpy.load" and values.truthy(keywords.get("allow_pickle"))
    ):
        data = call.arg(0, None)
        if not (type(data) is ast.Constant and isinstance(data.value, bytes)):
            analysis.add(
                "unsafe-deserialization",
                "medium",
                call.node,
                "%s can run code hidden in the data it loads, if the data came "
                "from someone else." % label,
            )
    elif name == "yaml.load" or name == "yaml.load_all":
        loader = call.arg(1, "Loader")
        loader_name = values.qual(analysis, loader) if loader is not None else None
        if loader_name is None or loader_name.split(".")[-1] not in (
            "SafeLoader",
            "CSafeLoader",
            "BaseLoader",
        ):
            analysis.add(
                "unsafe-deserialization",
                "medium",
                call.node,
                "%s without a safe loader can build any Python object from the data." % label,
            )
    return False

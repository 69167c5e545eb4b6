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

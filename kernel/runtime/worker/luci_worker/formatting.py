"""Turn any Python object into a Jupyter MIME bundle: (data, metadata).

Order, as IPython: `_repr_mimebundle_(include, exclude)` first, then the `_repr_*_` methods
for the types it did not give, then `text/plain` (always present unless filtered by include /
exclude). A repr method that raises is skipped with a one-line warning on stderr: a broken
`_repr_html_` must not fail the cell.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from ._typing import Bundle, BundleAndMetadata, Metadata, MimeFilter, TypeFormatter

REPR_METHODS = (
    ("text/html", "_repr_html_"),
    ("text/markdown", "_repr_markdown_"),
    ("image/svg+xml", "_repr_svg_"),
    ("image/png", "_repr_png_"),
    ("image/jpeg", "_repr_jpeg_"),
    ("text/latex", "_repr_latex_"),
    ("application/json", "_repr_json_"),
    ("application/javascript", "_repr_javascript_"),
    ("application/pdf", "_repr_pdf_"),
)

# Formatters for types that have no repr methods of their own (matplotlib's Figure):
# (module name, class name, fn(obj) -> (data, metadata) or None). Looked up only when the
# module is already imported, so registering one imports nothing.
TYPE_FORMATTERS: list[tuple[str, str, TypeFormatter]] = []

_BUILTIN_CONTAINERS = (list, tuple, dict, set, frozenset)
_PRETTY_MAX_ITEMS = 1000


def warn(message: str) -> None:
    try:
        sys.stderr.write("Luci: %s\n" % message)
    except Exception:
        pass


def _describe(exc: BaseException) -> str:
    return "%s: %s" % (type(exc).__name__, exc)


def _method(obj: object, name: str) -> Callable[..., Any] | None:
    """A callable repr method of an instance, or None (classes and proxies say nothing)."""
    if isinstance(obj, type):
        return None
    try:
        meth = getattr(obj, name, None)
    except Exception:
        return None
    return meth if callable(meth) else None


def _is_catch_all(obj: object) -> bool:
    """Objects whose __getattr__ answers every name (mocks) must not look rich."""
    try:
        return getattr(obj, "_ipython_canary_method_should_not_exist_", None) is not None
    except Exception:
        return True


def _b64(data: bytes | bytearray | memoryview) -> str:
    import binascii

    return binascii.b2a_base64(bytes(data), newline=False).decode("ascii")


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or mime.endswith("+json")


def _is_text_mime(mime: str) -> bool:
    return (
        mime.startswith("text/")
        or mime.endswith("+xml")
        or mime in ("application/javascript", "image/svg+xml")
    )


def normalize(mime: str, value: object) -> Any:
    """A value as it can travel in a bundle (bytes -> base64 or text), or None if unusable."""
    if value is None:
        return None
    if _is_json_mime(mime):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        if _is_text_mime(mime):
            return bytes(value).decode("utf-8", "replace")
        return _b64(value)
    if isinstance(value, str):
        return value
    warn(
        "a %s representation must be text or bytes, not %s; skipped" % (mime, type(value).__name__)
    )
    return None


def _store(data: Bundle, metadata: Metadata, mime: str, result: object) -> None:
    """Put a repr method's result (data or (data, metadata)) into the bundle."""
    md = None
    if isinstance(result, tuple) and len(result) == 2:
        result, md = result
    value = normalize(mime, result)
    if value is None:
        return
    data[mime] = value
    if md:
        metadata[mime] = md


def _mimebundle(
    obj: object, include: MimeFilter, exclude: MimeFilter, data: Bundle, metadata: Metadata
) -> None:
    meth = _method(obj, "_repr_mimebundle_")
    if meth is None:
        return
    try:
        result = meth(include=include, exclude=exclude)
    except Exception as exc:
        warn("%s._repr_mimebundle_() raised %s; skipped" % (type(obj).__name__, _describe(exc)))
        return
    md: object = {}
    if isinstance(result, tuple) and len(result) == 2:
        result, md = result
    if not isinstance(result, dict):
        return
    for mime, value in result.items():
        value = normalize(str(mime), value)
        if value is not None:
            data[str(mime)] = value
    if isinstance(md, dict):
        metadata.update(md)


def _type_formatter(obj: object) -> TypeFormatter | None:
    for module_name, class_name, fn in TYPE_FORMATTERS:
        module = sys.modules.get(module_name)
        cls = getattr(module, class_name, None) if module is not None else None
        if isinstance(cls, type) and isinstance(obj, cls):
            return fn
    return None


def plain_text(obj: Any) -> str:
    """text/plain: _repr_pretty_, else pprint for builtin containers, else repr()."""
    if _method(obj, "_repr_pretty_") is not None and not _is_catch_all(obj):
        try:
            from .pretty import pretty

            return pretty(obj)
        except Exception as exc:
            warn("%s._repr_pretty_() raised %s" % (type(obj).__name__, _describe(exc)))
    try:
        if type(obj) in _BUILTIN_CONTAINERS and len(obj) <= _PRETTY_MAX_ITEMS:
            text = repr(obj)
            if len(text) > 79:
                import pprint

                text = pprint.pformat(obj, sort_dicts=False)
            return text
        return repr(obj)
    except Exception as exc:
        warn("repr() of a %s object raised %s" % (type(obj).__name__, _describe(exc)))
        return object.__repr__(obj)


def format_object(
    obj: object, include: MimeFilter = None, exclude: MimeFilter = None
) -> BundleAndMetadata:
    """The (data, metadata) bundle for obj, honouring include / exclude lists of MIME types."""
    data: Bundle = {}
    metadata: Metadata = {}
    rich = not _is_catch_all(obj)
    if rich:
        _mimebundle(obj, include, exclude, data, metadata)
        fn = _type_formatter(obj)
        if fn is not None:
            extra: BundleAndMetadata | None
            try:
                extra = fn(obj)
            except Exception as exc:
                warn("formatting a %s raised %s" % (type(obj).__name__, _describe(exc)))
                extra = None
            if extra:
                for mime, value in extra[0].items():
                    data.setdefault(mime, value)
                metadata.update(extra[1] or {})
        for mime, name in REPR_METHODS:
            if mime in data or (include and mime not in include) or (exclude and mime in exclude):
                continue
            meth = _method(obj, name)
            if meth is None:
                continue
            try:
                result = meth()
            except Exception as exc:
                warn(
                    "%s.%s() raised %s; skipped %s"
                    % (type(obj).__name__, name, _describe(exc), mime)
                )
                continue
            _store(data, metadata, mime, result)
    wants_plain = (not include or "text/plain" in include) and not (
        exclude and "text/plain" in exclude
    )
    if "text/plain" not in data and wants_plain:
        data["text/plain"] = plain_text(obj)
    if include:
        data = {k: v for k, v in data.items() if k in include}
    if exclude:
        data = {k: v for k, v in data.items() if k not in exclude}
    return data, metadata

"""IPython.display for Luci's worker when IPython is not installed.

Same names, arguments and rich representations as IPython's for the common cases; display()
and friends are the worker's own (luci_worker.displays), so output reaches the notebook.
"""

import base64
import html
import json
import mimetypes
import os
import struct
from pathlib import PurePath

from luci_worker.displays import (  # noqa: F401
    DisplayHandle,
    clear_output,
    display,
    publish_display_data,
    update_display,
)

__all__ = [
    "display",
    "clear_output",
    "update_display",
    "publish_display_data",
    "DisplayHandle",
    "display_pretty",
    "display_html",
    "display_markdown",
    "display_svg",
    "display_png",
    "display_jpeg",
    "display_latex",
    "display_json",
    "display_javascript",
    "display_pdf",
    "DisplayObject",
    "TextDisplayObject",
    "Pretty",
    "HTML",
    "Markdown",
    "Math",
    "Latex",
    "SVG",
    "JSON",
    "Javascript",
    "Image",
    "Audio",
    "Video",
    "Code",
    "IFrame",
    "YouTubeVideo",
    "FileLink",
    "set_matplotlib_formats",
]


# ----------------------------------------------------------------------------- display_*


def _display_mimetype(mimetype, objs, raw=False, metadata=None):
    """Show objs as exactly this MIME type; raw=True: objs are that type's data already."""
    if metadata:
        metadata = {mimetype: metadata}
    if raw:
        objs = [{mimetype: obj} for obj in objs]
    display(*objs, raw=raw, metadata=metadata, include=[mimetype])


def display_pretty(*objs, **kwargs):
    _display_mimetype("text/plain", objs, **kwargs)


def display_html(*objs, **kwargs):
    _display_mimetype("text/html", objs, **kwargs)


def display_markdown(*objs, **kwargs):
    _display_mimetype("text/markdown", objs, **kwargs)


def display_svg(*objs, **kwargs):
    _display_mimetype("image/svg+xml", objs, **kwargs)


def display_png(*objs, **kwargs):
    _display_mimetype("image/png", objs, **kwargs)


def display_jpeg(*objs, **kwargs):
    _display_mimetype("image/jpeg", objs, **kwargs)


def display_latex(*objs, **kwargs):
    _display_mimetype("text/latex", objs, **kwargs)


def display_json(*objs, **kwargs):
    _display_mimetype("application/json", objs, **kwargs)


def display_javascript(*objs, **kwargs):
    _display_mimetype("application/javascript", objs, **kwargs)


def display_pdf(*objs, **kwargs):
    _display_mimetype("application/pdf", objs, **kwargs)


# ----------------------------------------------------------------------------- objects


def _safe_exists(path):
    try:
        return os.path.exists(path)
    except (ValueError, TypeError, OSError):
        return False


def _fetch(url):
    import urllib.request

    with urllib.request.urlopen(url) as response:
        return response.read(), response.headers.get_content_charset() or "utf-8"


class DisplayObject:
    """Base of the displayable objects: data given directly, read from a file or a URL."""

    _read_flags = "r"

    def __init__(self, data=None, url=None, filename=None, metadata=None):
        if isinstance(data, PurePath):
            data = str(data)
        if isinstance(data, str):
            if data.startswith("http") and url is None:
                url, filename, data = data, None, None
            elif filename is None and len(data) < 4096 and _safe_exists(data):
                url, filename, data = None, data, None
        self.url = url
        self.filename = None if filename is None else str(filename)
        self.metadata = {} if metadata is None else dict(metadata)
        self.data = data
        self.reload()
        self._check_data()

    def __repr__(self):
        return "<IPython.core.display.%s object>" % self.__class__.__name__

    def _check_data(self):
        pass

    def _data_and_metadata(self):
        return (self.data, dict(self.metadata)) if self.metadata else self.data

    def reload(self):
        """Read the data again from the file or URL it came from."""
        if self.filename is not None:
            if "b" in self._read_flags:
                with open(self.filename, "rb") as handle:
                    self.data = handle.read()
            else:
                with open(self.filename, encoding="utf-8") as handle:
                    self.data = handle.read()
        elif self.url is not None:
            body, charset = _fetch(self.url)
            self.data = body if "b" in self._read_flags else body.decode(charset, "replace")


class TextDisplayObject(DisplayObject):
    def _check_data(self):
        if self.data is not None and not isinstance(self.data, str):
            raise TypeError("%s expects text, not %r" % (self.__class__.__name__, self.data))


class Pretty(TextDisplayObject):
    def _repr_pretty_(self, pp, cycle):
        pp.text(self.data)


class HTML(TextDisplayObject):
    def _repr_html_(self):
        return self._data_and_metadata()

    def __html__(self):
        return self.data


class Markdown(TextDisplayObject):
    def _repr_markdown_(self):
        return self._data_and_metadata()


class Latex(TextDisplayObject):
    def _repr_latex_(self):
        return self._data_and_metadata()


class Math(TextDisplayObject):
    def _repr_latex_(self):
        text = r"$\displaystyle %s$" % (self.data or "").strip("$")
        return (text, dict(self.metadata)) if self.metadata else text


class SVG(DisplayObject):
    _read_flags = "rb"

    def _check_data(self):
        data = self.data
        if isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        if isinstance(data, str):
            start, end = data.find("<svg"), data.rfind("</svg>")
            if start >= 0 and end > start:
                data = data[start : end + len("</svg>")]
        self.data = data

    def _repr_svg_(self):
        return self._data_and_metadata()


class JSON(DisplayObject):
    """JSON data shown as a collapsible tree by the front end."""

    def __init__(
        self,
        data=None,
        url=None,
        filename=None,
        expanded=False,
        metadata=None,
        root="root",
        **kwargs,
    ):
        metadata = dict(metadata or {})
        metadata.update({"expanded": expanded, "root": root}, **kwargs)
        super().__init__(data=data, url=url, filename=filename, metadata=metadata)

    def _check_data(self):
        if isinstance(self.data, str):
            self.data = json.loads(self.data)

    def _repr_json_(self):
        return self.data, dict(self.metadata)


class Javascript(TextDisplayObject):
    def __init__(self, data=None, url=None, filename=None, lib=None, css=None):
        self.lib = [lib] if isinstance(lib, str) else list(lib or [])
        self.css = [css] if isinstance(css, str) else list(css or [])
        super().__init__(data=data, url=url, filename=filename)

    def _repr_javascript_(self):
        code = ""
        for href in self.css:
            code += (
                'var link = document.createElement("link"); link.rel = "stylesheet"; '
                'link.type = "text/css"; link.href = %s; '
                "document.head.appendChild(link);\n" % json.dumps(href)
            )
        body = self.data or ""
        for src in reversed(self.lib):  # load the libraries in order, then run the code
            body = (
                'var script = document.createElement("script"); script.src = %s; '
                "script.onload = function () {\n%s\n}; "
                "document.head.appendChild(script);" % (json.dumps(src), body)
            )
        return code + body


_IMAGE_FORMATS = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "gif": "gif", "webp": "webp"}
_IMAGE_MIMETYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}


def _sniff_image(data):
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:2] == b"\xff\xd8":
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _png_size(data):
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


class Image(DisplayObject):
    """An image from bytes, a file or a URL (embedded as base64, or linked for a URL)."""

    _read_flags = "rb"

    def __init__(
        self,
        data=None,
        url=None,
        filename=None,
        format=None,
        embed=None,
        width=None,
        height=None,
        retina=False,
        unconfined=False,
        metadata=None,
        alt=None,
    ):
        if isinstance(data, PurePath):
            data = str(data)
        if filename is None and url is None and data is None:
            raise ValueError("No image data found. Expecting filename, url, or data.")
        if isinstance(data, str) and url is None and filename is None:
            if data.startswith("http"):
                url, data = data, None
            elif _safe_exists(data):
                filename, data = data, None
        source = filename or url
        if format is None and source:
            extension = os.path.splitext(str(source).split("?")[0])[1].lstrip(".").lower()
            format = _IMAGE_FORMATS.get(extension)
        if isinstance(data, str):
            try:
                data = base64.b64decode(data, validate=True)
            except ValueError:
                raise ValueError("Image data given as text must be base64-encoded") from None
        if isinstance(data, (bytes, bytearray)) and format is None:
            format = _sniff_image(bytes(data))
        # As IPython: an undetectable format is taken to be PNG.
        format = _IMAGE_FORMATS.get(str(format).lower(), format) if format else "png"
        self.embed = embed if embed is not None else url is None
        if self.embed and format not in _IMAGE_MIMETYPES:
            raise ValueError("Cannot embed the '%s' image format" % format)
        self.format = format
        self.width, self.height = width, height
        self.retina, self.unconfined, self.alt = retina, unconfined, alt
        super().__init__(data=data, url=url, filename=filename, metadata=metadata)
        if retina and self.format == "png" and self.data:
            size = _png_size(self.data)
            if size:
                self.width, self.height = size[0] // 2, size[1] // 2

    def reload(self):
        if self.embed:
            super().reload()

    @property
    def _mimetype(self):
        return _IMAGE_MIMETYPES.get(self.format, "image/png")

    def _metadata(self):
        md = dict(self.metadata)
        if self.width:
            md["width"] = self.width
        if self.height:
            md["height"] = self.height
        if self.unconfined:
            md["unconfined"] = self.unconfined
        if self.alt:
            md["alt"] = self.alt
        return md

    def _repr_html_(self):
        if self.embed:
            return None
        attrs = ""
        if self.width:
            attrs += ' width="%s"' % self.width
        if self.height:
            attrs += ' height="%s"' % self.height
        if self.unconfined:
            attrs += ' class="unconfined"'
        if self.alt:
            attrs += ' alt="%s"' % html.escape(str(self.alt))
        return '<img src="%s"%s/>' % (html.escape(self.url or "", quote=True), attrs)

    def _repr_mimebundle_(self, include=None, exclude=None):
        if not self.embed:
            return {"text/html": self._repr_html_()}
        md = self._metadata()
        data = {self._mimetype: base64.b64encode(bytes(self.data or b"")).decode("ascii")}
        return data, ({self._mimetype: md} if md else {})

    def _repr_png_(self):
        if self.embed and self.format == "png":
            md = self._metadata()
            return (self.data, md) if md else self.data
        return None

    def _repr_jpeg_(self):
        if self.embed and self.format == "jpeg":
            md = self._metadata()
            return (self.data, md) if md else self.data
        return None


class Video(DisplayObject):
    """A video player: a URL, a file (linked, or embedded with embed=True) or bytes."""

    _read_flags = "rb"

    def __init__(
        self,
        data=None,
        url=None,
        filename=None,
        embed=False,
        mimetype=None,
        width=None,
        height=None,
        html_attributes="controls",
    ):
        if isinstance(data, str) and url is None and filename is None:
            if data.startswith(("http", "data:")):
                url, data = data, None
            elif _safe_exists(data):
                filename, data = data, None
        if data is not None and not embed:
            raise ValueError("To embed video bytes, pass embed=True")
        self.embed, self.mimetype = embed, mimetype
        self.width, self.height, self.html_attributes = width, height, html_attributes
        super().__init__(data=data, url=url, filename=filename)

    def reload(self):
        if self.embed:
            super().reload()

    def _repr_html_(self):
        size = (' width="%s"' % self.width if self.width else "") + (
            ' height="%s"' % self.height if self.height else ""
        )
        if not self.embed:
            src = self.url or self.filename
            return (
                '<video src="%s" %s%s>Your browser does not support the video element.'
                "</video>" % (html.escape(src or "", quote=True), self.html_attributes, size)
            )
        mimetype = self.mimetype or mimetypes.guess_type(self.filename or "")[0] or "video/mp4"
        encoded = base64.b64encode(bytes(self.data or b"")).decode("ascii")
        return (
            '<video %s%s><source src="data:%s;base64,%s" type="%s">Your browser does not '
            "support the video tag.</video>"
            % (self.html_attributes, size, mimetype, encoded, mimetype)
        )


def set_matplotlib_formats(*formats, **kwargs):
    """Figure formats for inline matplotlib: 'png', 'retina', 'svg', 'jpeg'."""
    from luci_worker import mpl_support

    mpl_support.figure_formats[:] = [str(f) for f in formats] or ["png"]


# At the end: IPython.lib.display builds on the classes above, as in IPython.
from IPython.lib.display import Audio, Code, FileLink, IFrame, YouTubeVideo  # noqa: E402,F401

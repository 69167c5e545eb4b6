"""IPython.lib.display for Luci's worker: Audio, Code, IFrame, YouTubeVideo, FileLink."""

import base64
import html
import mimetypes
import os

from IPython.display import DisplayObject, TextDisplayObject

__all__ = ["Audio", "Code", "IFrame", "YouTubeVideo", "FileLink"]


def _wav_bytes(samples, rate, normalize=True):
    """16-bit PCM WAV from a sequence of floats (or a list of channels)."""
    import array
    import io
    import wave

    if hasattr(samples, "tolist"):
        samples = samples.tolist()
    samples = list(samples)
    channels = (
        [list(ch) for ch in samples]
        if samples and isinstance(samples[0], (list, tuple))
        else [samples]
    )
    peak = max((abs(float(v)) for ch in channels for v in ch), default=0.0)
    scale = 32767 / peak if (normalize and peak) else 32767
    frames = array.array(
        "h",
        (
            int(max(-32768, min(32767, float(ch[i]) * scale)))
            for i in range(len(channels[0]))
            for ch in channels
        ),
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(2)
        out.setframerate(int(rate))
        out.writeframes(frames.tobytes())
    return buffer.getvalue()


class Audio(DisplayObject):
    """An audio player: from samples (+ rate), bytes of a sound file, a file or a URL."""

    _read_flags = "rb"

    def __init__(
        self,
        data=None,
        filename=None,
        url=None,
        embed=None,
        rate=None,
        autoplay=False,
        normalize=True,
        *,
        element_id=None,
    ):
        if filename is None and url is None and data is None:
            raise ValueError("No audio data found. Expecting filename, url, or data.")
        self.embed = embed if embed is not None else url is None
        self.autoplay, self.element_id = autoplay, element_id
        super().__init__(data=data, url=url, filename=filename)
        if self.data is not None and not isinstance(self.data, (bytes, bytearray)):
            if rate is None:
                raise ValueError("rate must be given when data is an array of samples")
            self.data = _wav_bytes(self.data, rate, normalize)
        self.mimetype = "audio/wav"
        source = self.filename or self.url
        if source:
            self.mimetype = mimetypes.guess_type(str(source))[0] or "audio/wav"

    def reload(self):
        if self.embed:
            super().reload()

    def _repr_html_(self):
        if self.embed and self.data is not None:
            src = "data:%s;base64,%s" % (
                self.mimetype,
                base64.b64encode(bytes(self.data)).decode("ascii"),
            )
        else:
            src = self.url or self.filename or ""
        return (
            '<audio %scontrols="controls"%s><source src="%s" type="%s" />'
            "Your browser does not support the audio element.</audio>"
            % (
                'id="%s" ' % self.element_id if self.element_id else "",
                ' autoplay="autoplay"' if self.autoplay else "",
                html.escape(src, quote=True),
                self.mimetype,
            )
        )


class Code(TextDisplayObject):
    """Source code, shown in a <pre> block (IPython highlights it with pygments)."""

    def __init__(self, data=None, url=None, filename=None, language=None):
        self.language = language
        super().__init__(data=data, url=url, filename=filename)

    def _repr_html_(self):
        language = ' class="language-%s"' % html.escape(self.language) if self.language else ""
        return "<pre><code%s>%s</code></pre>" % (language, html.escape(self.data or ""))

    def _repr_markdown_(self):
        return "```%s\n%s\n```" % (self.language or "", self.data or "")

    def __repr__(self):
        return self.data or ""


class IFrame:
    """Another web page in an <iframe>."""

    iframe = (
        '<iframe\n    width="{width}"\n    height="{height}"\n    src="{src}{params}"\n'
        '    frameborder="0"\n    allowfullscreen\n    {extras}\n></iframe>'
    )

    def __init__(self, src, width, height, extras=None, **kwargs):
        self.src, self.width, self.height = src, width, height
        self.extras = list(extras or [])
        self.params = kwargs

    def _repr_html_(self):
        from urllib.parse import urlencode

        params = "?" + urlencode(self.params) if self.params else ""
        return self.iframe.format(
            src=html.escape(self.src, quote=True),
            width=self.width,
            height=self.height,
            params=params,
            extras=" ".join(self.extras),
        )

    def __repr__(self):
        return "<IPython.lib.display.IFrame at %#x>" % id(self)


class YouTubeVideo(IFrame):
    def __init__(self, id, width=400, height=300, allow_autoplay=False, **kwargs):
        self.id = id
        extras = ['allow="autoplay"'] if allow_autoplay else []
        super().__init__("https://www.youtube.com/embed/%s" % id, width, height, extras, **kwargs)


class FileLink:
    """A link to a local file, relative to the notebook's folder."""

    def __init__(self, path, url_prefix="", result_html_prefix="", result_html_suffix="<br>"):
        if os.path.isdir(path):
            raise ValueError(
                "Cannot display a directory using FileLink. Use FileLinks to display '%s'." % path
            )
        self.path = os.fsdecode(path) if isinstance(path, bytes) else str(path)
        self.url_prefix = url_prefix
        self.result_html_prefix = result_html_prefix
        self.result_html_suffix = result_html_suffix

    def _repr_html_(self):
        if not os.path.exists(self.path):
            return (
                "Path (<tt>%s</tt>) doesn't exist. It may still be in the process of being "
                "generated, or you may have the incorrect path." % html.escape(self.path)
            )
        return "%s<a href='%s' target='_blank'>%s</a>%s" % (
            self.result_html_prefix,
            html.escape(self.url_prefix + self.path, quote=True),
            html.escape(self.path),
            self.result_html_suffix,
        )

    def __repr__(self):
        return os.path.abspath(self.path)

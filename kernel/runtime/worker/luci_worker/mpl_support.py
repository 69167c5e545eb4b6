"""matplotlib in notebooks: inline figures, as matplotlib_inline does for ipykernel.

Nothing here imports matplotlib: this module is loaded by the post-import hook once the user
imports matplotlib. Then
- the backend becomes `module://luci_worker.mpl_inline` (unless MPLBACKEND is set), and
  interactive mode is on, as in IPython;
- a Figure displayed or returned as a cell's value renders as image/png (plus text/plain,
  `<Figure size 640x480 with 1 Axes>`);
- at the end of each cell, open pyplot figures not displayed yet are displayed, and all are
  closed (matplotlib_inline's flush_figures with close_figures=True).
"""

from __future__ import annotations

import os
import sys

from . import displays, formatting, hooks

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

    from ._typing import BundleAndMetadata

    # matplotlib is not read by the type checker (pyproject.toml): a Figure is Any here.
    Figure = Any

BACKEND = "module://luci_worker.mpl_inline"

# %config InlineBackend.figure_format(s): png, retina, jpeg, svg (pdf is left to savefig).
figure_formats = ["png"]
_shown_this_cell: set[int] = set()


def on_matplotlib_imported(matplotlib: ModuleType) -> None:
    formatting.TYPE_FORMATTERS.append(("matplotlib.figure", "Figure", figure_bundle))
    hooks.on_display(_note_displayed)
    if os.environ.get("MPLBACKEND"):
        return  # the user chose a backend explicitly
    matplotlib.use(BACKEND)
    matplotlib.interactive(True)


def _note_displayed(obj: object) -> None:
    module = sys.modules.get("matplotlib.figure")
    figure_class = getattr(module, "Figure", None)
    if isinstance(figure_class, type) and isinstance(obj, figure_class):
        _shown_this_cell.add(id(obj))


def _has_content(fig: Figure) -> bool:
    return bool(
        getattr(fig, "axes", None)
        or getattr(fig, "lines", None)
        or getattr(fig, "images", None)
        or getattr(fig, "texts", None)
        or getattr(fig, "patches", None)
    )


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def _render(fig: Figure, fmt: str, **kwargs: Any) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.canvas.print_figure(
        buffer,
        format=fmt,
        bbox_inches="tight",
        facecolor=fig.get_facecolor(),
        edgecolor=fig.get_edgecolor(),
        **kwargs,
    )
    return buffer.getvalue()


def figure_bundle(fig: Figure) -> BundleAndMetadata | None:
    """Extra MIME data for a Figure; an empty figure only has its text/plain (as IPython)."""
    if not _has_content(fig):
        return None
    data: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    for fmt in figure_formats:
        if fmt == "svg":
            data["image/svg+xml"] = _render(fig, "svg").decode("utf-8")
        elif fmt in ("jpeg", "jpg"):
            data["image/jpeg"] = formatting.normalize("image/jpeg", _render(fig, "jpeg"))
        elif fmt == "retina":
            png = _render(fig, "png", dpi=fig.dpi * 2)
            size = _png_size(png)
            data["image/png"] = formatting.normalize("image/png", png)
            if size:
                metadata["image/png"] = {"width": size[0] // 2, "height": size[1] // 2}
        else:
            data["image/png"] = formatting.normalize("image/png", _render(fig, "png"))
    return data, metadata


def using_our_backend() -> bool:
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is None or "matplotlib.pyplot" not in sys.modules:
        return False
    try:
        return str(matplotlib.get_backend()) == BACKEND
    except Exception:
        return False


def open_figures() -> list[Figure]:
    helpers = sys.modules.get("matplotlib._pylab_helpers")
    if helpers is None:
        return []
    return [manager.canvas.figure for manager in helpers.Gcf.get_all_fig_managers()]


def show_all() -> None:
    """plt.show(): display every open figure, then close them all."""
    try:
        for fig in open_figures():
            displays.display(fig)
    finally:
        sys.modules["matplotlib.pyplot"].close("all")


def cell_started() -> None:
    _shown_this_cell.clear()


def flush_figures() -> None:
    """End of a cell: display the figures not shown during it, then close all figures."""
    if not using_our_backend():
        return
    try:
        for fig in open_figures():
            if id(fig) not in _shown_this_cell:
                displays.display(fig)
    finally:
        _shown_this_cell.clear()
        sys.modules["matplotlib.pyplot"].close("all")


def _flush_figures_after_cell() -> None:
    """Show the figures the cell left open (even after an error, as IPython does)."""
    try:
        flush_figures()
    except Exception as exc:
        formatting.warn("showing the figures failed: %s: %s" % (type(exc).__name__, exc))


# Loaded once matplotlib is imported (or by %matplotlib / %config): from then on every cell
# starts with no figure shown and ends by showing the open ones.
hooks.on_cell("cell_started", cell_started)
hooks.on_cell("output_done", _flush_figures_after_cell)


def magic(arg: str) -> None:
    """%matplotlib [inline]: inline is what Luci does; other GUIs cannot show in a notebook."""
    words = arg.split()
    name = words[0] if words else "inline"
    if name not in ("inline", "agg"):
        print(
            "Luci shows matplotlib figures inline only; %%matplotlib %s is treated as "
            "inline." % name
        )
    if "matplotlib" not in sys.modules:
        return None  # the hook selects the backend when matplotlib gets imported
    matplotlib = sys.modules["matplotlib"]
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].switch_backend(BACKEND)
    else:
        matplotlib.use(BACKEND)
    matplotlib.interactive(True)
    return None


def config_magic(arg: str) -> None:
    """%config InlineBackend.figure_format = 'retina' (the one %config notebooks use)."""
    import re

    match = re.match(r"InlineBackend\.figure_formats?\s*=\s*(.+)$", arg)
    if not match:
        print("Luci: %%config %s is not supported; ignored." % arg, file=sys.stderr)
        return None
    value = match.group(1).strip()
    formats = re.findall(r"[A-Za-z]+", value)
    allowed = {"png", "retina", "svg", "jpeg", "jpg"}
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        from .errors import UsageError

        raise UsageError("figure formats must be among png, retina, svg, jpeg; got %s" % value)
    figure_formats[:] = formats
    return None

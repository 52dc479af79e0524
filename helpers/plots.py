"""One look for every figure in the book.

``figure`` opens a pyplot figure for a notebook cell; ``canvas`` opens a figure that is
never shown, for rendering explorer frames to PNG; ``finish`` labels an axis and
refuses to leave a figure without a title or axis labels. ``show_at_figure_size``,
called once at the top of a chapter, shows its figures as they were laid out, each
drawn once.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler

from ._checks import (
    ArgumentTypeError,
    as_bool,
    as_finite_array,
    as_instance,
    as_positive,
    as_positive_int,
)

if TYPE_CHECKING:
    from IPython.display import Markdown

#: Colour-blind-safe palette (Okabe and Ito), in the order lines are drawn.
COLORS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermilion
    "#009E73",  # green
    "#CC79A7",  # purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)

#: Dots per inch for figures in the book: sharp enough to read, small enough to load.
DPI = 100
WIDTH = 7.0  # inches, the text width of a chapter page
HEIGHT = 3.6

_STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=list(COLORS)),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "image.cmap": "viridis",
    "svg.hashsalt": "nnfb",  # identical SVG ids from build to build
}


def _inches(value: object, name: str) -> float:
    """A figure size in inches: from 1 (the room the axis labels need) to 1000."""
    inches = as_positive(value, name)
    if not 1 <= inches <= 1000:
        raise ValueError(f"{name} must be from 1 to 1000 inches, got {inches:g}")
    return inches


def style() -> AbstractContextManager[None]:
    """The book's rc settings, as a context manager."""
    return matplotlib.rc_context(_STYLE)


def figure(
    nrows: int = 1,
    ncols: int = 1,
    width: float = WIDTH,
    height: float = HEIGHT,
    **subplot_kw: Any,
) -> tuple[Figure, Axes | Sequence[Axes]]:
    """A pyplot figure with the book's look; returns (fig, ax) or (fig, axes).

    nrows, ncols: positive ints; width, height: inches, positive.
    """
    nrows, ncols = as_positive_int(nrows, "nrows"), as_positive_int(ncols, "ncols")
    width, height = _inches(width, "width"), _inches(height, "height")
    # The inline backend switches interactive mode on when it first loads, which can
    # happen inside the rc_context below; leaving the context would then switch it
    # off again and later figures would no longer be shown. Keep whatever mode the
    # block ends in.
    with style():
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(width, height), layout="constrained", **subplot_kw
        )
        interactive = matplotlib.is_interactive()
    matplotlib.interactive(interactive)
    return fig, axes


def show_at_figure_size() -> None:
    """Show this notebook's figures at the size they were made, each drawn once.

    By default, three things make IPython's inline backend draw a figure up to three
    times before it appears, and this switches all three off for the current kernel:

    - it crops every figure to the extent of what is drawn (``bbox_inches="tight"``),
      and finding that extent takes a full draw. The book's figures lay themselves out
      (:func:`figure` uses constrained layout, which keeps titles, labels and legends
      inside the figure), so the crop only costs time;
    - after each cell, pyplot redraws every figure changed since its last draw (its
      ``post_execute`` hook), and then the backend draws the same figures again to
      show them. The backend closes them once shown, so the first draw is never seen;
    - matplotlib's ``print_figure`` lays out a constrained-layout figure in a draw of
      its own before the draw that renders it. :func:`figure_png`, which IPython then
      uses for figures, lays out and renders in the same draw, and gives the same
      bytes.

    Outside IPython's inline backend it does nothing.
    """
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
        from matplotlib_inline.config import InlineBackend
    except ImportError:  # no IPython, or no inline backend: nothing is cropped
        return
    shell = get_ipython()
    if shell is None:
        return
    config = InlineBackend.instance(parent=shell)
    # Changed in place: the backend reads it when it starts. (Assigning the trait
    # instead runs a handler that traitlets reports as deprecated.)
    # traitlets types the dict by its default, {"bbox_inches": "tight"}; None is valid.
    config.print_figure_kwargs["bbox_inches"] = None  # type: ignore[assignment]
    if config.shell is None:  # the backend starts later, and sets the formatters then
        return
    select_figure_formats(shell, config.figure_formats, **config.print_figure_kwargs)
    if "png" in config.figure_formats:
        shell.display_formatter.formatters["image/png"].for_type(Figure, _inline_png)
    redraw = getattr(plt, "_draw_all_if_interactive", None)  # matplotlib >= 3.5
    if redraw in shell.events.callbacks["post_execute"]:
        shell.events.unregister("post_execute", redraw)


def _inline_png(fig: Figure) -> str | None:
    """IPython's image/png of a figure (base64), from :func:`figure_png`; as IPython's
    own formatter, None for a figure with nothing on it."""
    if not (fig.axes or fig.lines):
        return None
    return base64.b64encode(figure_png(fig)).decode("ascii")


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, at its own size and dpi, laid out and drawn in one pass.

    These are the bytes ``fig.savefig(f, format="png", dpi=fig.dpi)`` writes, with one
    draw fewer for a figure with a layout engine: savefig lays such a figure out in a
    draw of its own, then draws it again with the layout engine off. It stands in for
    savefig in IPython's display, so unlike :func:`to_png` it draws under the caller's
    rc settings and keeps matplotlib's metadata.
    """
    if not isinstance(fig, Figure):
        raise ArgumentTypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    from matplotlib.image import imsave

    if not isinstance(fig.canvas, FigureCanvasAgg):  # not a raster canvas: save it
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=fig.dpi)
        return buf.getvalue()
    fig.canvas.draw()  # runs the layout engine, then draws
    buf = io.BytesIO()
    imsave(buf, np.asarray(fig.canvas.buffer_rgba()), format="png", origin="upper", dpi=fig.dpi)
    return buf.getvalue()


def canvas(width: float = WIDTH, height: float = HEIGHT, dpi: int = 80) -> Figure:
    """A figure that pyplot never sees (no display, no leak): for rendering to PNG.

    width, height: inches, positive; dpi: a positive int.
    Its margins are fixed rather than computed by a layout engine: an explorer redraws
    it on every slider move, and constrained layout would double the cost of a frame.
    """
    width, height = _inches(width, "width"), _inches(height, "height")
    dpi = as_positive_int(dpi, "dpi")
    # Margins in inches, turned into fractions, so any size leaves room for labels.
    margins = {
        "left": 0.65 / width,
        "right": 1 - 0.15 / width,
        "bottom": 0.62 / height,
        "top": 1 - 0.35 / height,
        "wspace": 0.35,
        "hspace": 0.45,
    }
    with style():
        fig = Figure(figsize=(width, height), dpi=dpi)
    # A raster canvas of its own: savefig at the figure's dpi then draws on it, with the
    # same renderer every time, where a bare figure gets a new canvas on every save.
    FigureCanvasAgg(fig)
    fig.subplots_adjust(**margins)
    fig.__dict__["_nnfb_margins"] = margins  # Figure.clear() resets margins to rcParams
    return fig


def finish(
    ax: Axes,
    title: str,
    xlabel: str,
    ylabel: str,
    legend: bool | None = None,
) -> None:
    """Title and label one axis, and add a legend when it holds several labelled lines.

    Returns None, so a cell may end with this call and print nothing (a cell ending
    in ``;`` would also silence the inline expressions of the prose that follows it
    in myst-nb's inline execution).
    """
    ax = as_instance(ax, "ax", Axes, "a matplotlib Axes")
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{name} must be a non-empty string; every figure is labelled")
    if legend is not None:
        legend = as_bool(legend, "legend")
    with style():
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        labelled = [h for h in ax.get_legend_handles_labels()[1] if not h.startswith("_")]
        if legend or (legend is None and len(labelled) > 1):
            ax.legend(frameon=False)


def diagram_axes(ax: Axes) -> None:
    """Clear an axis of ticks, grid and spines, for a diagram drawn in data units. Its
    title and axis labels stay, and ``finish`` still sets them."""
    ax = as_instance(ax, "ax", Axes, "a matplotlib Axes")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def suptitle(fig: Figure, title: str) -> None:
    """Title a figure of several axes, in the book's style."""
    fig = as_instance(fig, "fig", Figure, "a matplotlib Figure")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("title must be a non-empty string; every figure is labelled")
    with style():
        fig.suptitle(title)


def to_png(fig: Figure, dpi: int | None = None) -> bytes:
    """Render a figure to PNG bytes (no timestamp, so identical input gives identical bytes).

    An opaque figure drawn at its own dpi on a raster canvas (an explorer's frames, see
    :func:`canvas`) is stored as RGB: the same pixels as savefig's RGBA, in about a
    tenth fewer bytes. Anything else is saved by savefig, as RGBA.
    """
    fig = as_instance(fig, "fig", Figure, "a matplotlib Figure")
    at = fig.dpi if dpi is None else as_positive_int(dpi, "dpi")
    buf = io.BytesIO()
    with style():
        if at == fig.dpi and isinstance(fig.canvas, FigureCanvasAgg):
            fig.canvas.draw()
            rgba = np.asarray(fig.canvas.buffer_rgba())
            if (rgba[..., 3] == 255).all():
                from PIL import Image

                height, width = rgba.shape[:2]
                image = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1)
                image.convert("RGB").save(buf, format="png", dpi=(at, at))
                return buf.getvalue()
        fig.savefig(buf, format="png", dpi=at, metadata={"Software": None})
    return buf.getvalue()


def stacked_histograms(
    ax: Axes, edges: Sequence[float], fractions: Sequence[Sequence[float]]
) -> None:
    """One histogram per layer on one axes, layer 1 on top and the last at the bottom.

    edges: (bins + 1,) bin edges; fractions: (L, bins), row l the histogram of layer
    l + 1 (as from :func:`helpers.probes.histograms`). Each row is drawn as steps,
    scaled to 0.9 of its own peak and raised by L - 1 - l, in viridis colours from
    dark (layer 1) to light (layer L). Row-wise scaling shows each layer's shape,
    not how its size compares with the others'.
    """
    ax = as_instance(ax, "ax", Axes, "a matplotlib Axes")
    e, f = as_finite_array(edges, "edges"), as_finite_array(fractions, "fractions")
    if f.ndim != 2 or e.shape != (f.shape[1] + 1,) or f.size == 0:
        raise ValueError(
            f"fractions must be (L, bins) and edges (bins + 1,), got {f.shape} and {e.shape}"
        )
    if not np.all(f.max(axis=1) > 0) or np.any(f < 0):
        raise ValueError("fractions must be >= 0, with a positive entry in every row")
    n = len(f)
    colors = colormaps["viridis"](np.linspace(0, 0.85, n))
    centres = (e[:-1] + e[1:]) / 2
    heights = 0.9 * f / f.max(axis=1, keepdims=True)
    for layer in range(n):
        ax.plot(
            centres,
            n - 1 - layer + heights[layer],
            drawstyle="steps-mid",
            lw=1,
            color=colors[layer],
        )
    ax.set_yticks([])


def _cells(values: object, what: str) -> list[object]:
    """One row's cells (or the header's) as a list; refused, by name, when they are not
    a sequence or when a cell would break the row: a line break ends the row early and
    an unescaped ``|`` starts a column the header does not have."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise ArgumentTypeError(f"{what} must be a list or tuple of cells, got {values!r}")
    for column, value in enumerate(values):
        if isinstance(value, str) and ("\n" in value or re.search(r"(?<!\\)\|", value)):
            raise ValueError(
                f"{what}, column {column}: {value!r} holds a line break or an unescaped "
                "'|', either of which breaks the table's row (write '\\|' for a bar)"
            )
    return list(values)


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    formats: Sequence[str] | None = None,
    title: str | None = None,
) -> Markdown:
    """A Markdown table for a chapter cell to display: ``| a | b |`` lines, the header,
    the ``|---|`` rule, then one line per row.

    header: (C,) column titles, written as they are (Markdown and ``$math$`` allowed).
    rows: (R,) rows, each of C cells. A ``str`` cell is written as it is; any other
        value (int, float, numpy scalar) as ``format(value, formats[c])``.
    formats: (C,) format specs, one per column, e.g. ``("", ".4f", ",")``. The default,
        ``""`` for every column, writes ``str(value)``.
    title: written in bold on a line of its own above the table, when given.
    Returns an ``IPython.display.Markdown``, which the book and JupyterLab render.
    """
    from IPython.display import Markdown

    given = _cells(header, "header")
    names = [name for name in given if isinstance(name, str)]
    if not names or len(names) != len(given):
        raise ArgumentTypeError(f"header must be a non-empty list of strings, got {header!r}")
    given = _cells([""] * len(names) if formats is None else formats, "formats")
    specs = [spec for spec in given if isinstance(spec, str)]
    if len(specs) != len(given) or len(specs) != len(names):
        raise ValueError(f"formats must be {len(names)} strings, one per column, got {formats!r}")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise ValueError(f"title must be a non-empty string or None, got {title!r}")
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
        raise ArgumentTypeError(f"rows must be an iterable of rows, got {rows!r}")
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for number, row in enumerate(rows):
        cells = _cells(row, f"row {number}")
        if len(cells) != len(names):
            raise ValueError(f"row {number} has {len(cells)} cells, the header {len(names)}")
        try:
            texts = [
                cell if isinstance(cell, str) else format(cell, spec)
                for cell, spec in zip(cells, specs, strict=True)
            ]
        except (TypeError, ValueError) as err:
            raise ValueError(f"row {number}: a cell does not fit its format: {err}") from None
        lines.append("| " + " | ".join(texts) + " |")
    if len(lines) == 2:
        raise ValueError("rows is empty: a table needs at least one row")
    return Markdown((f"**{title}**\n\n" if title else "") + "\n".join(lines))

"""helpers.plots: labels are required and PNG output is reproducible."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import plots


def test_finish_labels_and_adds_a_legend_for_several_lines():
    fig, ax = plots.figure()
    ax.plot([0, 1], label="a")
    ax.plot([1, 0], label="b")
    plots.finish(ax, "Title", "x", "y")
    assert ax.get_title() == "Title" and ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    assert ax.get_legend() is not None
    plt.close(fig)


@pytest.mark.parametrize("missing", ["title", "xlabel", "ylabel"])
def test_finish_refuses_an_unlabelled_figure(missing):
    fig, ax = plots.figure()
    labels = {"title": "T", "xlabel": "x", "ylabel": "y", missing: " "}
    with pytest.raises(ValueError, match=missing):
        plots.finish(ax, **labels)
    plt.close(fig)


def test_png_is_reproducible():
    def render():
        fig = plots.canvas(3, 2)
        ax = fig.subplots()
        ax.plot(np.sin(np.linspace(0, 3, 50)))
        plots.finish(ax, "sine", "t", "sin t")
        return plots.to_png(fig)

    first = render()
    assert first.startswith(b"\x89PNG") and first == render()
    with pytest.raises(TypeError, match="fig must be"):
        plots.to_png("figure")


def _sine_canvas(**kw):
    fig = plots.canvas(3, 2, **kw)
    ax = fig.subplots()
    ax.plot(np.sin(np.linspace(0, 3, 50)))
    plots.finish(ax, "sine", "t", "sin t")
    return fig


def _pixels(png):
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png))
    return image.mode, np.asarray(image)


def test_png_of_an_opaque_canvas_is_rgb_with_savefigs_pixels():
    import io

    buf, fig = io.BytesIO(), _sine_canvas()
    with plots.style():
        fig.savefig(buf, format="png", dpi=fig.dpi, metadata={"Software": None})
    saved_mode, saved = _pixels(buf.getvalue())
    png = plots.to_png(_sine_canvas())
    mode, pixels = _pixels(png)
    assert (saved_mode, mode) == ("RGBA", "RGB")
    assert (saved[..., 3] == 255).all()
    np.testing.assert_array_equal(pixels, saved[..., :3])
    assert len(png) < len(buf.getvalue())


def test_png_keeps_transparency_and_honours_another_dpi():
    see_through = _sine_canvas()
    see_through.patch.set_alpha(0.0)
    mode, pixels = _pixels(plots.to_png(see_through))
    assert mode == "RGBA" and pixels[0, 0, 3] == 0
    mode, pixels = _pixels(plots.to_png(_sine_canvas(dpi=80), dpi=40))
    assert pixels.shape[:2] == (80, 120)  # 2 x 3 inches at 40 dpi


def test_suptitle_titles_the_figure_and_refuses_an_empty_title():
    fig, _ = plots.figure(ncols=2)
    assert plots.suptitle(fig, "Two panels") is None
    assert fig._suptitle is not None and fig._suptitle.get_text() == "Two panels"
    with pytest.raises(ValueError, match="title"):
        plots.suptitle(fig, " ")


def test_finish_returns_nothing_so_a_cell_can_end_with_it():
    fig, ax = plots.figure()
    assert plots.finish(ax, "Title", "x", "y") is None


def _laid_out_figure():
    fig, (ax, ax2) = plots.figure(1, 2, width=5.0, height=2.5)
    # (no log axis: matplotlib 3.8's mathtext warns under the newest pyparsing)
    ax.plot(np.arange(1, 50), np.arange(1, 50) ** 2.0, label="square")
    ax.plot(np.arange(1, 50), np.arange(1, 50) ** 1.5, label="power 1.5")
    plots.finish(ax, "Two powers", "x", "y")
    ax2.plot([0, 1], [1, 0])
    plots.finish(ax2, "A line", "x", "y")
    return fig


def _count_draws(monkeypatch):
    from matplotlib.figure import Figure

    draws = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda fig, r: draws.append(1) or draw(fig, r))
    return draws


def test_figure_png_is_savefig_with_one_draw_fewer(monkeypatch):
    import io

    saved, drawn = _laid_out_figure(), _laid_out_figure()
    draws = _count_draws(monkeypatch)
    buf = io.BytesIO()
    saved.savefig(buf, format="png", dpi=saved.dpi)
    assert len(draws) == 2  # savefig: the layout's draw, then the rendering one
    png = plots.figure_png(drawn)
    assert len(draws) == 3
    assert png == buf.getvalue()
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        plots.figure_png("figure")
    plt.close(saved)
    plt.close(drawn)


def test_figure_png_of_a_figure_without_a_raster_canvas_is_savefig():
    import io

    from matplotlib.figure import Figure

    def bare() -> Figure:
        fig = Figure(figsize=(3.0, 2.0), dpi=60)  # its canvas draws nothing itself
        fig.add_subplot().plot([0, 1], [1, 0])
        return fig

    buf = io.BytesIO()
    bare().savefig(buf, format="png", dpi=60)
    assert plots.figure_png(bare()) == buf.getvalue()


def test_show_at_figure_size_shows_a_figure_uncropped_and_drawn_once(monkeypatch):
    """In an IPython shell the inline formatter then makes a PNG of the figure's size,
    the bytes of figure_png, in one draw; and pyplot's redraw after each cell is gone."""
    import base64
    import struct

    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib.figure import Figure
    from matplotlib_inline.config import InlineBackend

    shell = InteractiveShell.instance()
    config = InlineBackend.instance(parent=shell)
    png_formatter = shell.display_formatter.formatters["image/png"]
    redraw = plt._draw_all_if_interactive
    # As the inline backend leaves things once active: its shell set, figures cropped,
    # pyplot's redraw hook registered.
    monkeypatch.setattr(config, "shell", shell)
    monkeypatch.setitem(config.print_figure_kwargs, "bbox_inches", "tight")
    select_figure_formats(shell, {"png"}, bbox_inches="tight")
    callbacks = shell.events.callbacks["post_execute"]
    monkeypatch.setitem(shell.events.callbacks, "post_execute", [*callbacks, redraw])
    fig = _laid_out_figure()
    empty = plt.figure()

    def png() -> bytes:
        data = png_formatter(fig)
        return base64.b64decode(data) if isinstance(data, str) else data

    try:
        cropped = png()
        draws = _count_draws(monkeypatch)
        plots.show_at_figure_size()
        assert config.print_figure_kwargs == {"bbox_inches": None}
        shown = png()
        assert len(draws) == 1
        assert struct.unpack(">II", shown[16:24]) == (5 * plots.DPI, 2.5 * plots.DPI)
        assert struct.unpack(">II", cropped[16:24]) != (5 * plots.DPI, 2.5 * plots.DPI)
        assert shown == plots.figure_png(fig)
        assert png_formatter(empty) is None  # as IPython: an empty figure shows nothing
        assert redraw not in shell.events.callbacks["post_execute"]
        plots.show_at_figure_size()  # a second call finds no hook to remove, and is fine
    finally:
        png_formatter.pop(Figure, None)
        plt.close(fig)
        plt.close(empty)


def test_show_at_figure_size_does_nothing_outside_ipython(monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert plots.show_at_figure_size() is None


def test_diagram_axes_clears_ticks_grid_and_spines_but_keeps_labels():
    fig, ax = plots.figure()
    ax.plot([0, 1], [0, 1])
    plots.diagram_axes(ax)
    plots.finish(ax, "a diagram", "layer", "units")
    assert not ax.get_xticks().size and not ax.get_yticks().size
    assert not any(spine.get_visible() for spine in ax.spines.values())
    assert not any(line.get_visible() for line in ax.get_xgridlines() + ax.get_ygridlines())
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("layer", "units")
    plt.close(fig)


def test_stacked_histograms_draws_one_scaled_step_line_per_layer():
    fig, ax = plots.figure()
    edges = np.linspace(0.0, 1.0, 5)
    fractions = np.array([[0.5, 0.5, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4]])
    plots.stacked_histograms(ax, edges, fractions)
    lines = ax.get_lines()
    assert len(lines) == 2 and all(line.get_drawstyle() == "steps-mid" for line in lines)
    np.testing.assert_allclose(lines[0].get_xdata(), [0.125, 0.375, 0.625, 0.875])
    # layer 1 on top: raised by 1, its peak scaled to 0.9
    np.testing.assert_allclose(lines[0].get_ydata(), [1.9, 1.9, 1.0, 1.0])
    np.testing.assert_allclose(lines[1].get_ydata(), [0.225, 0.45, 0.675, 0.9])
    assert list(ax.get_yticks()) == []
    with pytest.raises(ValueError, match="edges"):
        plots.stacked_histograms(ax, edges[:-1], fractions)
    with pytest.raises(ValueError, match="positive"):
        plots.stacked_histograms(ax, edges, np.zeros((1, 4)))
    plt.close(fig)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: plots.canvas(dpi=0), "dpi must be a positive integer"),
        (lambda: plots.canvas(width=0.5), "width must be from 1 to 1000 inches"),
        (lambda: plots.figure(0, 1), "nrows must be a positive integer"),
        (lambda: plots.to_png(plots.canvas(), dpi=-3), "dpi"),
        (lambda: plots.finish("ax", "t", "x", "y"), "ax must be a matplotlib Axes"),
    ],
)
def test_degenerate_figure_arguments_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()

"""helpers.widgets: the explorer pattern and chapter 2's activation explorer."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest

from helpers import plots
from helpers.activations import ACTIVATIONS
from helpers.widgets import Choice, Explorer, Slider, activation_explorer, draw_activation
from helpers.widgets.activation import describe_activation


@pytest.fixture(scope="module")
def explorer() -> Explorer:
    return activation_explorer()


@pytest.mark.parametrize(
    "params",
    [
        {"activation": "relu", "alpha": 0.0, "x_range": 2.0},
        {"activation": "leaky_relu", "alpha": 0.3, "x_range": 5.0},
        {"activation": "elu", "alpha": 1.0, "x_range": 10.0},
        {"activation": "gelu", "alpha": 0.1, "x_range": 0.5},
        {"activation": "sigmoid", "alpha": 0.1, "x_range": 10.0},
    ],
)
def test_draw_activation_draws_both_panels(params):
    fig = plots.canvas()
    draw_activation(fig, **params)
    f_ax, g_ax = fig.axes
    assert params["activation"] in f_ax.get_title() and g_ax.get_title().startswith("f'(x)")
    x, y = f_ax.lines[0].get_data()
    assert np.isclose(x.min(), -params["x_range"]) and np.all(np.isfinite(y))


def test_draw_is_pure_reused_figure_matches_fresh_one(explorer):
    explorer.render(activation="sigmoid", alpha=0.5, x_range=10.0)  # leave other state
    reused = explorer.render(activation="elu", alpha=0.3, x_range=5.0)
    fresh = activation_explorer().render(activation="elu", alpha=0.3, x_range=5.0)
    assert reused == fresh


def test_each_dpi_draws_on_a_canvas_of_its_own_with_the_same_frames(explorer):
    """The live image and the static frames have a canvas each, at their own dpi: a
    frame is the same whichever was drawn before it, and the same as on a new figure."""
    params = {"activation": "tanh", "alpha": 0.1, "x_range": 2.0}
    live = explorer.render(**params)
    static = explorer.render(dpi=explorer.static_dpi, **params)
    assert explorer.render(**params) == live
    assert explorer.render(dpi=explorer.static_dpi, **params) == static
    for dpi, png in ((explorer.live_dpi, live), (explorer.static_dpi, static)):
        fig = plots.canvas(explorer.width, explorer.height, dpi)
        with plots.style():
            draw_activation(fig, **params)
        assert plots.to_png(fig) == png
        assert explorer._canvases[dpi].dpi == dpi


def test_different_parameters_give_different_frames(explorer):
    a = explorer.render(activation="leaky_relu", alpha=0.01, x_range=5.0)
    b = explorer.render(activation="leaky_relu", alpha=0.3, x_range=5.0)
    assert a != b


@pytest.fixture(scope="module")
def static_page(explorer) -> str:
    return explorer.static_html()


def test_static_html_is_self_contained_and_complete(explorer, static_page):
    page = static_page
    assert "http://" not in page and "https://" not in page and "<iframe" not in page
    data = json.loads(re.search(r'class="nnfb-frames">(.*?)</script>', page).group(1))
    sizes = [len(c.values) for c in explorer.controls]
    assert len(data["index"]) == int(np.prod(sizes))  # every grid point has a frame
    # alpha only changes leaky_relu and elu frames, so the others are rendered once per range
    assert len(data["frames"]) == 2 * 5 * 3 + 6 * 3
    assert max(data["index"].values()) == len(data["frames"]) - 1
    assert page.count('type="range"') == 2 and page.count("<select") == 1
    assert data["labels"][1] == ["0.00", "0.01", "0.10", "0.30", "1.00"]


def test_static_html_is_deterministic():
    def small() -> Explorer:
        return Explorer(
            "small",
            draw_activation,
            [Choice("activation", ["relu", "tanh"]), Slider("alpha", [0.0, 0.1])],
            fixed={"x_range": 3.0},
        )

    assert small().static_html() == small().static_html()


def test_live_widget_redraws_on_change(explorer):
    box = explorer.live()
    image, status = box.children[2], box.children[1]
    before, label_before = image.value, status.value
    box.inputs["alpha"].value = 0.5
    box.inputs["activation"].value = "leaky_relu"
    assert image.value != before and "alpha = 0.50" in status.value != label_before
    assert "nnfb-explorer" in box._dom_classes


def test_output_carries_both_front_ends(explorer):
    bundle = explorer.show()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert 'class="nnfb-static-explorer"' in bundle["text/html"]
    assert bundle["text/plain"].startswith("Explorer('activation'")


def test_in_pyodide_the_output_leaves_out_the_static_frames(explorer, monkeypatch):
    monkeypatch.setattr("sys.platform", "emscripten")
    bundle = explorer.show()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "nnfb-static-explorer" not in bundle["text/html"]
    assert "precomputed frames are in the HTML book" in bundle["text/html"]


def test_bad_definitions_are_refused():
    with pytest.raises(ValueError, match="increasing"):
        Slider("a", [2.0, 1.0])
    with pytest.raises(ValueError, match="default"):
        Choice("c", ["x", "y"], default="z")
    with pytest.raises(ValueError, match="distinct"):
        Explorer("e", draw_activation, [Slider("a", [0, 1]), Slider("a", [0, 1])])
    with pytest.raises(TypeError, match="draw must be callable"):
        Explorer("e", "draw", [Slider("a", [0, 1])])
    with pytest.raises(ValueError, match="unknown parameter"):
        activation_explorer().render(slope=2.0)
    with pytest.raises(ValueError, match="x_range must be positive"):
        draw_activation(plots.canvas(), "relu", 0.1, 0.0)


# --- what screen readers get ------------------------------------------------------------


def test_each_frame_has_its_own_alt_text_from_the_plotted_numbers(explorer, static_page):
    data = json.loads(re.search(r'class="nnfb-frames">(.*?)</script>', static_page).group(1))
    alts = data["alts"]
    assert len(alts) == len(data["frames"]) and len(set(alts)) == len(alts)
    assert all(len(alt) >= 15 and not alt.endswith(".png") for alt in alts)
    # the shown frame's alt text is the start parameters' one, in the img tag itself
    start = explorer.params()
    assert f'alt="{html.escape(explorer.alt_text(**start))}"' in static_page
    # a described number is the computed one, not a typed one
    x = np.linspace(-2.0, 2.0, 401)
    grad = ACTIVATIONS["sigmoid"].grad(x)
    text = explorer.alt_text(activation="sigmoid", alpha=0.1, x_range=2.0)
    assert "for activation sigmoid, input range ± 2." in text  # alpha: not in this frame
    leaky = explorer.alt_text(activation="leaky_relu", alpha=0.3, x_range=2.0)
    assert "for activation leaky_relu, alpha 0.30, input range ± 2." in leaky
    assert f"from {grad.min():.3g} to {grad.max():.3g}" in text
    relu = describe_activation("relu", 0.1, 5.0)
    assert "from 0 to 5" in relu and "(50% of the range): x < 0" in relu
    assert "No saturated region" in describe_activation("softplus", 0.1, 2.0)


def test_static_controls_announce_their_values(explorer, static_page):
    assert 'role="group" aria-label="Activation explorer' in static_page
    assert static_page.count('role="status" aria-live="polite"') == 1
    assert 'aria-label="alpha" aria-valuetext="0.10"' in static_page
    assert 'aria-label="input range ±" aria-valuetext="5"' in static_page
    assert "<output" not in static_page  # an <output> is a second live region


def test_explorer_descriptions_are_checked():
    with pytest.raises(TypeError, match="describe must be callable"):
        Explorer("e", draw_activation, [Slider("alpha", [0, 1])], describe="words")
    silent = Explorer(
        "e",
        draw_activation,
        [Slider("alpha", [0.0, 1.0])],
        fixed={"activation": "relu", "x_range": 1.0},
        describe=lambda **params: " ",
    )
    with pytest.raises(ValueError, match="describe must return a non-empty string"):
        silent.alt_text(alpha=0.0)
    plain = Explorer("plain", draw_activation, [Slider("alpha", [0.0, 1.0])])
    assert plain.alt_text(alpha=1.0) == "plain explorer, for alpha 1."


def test_last_result_computes_once_for_the_same_arguments():
    from helpers.widgets._core import last_result

    calls = []

    @last_result
    def profile(name, scale=1.0):
        calls.append((name, scale))
        if scale <= 0:
            raise ValueError("scale must be positive")
        return [np.full(3, scale)], name

    first = profile("tanh", scale=2.0)
    again = profile("tanh", scale=2.0)
    assert calls == [("tanh", 2.0)]
    np.testing.assert_array_equal(again[0][0], [2.0, 2.0, 2.0])
    assert again[0] is not first[0]  # a copy of the list: appending changes nothing
    with pytest.raises(ValueError, match="read-only"):
        again[0][0][0] = 5.0
    profile("tanh", scale=3.0)
    profile("tanh", scale=2.0)
    assert len(calls) == 3  # only the last call is remembered
    for _ in range(2):
        with pytest.raises(ValueError, match="positive"):
            profile("tanh", scale=-1.0)
    assert len(calls) == 5
    profile(np.zeros(2))  # arguments that == cannot compare are never a match
    profile(np.zeros(2))
    assert len(calls) == 7


@pytest.mark.parametrize(
    ("make", "owner", "name"),
    [
        ("init_explorer", "helpers.widgets.initialization", "live_sample"),
        ("gradient_flow_explorer", "helpers.experiments", "gradient_profile"),
    ],
)
def test_a_static_frame_and_its_alt_text_share_one_computation(make, owner, name, monkeypatch):
    """The alt text describes the numbers the frame drew, without computing them again:
    the explorer's pass (counted where it starts) runs once per frame."""
    import importlib

    from helpers import widgets

    module = importlib.import_module(owner)
    real, counted = getattr(module, name), []
    monkeypatch.setattr(module, name, lambda *a, **k: counted.append(1) or real(*a, **k))
    pngs, alts, _ = getattr(widgets, make)()._grid()
    assert len(counted) == len(pngs) == len(alts)

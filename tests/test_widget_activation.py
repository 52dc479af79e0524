"""Chapter 2's activation explorer: its panels, its frames and their descriptions (the
contract every explorer keeps is in test_widgets.py)."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest

from helpers import plots
from helpers.activations import ACTIVATIONS
from helpers.widgets import Explorer, activation_explorer, draw_activation
from helpers.widgets.activation import describe_activation


@pytest.fixture(scope="module")
def explorer() -> Explorer:
    return activation_explorer()


@pytest.fixture(scope="module")
def static_page(explorer) -> str:
    return explorer.static_html()


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


def test_different_parameters_give_different_frames(explorer):
    a = explorer.render(activation="leaky_relu", alpha=0.01, x_range=5.0)
    b = explorer.render(activation="leaky_relu", alpha=0.3, x_range=5.0)
    assert a != b


def test_static_html_is_self_contained_and_complete(explorer, static_page):
    page = static_page
    assert "http://" not in page and "https://" not in page and "<iframe" not in page
    data = json.loads(re.search(r'class="nnfb-frames">(.*?)</script>', page).group(1))
    sizes = [len(c.values) for c in explorer.controls]
    assert len(data["index"]) == int(np.prod(sizes))  # every grid point has a frame
    # alpha only changes leaky_relu and elu frames, so the others are rendered once per range
    assert len(data["frames"]) == 2 * 5 * 5 + 6 * 5
    assert max(data["index"].values()) == len(data["frames"]) - 1
    assert page.count('type="range"') == 2 and page.count("<select") == 1
    assert data["labels"][1] == ["0.00", "0.01", "0.10", "0.30", "1.00"]


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


def test_live_widget_redraws_on_change(explorer):
    box = explorer.live()
    image, status = box.children[2], box.children[1]
    before, label_before = image.value, status.value
    box.inputs["alpha"].value = 0.5
    box.inputs["activation"].value = "leaky_relu"
    assert image.value != before and "alpha = 0.50" in status.value != label_before
    assert "nnfb-explorer" in box._dom_classes

"""Chapter 5's explorer: the pure draw function, its numbers, its purity and front-ends."""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpers import plots, probes
from helpers.gradcheck import numerical_grad, rel_error
from helpers.widgets import initialization as w

PARAMS = [
    {"activation": "tanh", "scheme": "fixed", "scale": 0.01},
    {"activation": "tanh", "scheme": "xavier", "scale": 1.0},
    {"activation": "relu", "scheme": "he", "scale": 1.0},
    {"activation": "sigmoid", "scheme": "xavier", "scale": 4.0},
    {"activation": "relu", "scheme": "fixed", "scale": 3.37},  # a live slider's value
]


@pytest.mark.parametrize("params", PARAMS)
def test_draw_shows_one_histogram_per_layer(params):
    fig = plots.canvas()
    w.draw_init(fig, **params)
    ax_a, ax_g = fig.axes
    assert len(ax_a.get_lines()) == len(ax_g.get_lines()) == w.NUM_LAYERS
    for k, line in enumerate(ax_a.get_lines()):
        base = w.NUM_LAYERS - 1 - k
        y = line.get_ydata()
        assert np.all(np.isfinite(y)) and y.min() >= base and y.max() == pytest.approx(base + 0.9)
    assert params["activation"] in ax_a.get_title() and ax_a.get_xlabel() and ax_g.get_xlabel()
    assert len(plots.to_png(fig)) > 1000


def test_tick_labels_give_each_layers_std():
    fig = plots.canvas()
    w.draw_init(fig, activation="tanh", scheme="fixed", scale=0.01)
    acts, _ = w.propagate("tanh", "fixed", 0.01)
    labels = fig.axes[0].yaxis.get_major_formatter().seq
    assert labels[-1] == f"{acts[0].std():.2g}" and labels[0] == f"{acts[-1].std():.2g}"


def test_propagate_matches_the_layers_of_the_book():
    """The explorer's fast loop gives what probes.trace gives on the same weights."""
    X, Z, G = w._live_sample()
    stds = w.layer_stds("xavier", 1.3)
    model = probes.deep_stack(list(w.LIVE_WIDTHS), "tanh", "zeros", np.random.default_rng(0))
    for layer, z_dir, std in zip(model.layers[::2], Z, stds, strict=True):
        layer.params["W"][...] = std * z_dir
    tr = probes.trace(model, X, G)
    acts, grads = w.propagate("tanh", "xavier", 1.3)
    for k in range(w.NUM_LAYERS):
        np.testing.assert_allclose(acts[k], tr.outputs[2 * k + 1], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(grads[k], tr.grads_out[2 * k + 1], rtol=1e-8, atol=1e-14)


def test_propagate_gradient_against_central_differences():
    """dL/da of layer 9 from the explorer's backward loop vs a numerical derivative."""
    X, Z, G = w._live_sample()
    stds = w.layer_stds("he", 1.0)
    acts, grads = w.propagate("sigmoid", "he", 1.0)
    a9 = acts[-2][:2].copy()  # two rows keep the check fast

    def loss(a):
        z = (a @ Z[-1]) * stds[-1]
        return float(np.sum(1.0 / (1.0 + np.exp(-z)) * G[:2]))

    numeric = numerical_grad(loss, a9)
    assert rel_error(grads[-2][:2], numeric) < 1e-6


def test_layer_stds_follow_the_schemes():
    assert w.layer_stds("fixed", 0.5) == [0.5] * w.NUM_LAYERS
    assert w.layer_stds("xavier", 2.0, (4, 12))[0] == pytest.approx(2.0 * np.sqrt(2 / 16))
    assert w.layer_stds("he", 1.0, (8, 3))[0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="scheme"):
        w.layer_stds("lecun", 1.0)
    with pytest.raises(ValueError, match="scale"):
        w.layer_stds("he", 0.0)
    with pytest.raises(ValueError, match="activation"):
        w.propagate("gelu", "he", 1.0)


def test_collapse_saturation_and_he_as_the_chapter_says():
    tiny, _ = w.propagate("tanh", "fixed", 0.01)
    big, _ = w.propagate("tanh", "fixed", 1.0)
    he, _ = w.propagate("relu", "he", 1.0)
    assert tiny[-1].std() < 1e-6 * tiny[0].std()
    assert np.mean(np.abs(big[-1]) > 0.99) > 0.5
    assert 0.6 < he[-1].std() / he[0].std() < 1.25


def test_a_reused_figure_renders_the_same_bytes_as_a_fresh_one():
    reused = w.init_explorer()
    for params in PARAMS:
        reused.render(**params)
    for params in reversed(PARAMS):
        fresh = w.init_explorer().render(**params)
        assert reused.render(**params) == fresh, f"reused figure differs at {params}"


def test_different_parameters_give_different_frames():
    ex = w.init_explorer()
    assert ex.render(scale=1.0) != ex.render(scale=0.5)


def test_static_frames_cover_the_grid_and_stay_small():
    ex = w.init_explorer()
    pngs, index = ex.frames()
    assert len(index) == len(pngs) == 3 * 3 * len(w.SCALES)
    total = sum(len(p) for p in pngs)
    print(f"{len(pngs)} frames, {total / 1024:.0f} KiB")
    assert total < 1.5 * 2**20


def test_redraw_median_is_measured():
    """Measured, not asserted: a timing depends on the machine's load."""
    ex = w.init_explorer()
    params = [
        {"activation": a, "scheme": s, "scale": c}
        for a in w.ACTIVATION_NAMES
        for s in w.SCHEMES
        for c in (0.05, 1.0, 2.5)
    ]
    t0 = time.perf_counter()
    times = ex.time_redraw(params)
    print(f"live redraw median {1000 * np.median(times):.1f} ms over {len(times)} frames")
    assert len(times) == len(params) and time.perf_counter() - t0 > 0


def test_live_front_end_redraws():
    box = w.init_explorer().live()
    before = box.children[-1].value
    box.inputs["scale"].value = 0.1
    assert box.children[-1].value != before and "0.1" in box.children[1].value


def test_frame_descriptions_state_the_computed_spread():
    acts, grads = w.propagate("tanh", "fixed", 0.01)
    text = w.describe_init("tanh", "fixed", 0.01)
    assert f"from {acts[0].std():.2g} in layer 1 to {acts[-1].std():.2g} in layer 10" in text
    assert "shrinks with depth" in text
    assert "(saturated)" in w.describe_init("tanh", "fixed", 1.0)
    assert "stays within a factor of 2" in w.describe_init("relu", "he", 1.0)
    zeros = (w.propagate("relu", "he", 1.0)[0][-1] == 0).mean()
    assert f"{zeros:.0%} of layer 10's values are exactly 0" in w.describe_init("relu", "he", 1.0)
    alts = {w.init_explorer().alt_text(**p) for p in PARAMS[:4]}
    assert len(alts) == 4 and all("Initialization explorer" in a for a in alts)

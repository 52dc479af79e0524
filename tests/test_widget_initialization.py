"""Chapter 6's explorer: the pure draw function, its numbers, its purity and front-ends."""

from __future__ import annotations

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
    acts, _ = w.live_pass("tanh", "fixed", 0.01)
    labels = fig.axes[0].yaxis.get_major_formatter().seq
    assert labels[-1] == f"{acts[0].std():.2g}" and labels[0] == f"{acts[-1].std():.2g}"


PAIRS = list(zip(w.LIVE_WIDTHS[:-1], w.LIVE_WIDTHS[1:], strict=True))  # (M_{l-1}, M_l)


def weights_of(model):
    return [linear.params["W"] for linear in probes.linear_layers(model)]


def after_the_inputs():
    """A generator seeded like the explorer's, past its draw of the inputs X."""
    rng = np.random.default_rng(w.SEED)
    rng.standard_normal((w.LIVE_ROWS, w.LIVE_WIDTHS[0]))
    return rng


def test_live_pass_is_one_trace_of_the_whole_sample():
    """The explorer's row blocks give what one probes.trace of all rows gives."""
    X, model, G = w.live_sample("tanh", "xavier", 1.3)
    tr = probes.trace(model, X, G)
    acts, grads = w.live_pass("tanh", "xavier", 1.3)
    for k in range(w.NUM_LAYERS):
        np.testing.assert_allclose(acts[k], tr.outputs[2 * k + 1], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(grads[k], tr.grads_out[2 * k + 1], rtol=1e-8, atol=1e-14)


def test_live_pass_gradient_against_central_differences():
    """dL/da of layer 9 from the explorer's backward pass vs a numerical derivative."""
    acts, grads = w.live_pass("sigmoid", "he", 1.0)
    _, model, G = w.live_sample("sigmoid", "he", 1.0)
    W10 = model[-2].params["W"]  # the last layer's weights, (M_9, M_10)
    a9 = acts[-2][:2].copy()  # two rows keep the check fast

    def loss(a):
        return float(np.sum(1.0 / (1.0 + np.exp(-(a @ W10))) * G[:2]))

    numeric = numerical_grad(loss, a9)
    assert rel_error(grads[-2][:2], numeric) < 1e-6


@pytest.mark.parametrize("scale", [0.01, 0.5, 1.0, 2.0, 3.37])
def test_the_weights_follow_the_schemes(scale):
    """Layer l's weights are std_l * Z_l with std_l as the module docstring says, the
    same Z_l for every frame, and they are what the helpers.init scheme draws."""
    rng = after_the_inputs()
    Z = [rng.standard_normal(pair) for pair in PAIRS]
    stds = {
        "fixed": [scale] * w.NUM_LAYERS,
        "xavier": [scale * np.sqrt(2 / (m_in + m_out)) for m_in, m_out in PAIRS],
        "he": [scale * np.sqrt(2 / m_in) for m_in, _ in PAIRS],
    }
    for scheme, std in stds.items():
        shown = weights_of(w.live_sample("relu", scheme, scale)[1])
        drawn = weights_of(w.live_network("relu", scheme, scale, after_the_inputs()))
        assert len(shown) == w.NUM_LAYERS
        for layer in range(w.NUM_LAYERS):
            expected = std[layer] * Z[layer]
            np.testing.assert_allclose(shown[layer], expected, rtol=1e-15, err_msg=scheme)
            np.testing.assert_allclose(shown[layer], drawn[layer], rtol=1e-15, err_msg=scheme)
    fixed = weights_of(w.live_sample("tanh", "fixed", scale)[1])
    assert all(np.array_equal(W, scale * z) for W, z in zip(fixed, Z, strict=True))


def test_bad_parameters_are_clear_errors():
    with pytest.raises(ValueError, match="scheme"):
        w.live_pass("tanh", "lecun", 1.0)
    with pytest.raises(ValueError, match="scale"):
        w.live_pass("tanh", "he", 0.0)
    with pytest.raises(ValueError, match="activation"):
        w.live_pass("gelu", "he", 1.0)


def test_collapse_saturation_and_he_as_the_chapter_says():
    tiny, _ = w.live_pass("tanh", "fixed", 0.01)
    big, _ = w.live_pass("tanh", "fixed", 1.0)
    he, _ = w.live_pass("relu", "he", 1.0)
    assert tiny[-1].std() < 1e-6 * tiny[0].std()
    assert np.mean(np.abs(big[-1]) > 0.99) > 0.5
    assert 0.6 < he[-1].std() / he[0].std() < 1.25


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


def test_frame_descriptions_state_the_computed_spread():
    acts, grads = w.live_pass("tanh", "fixed", 0.01)
    text = w.describe_init("tanh", "fixed", 0.01)
    assert f"from {acts[0].std():.2g} in layer 1 to {acts[-1].std():.2g} in layer 10" in text
    assert "shrinks with depth" in text
    assert "(saturated)" in w.describe_init("tanh", "fixed", 1.0)
    assert "stays within a factor of 2" in w.describe_init("relu", "he", 1.0)
    zeros = (w.live_pass("relu", "he", 1.0)[0][-1] == 0).mean()
    assert f"{zeros:.0%} of layer 10's values are exactly 0" in w.describe_init("relu", "he", 1.0)
    alts = {w.init_explorer().alt_text(**p) for p in PARAMS[:4]}
    assert len(alts) == 4 and all("Initialization explorer" in a for a in alts)

"""Chapter 7's explorer: the pure draw function, its reuse of artists, its front-ends."""

import math

import numpy as np
import pytest

from helpers import data, experiments, layers, plots, probes
from helpers.experiments import gradient_profile
from helpers.widgets.gradient_flow import (
    describe_gradient_flow,
    draw_gradient_flow,
    gradient_flow_explorer,
)
from tests.support.explorers import static_frames


def deep_mlp(activation, depth, width, gain, rng, d_in=1, d_out=1, residual=False):
    """The explorer's network: depth hidden blocks of width units, weights N(0, gain^2 / fan_in)."""
    widths = [d_in] + [width] * depth + [d_out]
    return experiments.mlp(
        widths, activation, rng, init="he_normal", gain=gain, blocks=True, residual=residual
    )


PARAMS = [
    {"activation": "sigmoid", "depth": 10, "gain": 1.0},
    {"activation": "tanh", "depth": 30, "gain": 0.5},
    {"activation": "relu", "depth": 10, "gain": 4.0},
    {"activation": "relu", "depth": 17.4, "gain": 1.45},  # a live slider's float depth
]


@pytest.mark.parametrize("params", PARAMS)
def test_draw_shows_the_computed_norms(params):
    fig = plots.canvas()
    draw_gradient_flow(fig, **params)
    (ax,) = fig.axes
    depth = round(params["depth"])
    weights, outputs = ax.get_lines()
    assert len(weights.get_xdata()) == depth + 1
    assert len(outputs.get_xdata()) == depth
    rng = np.random.default_rng(0)
    x, y = data.sine_of_first(32, rng)
    model = deep_mlp(params["activation"], depth, 32, params["gain"], rng, d_in=32)
    profile = gradient_profile(model, x, y)
    np.testing.assert_allclose(
        weights.get_ydata(), np.maximum(profile.weight_grad_norms, 1e-30), rtol=1e-12
    )
    lo, hi = ax.get_ylim()
    assert lo <= np.min(outputs.get_ydata()) and np.max(weights.get_ydata()) <= hi
    assert ax.get_yscale() == "log"
    assert params["activation"] in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(plots.to_png(fig)) > 1000


def test_sigmoid_gradients_vanish_and_large_relu_gains_explode():
    rng = np.random.default_rng(0)
    x, y = data.sine_of_first(32, rng, d=8)
    sig = gradient_profile(deep_mlp("sigmoid", 20, 32, 1.0, rng, d_in=8), x, y)
    assert sig.activation_grad_norms[0] < 1e-6 * sig.activation_grad_norms[-1]
    zero = np.zeros_like(y)
    small = gradient_profile(
        deep_mlp("relu", 20, 32, 1.0, np.random.default_rng(1), d_in=8), x, zero
    )
    large = gradient_profile(
        deep_mlp("relu", 20, 32, 2.0, np.random.default_rng(1), d_in=8), x, zero
    )
    # ReLU is positively homogeneous and the biases start at zero: doubling all 21 weight
    # matrices doubles y_hat 21 times, so with target 0 dL/dy_hat grows by 2 ** 21, and
    # each weight gradient by a further 2 ** 20 from the other 20 matrices.
    np.testing.assert_allclose(
        large.weight_grad_norms, 2.0**41 * small.weight_grad_norms, rtol=1e-9
    )


def test_deep_mlp_layout_and_residual_variant():
    rng = np.random.default_rng(0)
    model = deep_mlp("tanh", 4, 8, 1.0, rng, d_in=3, d_out=2, residual=True)
    assert isinstance(model[0], layers.Sequential)
    assert all(isinstance(model[i], layers.Residual) for i in (1, 2, 3))
    assert [w.params["W"].shape for w in probes.linear_layers(model)] == [
        (3, 8),
        (8, 8),
        (8, 8),
        (8, 8),
        (8, 2),
    ]
    assert model.forward(np.zeros((5, 3))).shape == (5, 2)


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("gain", [0.5, 1.0, math.sqrt(2.0), 2.0])
def test_the_network_draws_n_0_gain2_over_fan_in_weights(gain, residual):
    """The same weights, bit for bit, as Linear layers drawn with std = gain / sqrt(n_in)."""

    def linear(n_in, n_out):
        return layers.Linear(n_in, n_out, init="normal", rng=rng, std=gain / math.sqrt(n_in))

    rng = np.random.default_rng(3)
    blocks = [layers.Sequential(linear(5, 8), layers.ReLU())]
    for _ in range(3):
        block = layers.Sequential(linear(8, 8), layers.ReLU())
        blocks.append(layers.Residual(block) if residual else block)
    direct = layers.Sequential(*blocks, linear(8, 2))
    model = deep_mlp(
        "relu", 4, 8, gain, np.random.default_rng(3), d_in=5, d_out=2, residual=residual
    )
    assert model.params.keys() == direct.params.keys()
    for name, p in direct.params.items():
        np.testing.assert_array_equal(model.params[name], p, err_msg=name)
    x = np.random.default_rng(4).standard_normal((6, 5))
    np.testing.assert_array_equal(model.forward(x), direct.forward(x))


def test_bad_parameters_are_clear_errors():
    fig = plots.canvas()
    with pytest.raises(ValueError, match="activation must be one of"):
        draw_gradient_flow(fig, "gelu", 10, 1.0)
    with pytest.raises(ValueError, match="depth must be >= 1"):
        draw_gradient_flow(fig, "relu", 0, 1.0)
    with pytest.raises(ValueError, match="gain must be positive"):
        draw_gradient_flow(fig, "relu", 5, -1.0)


def test_static_front_end_has_one_distinct_frame_per_grid_point():
    html = gradient_flow_explorer().static_html()
    pngs, index = static_frames(html)
    assert len(pngs) == len(index) == 3 * 5 * 5
    assert len(set(pngs)) == len(pngs)
    assert html.count('type="range"') == 2 and "<select" in html


def test_frame_descriptions_state_the_computed_norms():
    rng = np.random.default_rng(0)
    x, y = data.sine_of_first(32, rng, d=32)
    profile = gradient_profile(deep_mlp("sigmoid", 10, 32, 1.0, rng, d_in=32), x, y)
    first, last = profile.activation_grad_norms[[0, -1]]
    text = describe_gradient_flow("sigmoid", 10, 1.0)
    assert f"{first:.1e} at layer 1 and {last:.1e} at layer 10" in text
    assert f"a ratio of {first / last:.1e}: the gradient vanishes" in text
    assert "explodes" in describe_gradient_flow("relu", 30, 2.0)
    assert "within a factor of 10" in describe_gradient_flow("tanh", 10, 1.0)

"""Tests for helpers.layers.Dropout: inverted dropout of units' outputs.

The backward pass against central differences with a frozen mask, the identity in
eval mode, the expectation kept over many masks, and clear errors for bad p."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import layers
from helpers.gradcheck import check_layer


def assert_passed(report) -> None:
    assert report.passed, report.failure_message()
    assert set(report.errors) >= {"x"}, "the check compared nothing"


@settings(deadline=None, max_examples=40)
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
    p=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**32 - 1),
)
def test_backward_matches_numerical_gradient_with_frozen_mask(shape, p, seed):
    rng = np.random.default_rng(seed)
    layer = layers.Dropout(p, rng)
    layer.freeze_mask = True
    assert_passed(check_layer(layer, rng.standard_normal(shape), rng=rng, tol=1e-6))


def test_backward_multiplies_by_the_forward_mask(rng):
    layer = layers.Dropout(0.4, rng)
    x = rng.standard_normal((6, 7))
    out = layer.forward(x)
    dout = rng.standard_normal(x.shape)
    expected = dout * (out / x)  # the mask times 1 / (1 - p), read off the forward pass
    np.testing.assert_allclose(layer.backward(dout), expected, rtol=1e-12)


def test_network_with_dropout_passes_check_layer(rng):
    dropout = layers.Dropout(0.5, rng)
    dropout.freeze_mask = True
    net = layers.Sequential(
        layers.Linear(4, 8, rng=rng), layers.Tanh(), dropout, layers.Linear(8, 2, rng=rng)
    )
    report = check_layer(net, rng.standard_normal((5, 4)), rng=rng, tol=1e-6)
    assert_passed(report)
    assert {"0.W", "0.b", "3.W", "3.b"} <= set(report.errors)


@settings(deadline=None, max_examples=30)
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
    p=st.floats(0.0, 0.99),
    seed=st.integers(0, 2**32 - 1),
)
def test_eval_mode_is_the_identity_forward_and_backward(shape, p, seed):
    rng = np.random.default_rng(seed)
    layer = layers.Dropout(p, rng).eval()
    x, dout = rng.standard_normal(shape), rng.standard_normal(shape)
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(dout), dout)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_backward_before_forward_is_an_error(rng, mode):
    layer = getattr(layers.Dropout(0.5, rng), mode)()
    with pytest.raises(RuntimeError, match="Dropout.backward called before forward"):
        layer.backward(np.ones((2, 3)))
    layer.forward(np.ones((2, 3)))
    assert layer.backward(np.ones((2, 3))).shape == (2, 3)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_expectation_is_kept_over_many_masks(rng, p):
    x = rng.standard_normal(16)
    n_masks = 40_000
    mean = layers.Dropout(p, rng).forward(np.broadcast_to(x, (n_masks, 16))).mean(axis=0)
    standard_error = np.abs(x) * np.sqrt(p / (1 - p) / n_masks)
    z = np.abs(mean - x) / standard_error
    assert np.all(z < 5.0), f"mean over masks {mean}\ninput {x}\nz-scores {z}"


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_drops_units_outputs_with_probability_p_and_scales_survivors(rng, p):
    x = rng.uniform(0.5, 2.0, size=(300, 200))  # no zeros in the input
    out = layers.Dropout(p, rng).forward(x)
    dropped = out == 0.0
    # a binomial proportion over 60000 draws: standard error <= 0.0021
    assert abs(dropped.mean() - p) < 0.01, dropped.mean()
    np.testing.assert_allclose(out[~dropped], x[~dropped] / (1 - p), rtol=1e-12)


def test_training_mode_draws_a_new_mask_each_call(rng):
    layer = layers.Dropout(0.5, rng)
    x = np.ones((10, 10))
    assert not np.array_equal(layer.forward(x), layer.forward(x))


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, float("nan"), float("inf")])
def test_p_outside_unit_interval_raises_value_error_naming_p(rng, p):
    with pytest.raises(ValueError, match="p must"):
        layers.Dropout(p, rng)


@pytest.mark.parametrize("p", ["0.5", None, True])
def test_p_of_wrong_type_raises_type_error(rng, p):
    with pytest.raises(TypeError, match="p must"):
        layers.Dropout(p, rng)


def test_rng_is_required(rng):
    with pytest.raises(TypeError, match="rng"):
        layers.Dropout(0.5, None)

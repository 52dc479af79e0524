"""Tests for helpers.layers.RandomShift: data augmentation by rotating each sample.

The backward pass against central differences with frozen shifts, the rotation
against np.roll sample by sample, the identity in eval mode, the shifts' distribution,
and clear errors for bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import experiments, layers, losses
from helpers.gradcheck import check_layer


@settings(deadline=None, max_examples=40)
@given(
    n=st.integers(1, 5),
    length=st.integers(2, 9),
    fraction=st.floats(0.0, 0.99),
    seed=st.integers(0, 2**32 - 1),
)
def test_backward_matches_numerical_gradient_with_frozen_shifts(n, length, fraction, seed):
    rng = np.random.default_rng(seed)
    layer = layers.RandomShift(int(fraction * length), rng)
    layer.freeze_shifts = True
    report = check_layer(layer, rng.standard_normal((n, length)), rng=rng, tol=1e-6)
    assert report.passed, report.failure_message()
    assert "x" in report.errors


def test_each_row_is_rolled_by_its_own_shift(rng):
    layer = layers.RandomShift(3, rng)
    x = rng.standard_normal((6, 8))
    out = layer.forward(x)
    assert layer.shifts is not None and layer.shifts.shape == (6,)
    for row, s in enumerate(layer.shifts):
        np.testing.assert_array_equal(out[row], np.roll(x[row], s))
    dout = rng.standard_normal(x.shape)
    dx = layer.backward(dout)
    for row, s in enumerate(layer.shifts):
        np.testing.assert_array_equal(dx[row], np.roll(dout[row], -s))


def test_shifts_are_uniform_over_the_range_and_new_at_each_pass(rng):
    layer = layers.RandomShift(2, rng)
    x = np.zeros((20_000, 7))
    layer.forward(x)
    first = layer.shifts.copy()
    counts = np.bincount(first + 2, minlength=5) / first.size
    # 5 values of probability 0.2 each; the standard error of a count is 0.0028
    np.testing.assert_allclose(counts, 0.2, atol=0.015)
    layer.forward(x)
    assert np.mean(layer.shifts != first) > 0.7  # independent draws differ 80% of the time
    layer.freeze_shifts = True
    frozen = layer.shifts.copy()
    layer.forward(x)
    np.testing.assert_array_equal(layer.shifts, frozen)


@pytest.mark.parametrize("max_shift", [0, 4])
def test_eval_mode_and_zero_shift_are_the_identity(rng, max_shift):
    layer = layers.RandomShift(max_shift, rng)
    if max_shift:
        layer.eval()
    x, dout = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(dout), dout)


def test_the_same_generator_state_gives_the_same_shifts():
    x = np.arange(12.0).reshape(3, 4)
    a = layers.RandomShift(2, np.random.default_rng(7)).forward(x)
    b = layers.RandomShift(2, np.random.default_rng(7)).forward(x)
    np.testing.assert_array_equal(a, b)


def test_a_network_behind_it_trains_and_checks_its_gradient(rng):
    shift = layers.RandomShift(2, rng)
    model = layers.Sequential(shift, *experiments.mlp([6, 5, 3], "tanh", rng).layers)
    shift.freeze_shifts = True
    report = check_layer(model, rng.standard_normal((4, 6)), rng=rng, tol=1e-6)
    assert report.passed, report.failure_message()
    X, y = rng.standard_normal((30, 6)), rng.integers(0, 3, 30)
    history = experiments.train(
        model, losses.softmax_cross_entropy, X, y, lr=0.1, epochs=3, batch_size=10, rng=rng
    )
    assert history.train_loss[-1] < history.train_loss[0]
    assert not model.training  # evaluated without shifts


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((-1,), ValueError, "max_shift must be an integer >= 0"),
        ((1.5,), TypeError, "max_shift must be an integer"),
        ((True,), TypeError, "max_shift must be an integer"),
        ((2, "rng"), TypeError, "rng"),
    ],
)
def test_bad_arguments_are_named(rng, args, error, match):
    full = (*args, rng) if len(args) == 1 else args
    with pytest.raises(error, match=match):
        layers.RandomShift(*full)


def test_bad_inputs_are_named(rng):
    layer = layers.RandomShift(4, rng)
    with pytest.raises(ValueError, match="x must have"):
        layer.forward(np.ones(5))
    with pytest.raises(ValueError, match="max_shift must be below the signals' length L = 4"):
        layer.forward(np.ones((2, 4)))
    with pytest.raises(TypeError, match="freeze_shifts must be True or False"):
        layer.freeze_shifts = "yes"
    assert repr(layer) == "RandomShift(max_shift=4)"

"""Tests for helpers.regularization: the penalties against independent formulas, their
gradients against central differences, the proximal step, and the error messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import layers
from helpers.gradcheck import check_grad
from helpers.regularization import (
    Penalty,
    is_weight,
    l1_penalty,
    l2_penalty,
    soft_threshold,
)

shapes = st.lists(st.integers(1, 5), min_size=1, max_size=2).map(tuple)
lams = st.floats(0.0, 5.0)
seeds = st.integers(0, 2**32 - 1)


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Entries with |w| >= 0.05, so that no central difference straddles L1's kink."""
    magnitude = 0.05 + np.abs(rng.standard_normal(shape))
    return np.where(rng.random(shape) < 0.5, -magnitude, magnitude)


@settings(deadline=None, max_examples=50)
@given(shape=shapes, lam=lams, seed=seeds)
def test_l2_gradient_matches_central_differences(shape, lam, seed):
    w = np.random.default_rng(seed).standard_normal(shape)
    value, grads = l2_penalty({"W": w}, lam)
    check_grad(lambda w_: l2_penalty({"W": w_}, lam)[0], grads["W"], w, tol=1e-7)
    assert value == pytest.approx(0.5 * lam * np.sum(w**2), rel=1e-12, abs=1e-300)


@settings(deadline=None, max_examples=50)
@given(shape=shapes, lam=lams, seed=seeds)
def test_l1_gradient_matches_central_differences_away_from_zero(shape, lam, seed):
    w = away_from_zero(np.random.default_rng(seed), shape)
    value, grads = l1_penalty({"W": w}, lam)
    check_grad(lambda w_: l1_penalty({"W": w_}, lam)[0], grads["W"], w, tol=1e-7)
    assert value == pytest.approx(lam * np.sum(np.abs(w)), rel=1e-12, abs=1e-300)


def test_l1_subgradient_is_zero_at_zero():
    _, grads = l1_penalty({"W": np.array([[-2.0, 0.0, 3.0]])}, 0.5)
    np.testing.assert_array_equal(grads["W"], [[-0.5, 0.0, 0.5]])


def test_only_weights_are_penalised_in_a_sequential(rng):
    net = layers.Sequential(
        layers.Linear(3, 4, rng=rng), layers.Tanh(), layers.Linear(4, 2, rng=rng)
    )
    for p in net.params.values():
        p += 1.0  # make the biases nonzero, so that a wrongly included bias would count
    for penalty, expected in [
        (l2_penalty, 0.5 * 0.1 * sum(np.sum(net.params[k] ** 2) for k in ("0.W", "2.W"))),
        (l1_penalty, 0.1 * sum(np.sum(np.abs(net.params[k])) for k in ("0.W", "2.W"))),
    ]:
        value, grads = penalty(net.params, 0.1)
        assert set(grads) == {"0.W", "2.W"}
        assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("W", True),
        ("0.W", True),
        ("block.3.W", True),
        ("b", False),
        ("0.b", False),
        ("alpha", False),
        ("0.Wx", False),
        ("gamma", False),
    ],
)
def test_is_weight(name, expected):
    assert is_weight(name) is expected


@settings(deadline=None, max_examples=50)
@given(v=st.floats(-10, 10), t=st.floats(0, 5))
def test_soft_threshold_minimises_the_proximal_objective(v, t):
    w = float(soft_threshold(np.array(v), t))
    objective = lambda w_: 0.5 * (w_ - v) ** 2 + t * abs(w_)  # noqa: E731
    # an independent check: the objective is convex, so w beats every nearby point
    for other in (w - 1e-3, w + 1e-3, 0.0, v):
        assert objective(w) <= objective(other) + 1e-12, (v, t, w, other)
    assert (w == 0.0) == (abs(v) <= t)


def test_soft_threshold_gives_exact_zeros():
    out = soft_threshold(np.array([-0.5, -0.01, 0.0, 0.01, 0.3]), 0.01)
    np.testing.assert_array_equal(out, [-0.49, 0.0, 0.0, 0.0, 0.29])
    assert np.sum(out == 0.0) == 3
    assert not np.any(np.signbit(out[out == 0.0])), "zeros must be +0.0, not -0.0"


def test_proximal_step_thresholds_weights_in_place_and_leaves_biases(rng):
    layer = layers.Linear(5, 3, rng=rng)
    layer.params["b"][:] = 0.001
    w_before, b_before = layer.params["W"].copy(), layer.params["b"].copy()
    Penalty("l1", 0.5, proximal=True).proximal_step(layer.params, lr=0.2)
    np.testing.assert_array_equal(layer.params["W"], soft_threshold(w_before, 0.1))
    np.testing.assert_array_equal(layer.params["b"], b_before)


def test_penalty_call_matches_the_functions(rng):
    params = {"0.W": rng.standard_normal((3, 2)), "0.b": rng.standard_normal(2)}
    for kind, fn in [("l1", l1_penalty), ("l2", l2_penalty)]:
        value, grads = Penalty(kind, 0.2)(params)
        expected_value, expected_grads = fn(params, 0.2)
        assert value == expected_value
        np.testing.assert_array_equal(grads["0.W"], expected_grads["0.W"])
    assert (
        repr(Penalty("l1", 0.01, proximal=True)) == "Penalty(l1, lam=0.01, proximal; weights only)"
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: l2_penalty({"W": np.ones(2)}, -1.0), ValueError, "lam"),
        (lambda: l1_penalty({"W": np.ones(2)}, "0.1"), TypeError, "lam"),
        (lambda: l2_penalty([np.ones(2)], 0.1), TypeError, "params"),
        (lambda: l1_penalty({"W": "abc"}, 0.1), TypeError, "params\\['W'\\]"),
        (lambda: soft_threshold(np.ones(2), -0.1), ValueError, "threshold"),
        (lambda: Penalty("l3", 0.1), ValueError, "kind"),
        (lambda: Penalty("l2", 0.1, proximal=True), ValueError, "proximal"),
        (lambda: Penalty("l1", 0.1).proximal_step({"W": np.ones(2)}, 0.1), ValueError, "proximal"),
        (
            lambda: Penalty("l1", 0.1, proximal=True).proximal_step({"W": np.ones(2)}, 0.0),
            ValueError,
            "lr",
        ),
    ],
)
def test_bad_arguments_raise_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_proximal_step_refuses_integer_weights_instead_of_truncating():
    weights = np.array([[3, -2]])
    with pytest.raises(TypeError, match=r"params\['W'\] must be a float64"):
        Penalty("l1", 0.5, proximal=True).proximal_step({"W": weights}, 1.0)
    np.testing.assert_array_equal(weights, [[3, -2]])
    floats = {"W": np.array([[3.0, -2.0]])}
    Penalty("l1", 0.5, proximal=True).proximal_step(floats, 1.0)
    np.testing.assert_array_equal(floats["W"], [[2.5, -1.5]])


def test_the_proximal_step_refuses_one_weight_under_two_names():
    w = np.array([1.0, -1.0])
    with pytest.raises(ValueError, match="share memory"):
        Penalty("l1", 0.5, proximal=True).proximal_step({"0.W": w, "1.W": w}, 1.0)
    np.testing.assert_array_equal(w, [1.0, -1.0])


def test_penalties_refuse_non_finite_weights_by_name():
    with pytest.raises(ValueError, match=r"params\['W'\] must be finite"):
        l2_penalty({"W": np.array([np.nan])}, 0.1)

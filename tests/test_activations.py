"""helpers.activations: derivatives, numerical safety and argument checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from helpers import gradcheck
from helpers.activations import (
    ACTIVATIONS,
    SELU_ALPHA,
    SELU_LAMBDA,
    get,
    log_softmax,
    logsumexp,
    sample_rrelu_slopes,
    softmax,
)
from tests.support.gradients import round_off_floor

NAMES = list(ACTIVATIONS)
KINKED = {"relu", "leaky_relu", "prelu", "rrelu", "elu", "selu"}

finite = st.floats(-6, 6, allow_nan=False, allow_infinity=False)


def test_registry_holds_the_eleven_activations():
    assert NAMES == [
        "sigmoid", "tanh", "relu", "leaky_relu", "prelu",
        "rrelu", "elu", "selu", "gelu", "silu", "softplus",
    ]  # fmt: skip
    for name, act in ACTIVATIONS.items():
        assert act.name == name and repr(act).startswith(f"Activation({name!r}")


@settings(deadline=None, max_examples=40)
@given(
    name=st.sampled_from(NAMES),
    x=arrays(np.float64, array_shapes(max_dims=2, max_side=6), elements=finite),
)
def test_grad_matches_numerical_gradient(name, x):
    act = ACTIVATIONS[name]
    if name in KINKED:  # no derivative at the kink, so keep central differences off it
        x = np.where(np.abs(x) < 1e-3, 0.5, x)
    weights = np.linspace(-1.0, 1.5, x.size).reshape(x.shape)
    analytic = weights * act.grad(x)
    numeric = gradcheck.numerical_grad(lambda x_: np.sum(weights * act.fn(x_)), x.copy())
    err = gradcheck.rel_error(analytic, numeric)
    # Where the slope is tiny (tanh at 6: 2.5e-5) the central difference's round-off,
    # about eps * sum|weights * f(x)| / h, is what the relative error measures; there
    # the two are compared against that floor (found by hypothesis: tanh, x = 6).
    floor = round_off_floor(weights * act.fn(x))
    difference = np.max(np.abs(analytic - numeric), initial=0.0)
    assert err < 1e-6 or difference < floor, f"{name}: analytic {analytic} vs numeric {numeric}"


@pytest.mark.parametrize("name", ["leaky_relu", "prelu", "elu"])
@settings(deadline=None, max_examples=20)
@given(alpha=st.floats(0.01, 2.0), x=arrays(np.float64, (5,), elements=finite))
def test_param_grad_matches_numerical_gradient(name, alpha, x):
    act = ACTIVATIONS[name]
    a = np.array(alpha)
    numeric = gradcheck.numerical_grad(lambda a_: np.sum(act.fn(x, alpha=a_)), a.copy())
    analytic = np.sum(act.param_grad(x, "alpha", alpha=alpha))
    # mixed tolerance: a true gradient near 0 is compared in absolute terms, since a
    # central difference carries round-off of about 1e-10 times the loss
    assert abs(analytic - numeric) < 1e-6 * max(1.0, abs(analytic)), (analytic, numeric)


@pytest.mark.parametrize("name", NAMES)
def test_finite_and_silent_at_extremes(name):
    x = np.array([-1000.0, -700.0, -1.0, 0.0, 1.0, 700.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, dy = ACTIVATIONS[name].fn(x), ACTIVATIONS[name].grad(x)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dy))


def test_known_values():
    assert ACTIVATIONS["sigmoid"].fn(np.array(-1000.0)) == 0.0
    assert ACTIVATIONS["sigmoid"].grad(np.array(0.0)) == 0.25
    assert ACTIVATIONS["relu"].grad(np.array(0.0)) == 0.0  # the convention frameworks use
    assert ACTIVATIONS["elu"].defaults["alpha"] == 1.0
    x = np.linspace(-5, 5, 101)
    np.testing.assert_allclose(
        ACTIVATIONS["tanh"].fn(x), 2 * ACTIVATIONS["sigmoid"].fn(2 * x) - 1, atol=1e-15
    )
    np.testing.assert_allclose(ACTIVATIONS["gelu"].fn(np.array(1.0)), 0.8413447460685429)
    np.testing.assert_allclose(ACTIVATIONS["softplus"].fn(np.array(0.0)), np.log(2))


def test_selu_is_a_scaled_elu_with_the_papers_constants():
    # Klambauer et al. (2017) give alpha = 1.6733 and lambda = 1.0507
    assert round(SELU_ALPHA, 4) == 1.6733 and round(SELU_LAMBDA, 4) == 1.0507
    x = np.linspace(-5, 5, 101)
    elu = ACTIVATIONS["elu"]
    np.testing.assert_allclose(
        ACTIVATIONS["selu"].fn(x), SELU_LAMBDA * elu.fn(x, alpha=SELU_ALPHA), rtol=1e-15
    )
    # the left derivative at the kink, as for the rest of the ReLU family
    assert ACTIVATIONS["selu"].grad(np.array(0.0)) == SELU_LAMBDA * SELU_ALPHA
    assert ACTIVATIONS["selu"].grad(np.array(1e-300)) == SELU_LAMBDA
    assert dict(ACTIVATIONS["selu"].defaults) == {}


def test_selu_keeps_mean_zero_and_variance_one():
    """The fixed point: for z ~ N(0, 1), E[selu(z)] = 0 and E[selu(z)^2] = 1, by
    Gauss-Legendre quadrature on [-40, 0] and [0, 40] (selu is smooth on either side
    of its kink at 0, so each side is integrated on its own; beyond 40 the normal
    density is below 1e-340)."""
    nodes, weights = np.polynomial.legendre.leggauss(200)
    moments = []
    for power in (1, 2):
        total = 0.0
        for lo, hi in ((-40.0, 0.0), (0.0, 40.0)):  # the kink at 0 is an endpoint
            z = (hi - lo) / 2 * nodes + (hi + lo) / 2
            density = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
            total += (hi - lo) / 2 * np.sum(weights * density * ACTIVATIONS["selu"].fn(z) ** power)
        moments.append(total)
    assert abs(moments[0]) < 1e-14 and abs(moments[1] - 1) < 1e-14, moments


def test_selu_refuses_parameters():
    with pytest.raises(ValueError, match="its parameters are: none"):
        ACTIVATIONS["selu"].fn(np.ones(2), alpha=1.0)


def test_rrelu_training_slopes_average_to_eval_slope(rng):
    slopes = sample_rrelu_slopes((200_000,), rng)
    assert slopes.min() >= 1 / 8 and slopes.max() <= 1 / 3
    x = -np.ones_like(slopes)
    train = ACTIVATIONS["rrelu"].fn(x, slope=slopes).mean()
    assert abs(train - ACTIVATIONS["rrelu"].fn(np.array(-1.0))) < 1e-3


@settings(deadline=None, max_examples=50)
@given(
    x=arrays(
        np.float64, array_shapes(min_dims=1, max_dims=3, max_side=5), elements=st.floats(-1e3, 1e3)
    ),
    data=st.data(),
)
def test_softmax_sums_to_one_along_axis(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    p = softmax(x, axis=axis)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(log_softmax(x, axis=axis)), p, atol=1e-12)
    assert np.all(np.isfinite(log_softmax(x, axis=axis)))


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="valid names: sigmoid, tanh, relu"):
        ACTIVATIONS["swishy"]
    with pytest.raises(ValueError, match="softplus"):
        get("Relu")


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: ACTIVATIONS["relu"].fn("abc"), TypeError, "x must be"),
        (lambda: ACTIVATIONS["relu"].fn(np.array(["a"])), TypeError, "x must hold real"),
        (lambda: ACTIVATIONS["relu"].fn(np.array([1 + 2j])), ValueError, "x must hold real"),
        (lambda: ACTIVATIONS["relu"].fn([[1.0], [2.0, 3.0]]), ValueError, "x must be"),
        (lambda: ACTIVATIONS["leaky_relu"].fn(1.0, alpha="big"), ValueError, "alpha"),
        (lambda: ACTIVATIONS["leaky_relu"].fn(1.0, slope=0.1), ValueError, "slope"),
        (lambda: ACTIVATIONS["elu"].fn(1.0, alpha=-1.0), ValueError, "alpha must be >= 0"),
        (lambda: ACTIVATIONS["elu"].fn(1.0, alpha=float("nan")), ValueError, "alpha"),
        (lambda: ACTIVATIONS["rrelu"].fn(1.0, lower=0.5, upper=0.2), ValueError, "lower"),
        (lambda: ACTIVATIONS["tanh"].param_grad(1.0, "alpha"), ValueError, "learnable"),
        (lambda: softmax(np.ones((2, 3)), axis=2), ValueError, "axis=2"),
        (lambda: softmax(np.ones((2, 3)), axis=1.0), TypeError, "axis must be an int"),
        (lambda: softmax(np.float64(1.0)), ValueError, "scalar"),
        (lambda: sample_rrelu_slopes((2,), rng=0), TypeError, "rng must be"),
    ],
)
def test_bad_input_gets_a_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_gelu_is_accurate_in_the_left_tail():
    # Phi(-6) = 9.8659e-10 and Phi(-8) = 6.2210e-16 (normal tail tables); x * Phi(x) with
    # Phi from 1 + erf would keep about one significant digit at x = -8.
    x = np.array([-8.0, -6.0])
    expected = x * np.array([6.2210e-16, 9.8659e-10])
    np.testing.assert_allclose(ACTIVATIONS["gelu"].fn(x), expected, rtol=1e-4)


# --- infinities, NaN and huge inputs: IEEE arithmetic with the right limits ---------


@pytest.mark.parametrize(
    ("name", "fn_limits", "grad_limits"),
    [
        ("gelu", (0.0, np.inf), (0.0, 1.0)),
        ("silu", (0.0, np.inf), (0.0, 1.0)),
        ("sigmoid", (0.0, 1.0), (0.0, 0.0)),
        ("softplus", (0.0, np.inf), (0.0, 1.0)),
        ("elu", (-1.0, np.inf), (0.0, 1.0)),
        ("selu", (-SELU_LAMBDA * SELU_ALPHA, np.inf), (0.0, SELU_LAMBDA)),
    ],
)
def test_limits_at_infinity(name, fn_limits, grad_limits):
    x = np.array([-np.inf, np.inf])
    np.testing.assert_array_equal(ACTIVATIONS[name].fn(x), fn_limits)
    np.testing.assert_array_equal(ACTIVATIONS[name].grad(x), grad_limits)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_nan_in_nan_out_and_silent_up_to_1e308(name):
    x = np.array([np.nan, 1e308, -1e308, 1.3e154, -1.3e200, 2.0])
    value, slope = ACTIVATIONS[name].fn(x), ACTIVATIONS[name].grad(x)  # RuntimeWarning = error
    assert np.isnan(value[0]) and np.isnan(slope[0])
    assert not np.isnan(value[1:]).any() and not np.isnan(slope[1:]).any()


def test_a_zero_slope_is_zero_at_minus_infinity():
    # alpha * x with alpha = 0 is 0 on the whole negative side, -inf included
    np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"].fn(-np.inf, alpha=0.0), 0.0)


@pytest.mark.parametrize(
    ("x", "p"),
    [
        ([0.0, -np.inf], [1.0, 0.0]),  # masking
        ([np.inf, 0.0], [1.0, 0.0]),
        ([np.inf, np.inf, 0.0], [0.5, 0.5, 0.0]),
        ([-np.inf, -np.inf], [0.5, 0.5]),
        ([1e308, -1e308], [1.0, 0.0]),
    ],
)
def test_softmax_at_infinite_and_huge_logits(x, p):
    np.testing.assert_array_equal(softmax(np.array(x)), p)
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(log_softmax(np.array(x)), np.log(p))


def test_logsumexp_without_overflow():
    x = np.array([[1e308, 1e308], [0.0, -np.inf], [-np.inf, -np.inf], [np.nan, 1.0]])
    out = logsumexp(x)
    assert out[0] == pytest.approx(1e308, rel=1e-15)
    assert out[1] == 0.0 and out[2] == -np.inf and np.isnan(out[3])
    plain = np.array([[0.5, -2.0, 3.0]])
    assert logsumexp(plain)[0] == pytest.approx(np.log(np.exp(plain).sum()), rel=1e-15)


def test_a_nan_makes_its_row_nan_and_only_its_row():
    out = softmax(np.array([[np.nan, 0.0], [1.0, 1.0]]))
    assert np.isnan(out[0]).all() and np.array_equal(out[1], [0.5, 0.5])


def test_the_registry_answers_in_and_its_defaults_are_read_only():
    assert "relu" in ACTIVATIONS and "nope" not in ACTIVATIONS and 5 not in ACTIVATIONS
    with pytest.raises(TypeError):
        ACTIVATIONS["leaky_relu"].defaults["alpha"] = 0.5  # type: ignore[index]
    assert ACTIVATIONS["leaky_relu"].fn(-1.0) == -0.01


def test_a_per_element_parameter_must_fit_x():
    with pytest.raises(ValueError, match="alpha of shape"):
        ACTIVATIONS["leaky_relu"].fn(np.ones((3, 4)), alpha=np.ones(2))

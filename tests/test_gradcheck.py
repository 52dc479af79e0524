"""helpers.gradcheck: the checker must pass correct gradients and catch wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import gradcheck, layers


def test_numerical_grad_of_a_known_function(rng):
    x = rng.standard_normal((3, 4))
    numeric = gradcheck.numerical_grad(lambda x_: np.sum(x_**3), x)
    np.testing.assert_allclose(numeric, 3 * x**2, rtol=1e-8, atol=1e-9)


def test_numerical_grad_restores_its_input(rng):
    x = rng.standard_normal(5)
    before = x.copy()
    gradcheck.numerical_grad(lambda x_: float(np.sum(np.sin(x_))), x)
    assert np.array_equal(x, before)


def test_rel_error_scale():
    assert gradcheck.rel_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    assert gradcheck.rel_error(np.array([1.0]), np.array([1.1])) == pytest.approx(0.1 / 2.1)
    # an entry that is tiny next to the largest is judged on the gradient's scale
    assert gradcheck.rel_error(np.array([1.0, 0.0]), np.array([1.0, 1e-12])) < 1e-8


class _WrongLinear(layers.Linear):
    """A Linear whose weight gradient is off by a factor of 2: the checker must notice."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.grads["W"] = 2 * self.grads["W"]
        return dx


def test_check_layer_passes_a_correct_layer_and_catches_a_wrong_one(rng):
    x = rng.standard_normal((4, 3))
    report = gradcheck.check_layer(layers.Linear(3, 2, rng=rng), x)
    assert report.passed and set(report.errors) == {"x", "W", "b"}
    with pytest.raises(AssertionError, match="analytic") as info:
        gradcheck.check_layer(_WrongLinear(3, 2, rng=rng), x)
    assert "W" in str(info.value) and "numeric" in str(info.value)
    report = gradcheck.check_layer(_WrongLinear(3, 2, rng=rng), x, raise_on_failure=False)
    assert not report.passed and report.errors["W"] > 0.1 and report.errors["b"] < 1e-6


def test_check_grad_catches_a_wrong_gradient(rng):
    x = rng.standard_normal(6)
    gradcheck.check_grad(lambda x_: np.sum(x_**2), 2 * x, x)
    with pytest.raises(AssertionError):
        gradcheck.check_grad(lambda x_: np.sum(x_**2), 3 * x, x)


@pytest.mark.parametrize(
    ("call", "exc"),
    [
        (lambda: gradcheck.numerical_grad(lambda x: 0.0, [1.0, 2.0]), TypeError),
        (lambda: gradcheck.numerical_grad(lambda x: 0.0, np.arange(3)), TypeError),
        (lambda: gradcheck.numerical_grad("f", np.zeros(3)), TypeError),
        (lambda: gradcheck.numerical_grad(lambda x: 0.0, np.zeros(3), h=0.0), ValueError),
        (lambda: gradcheck.rel_error(np.zeros(2), np.zeros(3)), ValueError),
        (lambda: gradcheck.check_grad(lambda x: 0.0, np.zeros(2), np.zeros(3)), ValueError),
        (lambda: gradcheck.check_layer(object(), np.zeros((2, 2))), TypeError),
    ],
)
def test_bad_input_gets_a_clear_error(call, exc):
    with pytest.raises(exc):
        call()


def test_the_default_dout_does_not_depend_on_the_callers_data():
    """Drawn from default_rng(0), dout equalled x drawn from default_rng(0): for a
    normalisation layer dL/dx is then about 0, and the check failed a correct layer."""
    from helpers import norm

    x = np.random.default_rng(0).standard_normal((8, 4))
    for layer in (norm.BatchNorm(4), norm.LayerNorm(4)):
        report = gradcheck.check_layer(layer, x)
        assert report.passed and report.max_error < 1e-6, report
    dout = np.random.default_rng(gradcheck.DOUT_SEED).standard_normal((8, 4))
    assert not np.allclose(dout, x)


def test_the_default_dout_is_the_same_on_every_call(rng):
    x = rng.standard_normal((4, 3))
    first = gradcheck.check_layer(layers.Tanh(), x).analytic["x"]
    np.testing.assert_array_equal(gradcheck.check_layer(layers.Tanh(), x).analytic["x"], first)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: gradcheck.check_layer(layers.Tanh(), np.ones((2, 2)), rng=42), "rng must be"),
        (lambda: gradcheck.numerical_grad(np.sum, np.full(2, 1e300)), "lost in rounding"),
        (lambda: gradcheck.numerical_grad(lambda x: x, np.ones(2)), "one real number"),
        (lambda: gradcheck.check_layer(layers.Tanh(), np.ones((2, 2)), tol=-1.0), "tol"),
    ],
)
def test_more_bad_input_is_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_numerical_grad_restores_x_when_f_fails():
    x = np.arange(3.0)

    def fails(_: np.ndarray) -> float:
        raise KeyError("inside f")

    with pytest.raises(KeyError):
        gradcheck.numerical_grad(fails, x)
    np.testing.assert_array_equal(x, np.arange(3.0))

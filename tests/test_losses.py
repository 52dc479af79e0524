"""Tests for helpers.losses: values against direct formulas, gradients against central
differences, stability on extreme logits, and errors that name their argument."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import losses
from helpers.gradcheck import check_grad
from tests.support.gradients import round_off_floor

TOL = 1e-6
seeds = st.integers(0, 2**32 - 1)
batch_sizes = st.integers(1, 6)
class_counts = st.integers(2, 6)


def one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[labels]


def naive_cross_entropy(logits: np.ndarray, target: np.ndarray) -> float:
    """Textbook softmax then log, fine for moderate logits: an independent answer."""
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return float(-np.sum(target * np.log(p)) / logits.shape[0])


# --- mse ----------------------------------------------------------------------------


@settings(deadline=None, max_examples=50)
@given(n=batch_sizes, k=class_counts, seed=seeds)
def test_mse_value_and_gradient(n, k, seed):
    rng = np.random.default_rng(seed)
    y_hat, y = rng.standard_normal((n, k)), rng.standard_normal((n, k))
    value, grad = losses.mse(y_hat, y)
    expected = sum((y_hat[i, j] - y[i, j]) ** 2 for i in range(n) for j in range(k)) / (n * k)
    assert value == pytest.approx(expected, rel=1e-12), (value, expected)
    assert grad.shape == y_hat.shape
    report = check_grad(lambda yh: losses.mse(yh, y)[0], grad, y_hat, tol=TOL, name="y_hat")
    assert report.passed, report.failure_message()


def test_mse_is_half_the_summed_squares_for_two_outputs():
    # For one sample with two outputs, mean = (1/2) sum: the loss E of the worked example.
    out, target = np.array([[0.75, 0.77]]), np.array([[0.01, 0.99]])
    value, grad = losses.mse(out, target)
    assert value == pytest.approx(0.5 * np.sum((target - out) ** 2), rel=1e-14)
    np.testing.assert_allclose(grad, out - target, rtol=1e-14)


def test_mse_is_zero_at_the_target():
    y = np.arange(6.0).reshape(2, 3)
    value, grad = losses.mse(y, y)
    assert value == 0.0
    assert not np.any(grad)


# --- softmax_cross_entropy ----------------------------------------------------------


@settings(deadline=None, max_examples=50)
@given(n=batch_sizes, k=class_counts, seed=seeds, scale=st.floats(0.1, 5.0))
def test_softmax_cross_entropy_integer_labels(n, k, seed, scale):
    rng = np.random.default_rng(seed)
    logits = scale * rng.standard_normal((n, k))
    labels = rng.integers(0, k, size=n)
    value, grad = losses.softmax_cross_entropy(logits, labels)
    expected = naive_cross_entropy(logits, one_hot(labels, k))
    assert value == pytest.approx(expected, rel=1e-10), (value, expected)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)
    report = check_grad(
        lambda z: losses.softmax_cross_entropy(z, labels)[0],
        grad,
        logits,
        tol=TOL,
        name="logits",
        raise_on_failure=False,
    )
    # The loss log-sum-exp(z) - z_y cancels digits when one logit dominates (loss ~1e-6
    # from logits ~6), so its central difference carries round-off of about
    # eps * max|z| / h; below that floor the relative error says nothing.
    round_off = round_off_floor(np.abs(logits).max())
    difference = np.abs(report.analytic["logits"] - report.numeric["logits"]).max()
    assert report.passed or difference < round_off, report.failure_message()


def test_softmax_cross_entropy_gradient_where_one_logit_dominates():
    # The case that needs the round-off floor above. The gradient is right to within
    # softmax - y's own round-off (1 - p, then - 1, loses about eps absolute).
    logits = np.array([[6.12275736, -7.66699509]])
    value, grad = losses.softmax_cross_entropy(logits, np.array([0]))
    p = 1.0 / (1.0 + np.exp(logits[0, 0] - logits[0, 1]))
    np.testing.assert_allclose(value, np.log1p(p / (1 - p)), rtol=1e-12)
    np.testing.assert_allclose(grad, [[-p, p]], rtol=1e-12, atol=4 * np.finfo(float).eps)


@settings(deadline=None, max_examples=50)
@given(n=batch_sizes, k=class_counts, seed=seeds)
def test_softmax_cross_entropy_soft_targets(n, k, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, k))
    target = rng.dirichlet(np.ones(k), size=n)
    value, grad = losses.softmax_cross_entropy(logits, target)
    assert value == pytest.approx(naive_cross_entropy(logits, target), rel=1e-10)
    report = check_grad(
        lambda z: losses.softmax_cross_entropy(z, target)[0], grad, logits, tol=TOL, name="logits"
    )
    assert report.passed, report.failure_message()


@settings(deadline=None, max_examples=30)
@given(n=batch_sizes, k=class_counts, seed=seeds)
def test_one_hot_and_integer_labels_agree(n, k, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, k))
    labels = rng.integers(0, k, size=n)
    value_int, grad_int = losses.softmax_cross_entropy(logits, labels)
    value_hot, grad_hot = losses.softmax_cross_entropy(logits, one_hot(labels, k))
    assert value_int == pytest.approx(value_hot, rel=1e-14)
    np.testing.assert_allclose(grad_int, grad_hot, rtol=1e-14)


@pytest.mark.parametrize("magnitude", [1e3, -1e3])
def test_softmax_cross_entropy_finite_for_extreme_logits(magnitude):
    logits = np.array([[magnitude, -magnitude, 0.0], [magnitude, magnitude, -magnitude]])
    labels = np.array([1, 2])
    # exp(-2000) underflowing to 0 is exact enough; overflow or 0 * inf would not be.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grad = losses.softmax_cross_entropy(logits, labels)
    assert np.isfinite(value) and np.all(np.isfinite(grad)), (value, grad)
    # Independent answer: -log softmax_y = logsumexp(z) - z_y, with the max taken out by hand.
    top = logits.max(axis=1)
    lse = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
    expected = float(np.mean(lse - logits[np.arange(2), labels]))
    assert value == pytest.approx(expected, rel=1e-12), (value, expected)


@settings(deadline=None, max_examples=30)
@given(n=batch_sizes, k=class_counts, seed=seeds)
def test_softmax_cross_entropy_finite_for_random_huge_logits(n, k, seed):
    rng = np.random.default_rng(seed)
    logits = 1e3 * np.sign(rng.standard_normal((n, k)))
    value, grad = losses.softmax_cross_entropy(logits, rng.integers(0, k, size=n))
    assert np.isfinite(value) and value >= 0.0
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-12)


def test_confident_correct_prediction_has_near_zero_loss():
    value, grad = losses.softmax_cross_entropy(np.array([[50.0, 0.0]]), np.array([0]))
    assert 0.0 <= value < 1e-20
    assert np.max(np.abs(grad)) < 1e-20


# --- errors name their argument -----------------------------------------------------


def test_mse_shape_mismatch_names_both_arguments():
    with pytest.raises(
        ValueError, match=r"y_hat and y must have the same shape.*\(2, 3\).*\(3, 2\)"
    ):
        losses.mse(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="y_hat must not be empty"):
        losses.mse(np.ones((0, 2)), np.ones((0, 2)))
    with pytest.raises(TypeError, match="y_hat"):
        losses.mse("0.5", np.ones(1))


def test_labels_out_of_range_name_y_and_the_range():
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"labels y must be in \[0, 4\).*\[0, 4\]"):
        losses.softmax_cross_entropy(logits, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"labels y must be in \[0, 4\).*\[-1, 2\]"):
        losses.softmax_cross_entropy(logits, np.array([-1, 2, 1]))


def test_label_and_logit_shape_mismatches_name_the_argument():
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"y must have shape \(3,\)"):
        losses.softmax_cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"one-hot y must have shape \(3, 4\)"):
        losses.softmax_cross_entropy(logits, np.eye(3))
    with pytest.raises(ValueError, match="one-hot y must have non-negative rows that sum to 1"):
        losses.softmax_cross_entropy(logits, np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"logits must have shape \(N, K\)"):
        losses.softmax_cross_entropy(np.zeros(4), np.array([1]))
    with pytest.raises(ValueError, match="at least one sample"):
        losses.softmax_cross_entropy(np.zeros((0, 4)), np.array([], dtype=int))
    with pytest.raises(TypeError, match="integer labels y must have an integer dtype"):
        losses.softmax_cross_entropy(logits, np.array([0.0, 1.0, 2.0]))


# --- masked logits and huge values -----------------------------------------------------


def test_masked_logits_give_the_limit_not_nan():
    loss, grad = losses.softmax_cross_entropy(np.array([[0.0, -np.inf]]), np.array([0]))
    assert loss == 0.0 and np.array_equal(grad, [[0.0, 0.0]])
    loss, grad = losses.softmax_cross_entropy(np.array([[0.0, -np.inf]]), np.array([1]))
    assert loss == np.inf and np.array_equal(grad, [[1.0, -1.0]])  # -log 0, finite gradient
    one_hot_loss, _ = losses.softmax_cross_entropy(
        np.array([[-np.inf, 3.0, -np.inf]]), np.array([[0.0, 1.0, 0.0]])
    )
    assert one_hot_loss == 0.0


def test_cross_entropy_refuses_nan_logits_by_name():
    with pytest.raises(ValueError, match="logits must not hold NaN"):
        losses.softmax_cross_entropy(np.array([[np.nan, 0.0]]), np.array([0]))


def test_mse_refuses_non_finite_input_and_an_overflowing_value():
    with pytest.raises(ValueError, match="y_hat must be finite"):
        losses.mse(np.array([np.inf]), np.array([0.0]))
    with pytest.raises(ValueError, match="y_hat - y is too large"):
        losses.mse(np.array([1e200]), np.array([0.0]))
    value, grad = losses.mse(np.array([1e150]), np.array([0.0]))  # 1e300: still a number
    assert value == pytest.approx(1e300, rel=1e-14) and grad[0] == pytest.approx(2e150)

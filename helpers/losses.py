"""Loss functions. Each returns ``(value, grad)``: the scalar loss and dL/d(prediction).

Shapes: N samples, K classes or outputs.

Like layers, losses refuse NaN (and :func:`mse` any infinity) with a ValueError naming
the argument. :func:`softmax_cross_entropy` accepts infinite logits, as masking writes
them: a logit of -inf is a class with probability 0, so the cross-entropy of [[0, -inf]]
with label 0 is 0, and with label 1 it is inf (-log 0), with a finite gradient.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    ArgumentTypeError,
    NonFiniteError,
    as_array,
    as_finite_array,
    as_float_array,
    check_finite,
    check_ndim,
    check_not_empty,
)
from .activations import log_softmax

Array = np.ndarray


def mse(y_hat: Array, y: Array) -> tuple[float, Array]:
    """Mean squared error over all entries: L = mean((y_hat - y)^2).

    y_hat, y: same shape, e.g. (N, K), finite. returns (L, dL/dy_hat) with dL/dy_hat
    shaped like y_hat: 2 (y_hat - y) / y_hat.size.
    """
    y_hat, y = as_float_array(y_hat, "y_hat"), as_float_array(y, "y")
    if y_hat.shape != y.shape:
        raise ValueError(f"y_hat and y must have the same shape, got {y_hat.shape} and {y.shape}")
    check_not_empty(y_hat, "y_hat")
    with np.errstate(over="ignore", invalid="ignore"):
        diff = y_hat - y
        value = float(np.mean(diff**2))
    if not np.isfinite(value):  # a NaN or an infinity in either makes the mean one
        check_finite(y_hat, "y_hat")
        check_finite(y, "y")
        raise NonFiniteError(
            "the squared error overflows float64 (beyond about 1.8e308): y_hat - y is too "
            f"large (largest |y_hat - y| {np.max(np.abs(diff)):.3g})"
        )
    return value, 2.0 * diff / diff.size


def softmax_cross_entropy(logits: Array, y: Array) -> tuple[float, Array]:
    """Softmax followed by cross-entropy, fused and numerically stable.

    logits: (N, K) unnormalised scores; -inf masks a class (see the module docstring).
    y: (N,) integer labels in [0, K), or (N, K) one-hot (or any rows of probabilities).
    returns (L, dL/dlogits) with L = -mean_n sum_k y_nk log softmax(logits)_nk and
    dL/dlogits = (softmax(logits) - y) / N.
    """
    logits = as_float_array(logits, "logits")
    check_ndim(logits, "logits", (2,), "(N, K)")
    n, k = logits.shape
    if n == 0 or k == 0:
        raise ValueError(f"logits must hold at least one sample and one class, got {logits.shape}")
    if np.isnan(logits).any():
        raise NonFiniteError("logits must not hold NaN (-inf masks a class, +inf is allowed)")
    target = _targets(y, n, k)
    log_p = log_softmax(logits, axis=1)
    # A class with target 0 adds nothing, even where log p = -inf (a masked class):
    # IEEE's 0 * -inf would be NaN.
    terms = target * np.where(target > 0, log_p, 0.0)
    with np.errstate(over="ignore"):
        loss = -float(np.sum(terms)) / n + 0.0  # + 0.0 turns -0.0 into 0.0
    if np.isinf(loss) and np.isfinite(terms).all():  # the sum overflowed, not the mean
        loss = -float(np.sum(terms / n))
    if np.isinf(loss) and np.isfinite(logits).all():
        raise NonFiniteError(
            "the cross-entropy overflows float64 (beyond about 1.8e308): logits span more "
            "than float64's range"
        )
    return loss, (np.exp(log_p) - target) / n


def _targets(y: object, n: int, k: int) -> Array:
    """y as (N, K) target probabilities, from integer labels or rows of probabilities."""
    if isinstance(y, (str, bytes)) or not isinstance(y, (np.ndarray, list, tuple)):
        raise ArgumentTypeError(
            f"y must be integer labels (N,) or one-hot rows (N, K), got {type(y).__name__}"
        )
    y_arr = as_array(y, "y")
    if y_arr.ndim == 1:
        if y_arr.dtype.kind not in "iu":
            raise ArgumentTypeError(
                f"integer labels y must have an integer dtype, got {y_arr.dtype}"
            )
        if y_arr.shape[0] != n:
            raise ValueError(
                f"y must have shape ({n},) to match logits ({n}, {k}), got {y_arr.shape}"
            )
        if y_arr.min() < 0 or y_arr.max() >= k:
            raise ValueError(
                f"labels y must be in [0, {k}), got values in [{y_arr.min()}, {y_arr.max()}]"
            )
        target = np.zeros((n, k))
        target[np.arange(n), y_arr] = 1.0
        return target
    if y_arr.ndim == 2:
        target = as_finite_array(y_arr, "y")
        if target.shape != (n, k):
            raise ValueError(f"one-hot y must have shape ({n}, {k}), got {target.shape}")
        if np.any(target < 0) or not np.allclose(target.sum(axis=1), 1.0):
            raise ValueError("one-hot y must have non-negative rows that sum to 1")
        return target
    raise ValueError(f"y must have shape (N,) or (N, K), got {y_arr.shape}")

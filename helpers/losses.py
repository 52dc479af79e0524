"""Loss functions. Each returns ``(value, grad)``: the scalar loss and dL/d(prediction).

Shapes: N samples, K classes or outputs.
"""

from __future__ import annotations

import numpy as np

from ._checks import ArgumentTypeError, as_float_array, check_ndim
from .activations import log_softmax

Array = np.ndarray


def mse(y_hat: Array, y: Array) -> tuple[float, Array]:
    """Mean squared error over all entries: L = mean((y_hat - y)^2).

    y_hat, y: same shape, e.g. (N, K). returns (L, dL/dy_hat) with dL/dy_hat shaped
    like y_hat: 2 (y_hat - y) / y_hat.size.
    """
    y_hat, y = as_float_array(y_hat, "y_hat"), as_float_array(y, "y")
    if y_hat.shape != y.shape:
        raise ValueError(f"y_hat and y must have the same shape, got {y_hat.shape} and {y.shape}")
    if y_hat.size == 0:
        raise ValueError("y_hat must not be empty")
    diff = y_hat - y
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def softmax_cross_entropy(logits: Array, y: Array) -> tuple[float, Array]:
    """Softmax followed by cross-entropy, fused and numerically stable.

    logits: (N, K) unnormalised scores.
    y: (N,) integer labels in [0, K), or (N, K) one-hot (or any rows of probabilities).
    returns (L, dL/dlogits) with L = -mean_n sum_k y_nk log softmax(logits)_nk and
    dL/dlogits = (softmax(logits) - y) / N.
    """
    logits = as_float_array(logits, "logits")
    check_ndim(logits, "logits", (2,), "(N, K)")
    n, k = logits.shape
    if n == 0:
        raise ValueError("logits must hold at least one sample")
    y_arr = np.asarray(y)
    if y_arr.ndim == 1:
        if not np.issubdtype(y_arr.dtype, np.integer):
            raise ArgumentTypeError(
                f"integer labels y must have an integer dtype, got {y_arr.dtype}"
            )
        if y_arr.shape[0] != n:
            raise ValueError(
                f"y must have shape ({n},) to match logits {logits.shape}, got {y_arr.shape}"
            )
        if y_arr.min() < 0 or y_arr.max() >= k:
            raise ValueError(
                f"labels y must be in [0, {k}), got values in [{y_arr.min()}, {y_arr.max()}]"
            )
        target = np.zeros((n, k))
        target[np.arange(n), y_arr] = 1.0
    elif y_arr.ndim == 2:
        target = as_float_array(y_arr, "y")
        if target.shape != logits.shape:
            raise ValueError(f"one-hot y must have shape {logits.shape}, got {target.shape}")
        if np.any(target < 0) or not np.allclose(target.sum(axis=1), 1.0):
            raise ValueError("one-hot y must have non-negative rows that sum to 1")
    else:
        raise ValueError(f"y must have shape (N,) or (N, K), got {y_arr.shape}")
    log_p = log_softmax(logits, axis=1)
    loss = -float(np.sum(target * log_p)) / n
    return loss, (np.exp(log_p) - target) / n

"""A small training loop: minibatch gradient descent with an optional weight penalty and
early stopping.

``train(model, loss_fn, X, y, lr=..., epochs=...)`` trains any layer of
:mod:`helpers.layers` (usually a ``Sequential``) on a loss from :mod:`helpers.losses`
(a function ``loss_fn(y_hat, y) -> (value, dL/dy_hat)``). Each epoch visits every
training sample once, in minibatches drawn in a random order from ``rng``. After each
epoch the model is evaluated, in eval mode (dropout off), on the whole training set and
on the validation set, and the losses are recorded in a :class:`History`.

Early stopping: with ``patience=k`` and a validation set, training stops after k epochs
in a row without a new lowest validation loss, and the weights of the best epoch are
copied back into the model.

Shapes: X: (N, D) inputs; y: targets as the loss expects, (N, K) for mse or (N,)
integer labels for softmax_cross_entropy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._checks import ArgumentTypeError, as_float_array, as_positive_int, as_real, check_rng
from .regularization import Penalty

Array = np.ndarray
LossFn = Callable[[Array, Array], tuple[float, Array]]


@dataclass
class History:
    """What :func:`train` recorded.

    train_loss[e], val_loss[e]: data loss (no penalty) after e epochs, in eval mode;
        index 0 is the untrained model. val_loss is empty without a validation set.
    best_epoch: epoch with the lowest validation loss (the first one on ties), or None.
    epochs_run: epochs actually trained (fewer than asked if stopped early).
    stopped_early: whether patience ran out.
    restored: whether the best epoch's weights were copied back into the model.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    epochs_run: int = 0
    stopped_early: bool = False
    restored: bool = False

    def __repr__(self) -> str:
        best = (
            ""
            if self.best_epoch is None
            else (f", best_epoch={self.best_epoch} (val_loss={self.val_loss[self.best_epoch]:.4g})")
        )
        return (
            f"History(epochs_run={self.epochs_run}, final train_loss="
            f"{self.train_loss[-1]:.4g}{best}, stopped_early={self.stopped_early}, "
            f"restored={self.restored})"
        )


def evaluate(model: Any, loss_fn: LossFn, X: Array, y: Array) -> float:
    """The data loss of ``model`` on (X, y) in eval mode; the model's mode is restored."""
    was_training = model.training
    model.eval()
    try:
        value, _ = loss_fn(model.forward(X), y)
    finally:
        model.training = was_training
    return float(value)


def _minibatches(n: int, batch_size: int, rng: np.random.Generator | None) -> list[Array]:
    if batch_size >= n:
        return [np.arange(n)]  # full batch: the order cannot matter
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def train(
    model: Any,
    loss_fn: LossFn,
    X: Array,
    y: Array,
    *,
    lr: float,
    epochs: int,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
    X_val: Array | None = None,
    y_val: Array | None = None,
    penalty: Penalty | None = None,
    patience: int | None = None,
) -> History:
    """Train ``model`` in place by minibatch gradient descent and return its History.

    model: a layer of :mod:`helpers.layers` (forward, backward, params, grads, train/eval).
    loss_fn: e.g. ``losses.mse``; maps (y_hat, y) to (value, dL/dy_hat).
    X: (N, D) training inputs; y: their targets, as ``loss_fn`` expects.
    lr: learning rate, > 0. epochs: the most epochs to run, >= 1.
    batch_size: samples per step; None means the full batch (no shuffling).
    rng: numpy Generator that orders the minibatches; needed when batch_size < N.
    X_val, y_val: a validation set, evaluated after every epoch.
    penalty: a :class:`helpers.regularization.Penalty` on the weights. Its gradient is
        added to the data gradient, or, if it is proximal, its proximal step follows
        each gradient step.
    patience: stop after this many epochs without a lower validation loss, then
        restore the best epoch's weights. Needs a validation set.
    returns: the History. The model is left in eval mode.
    """
    X = as_float_array(X, "X")
    n = X.shape[0] if X.ndim else 0
    if n == 0 or np.shape(y)[:1] != (n,):
        raise ValueError(
            f"X and y must hold the same number N >= 1 of samples, got "
            f"X {X.shape} and y {np.shape(y)}"
        )
    lr = as_real(lr, "lr")
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr}")
    epochs = as_positive_int(epochs, "epochs")
    batch_size = n if batch_size is None else as_positive_int(batch_size, "batch_size")
    if batch_size < n:
        check_rng(rng, "rng (needed to shuffle minibatches)")
    has_val = X_val is not None or y_val is not None
    if has_val and (X_val is None or y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if patience is not None:
        patience = as_positive_int(patience, "patience")
        if not has_val:
            raise ValueError("patience needs a validation set (X_val, y_val)")
    if penalty is not None and not isinstance(penalty, Penalty):
        raise ArgumentTypeError(f"penalty must be a Penalty, got {type(penalty).__name__}")

    history = History()

    def record() -> None:
        history.train_loss.append(evaluate(model, loss_fn, X, y))
        if not np.isfinite(history.train_loss[-1]):
            raise FloatingPointError(
                f"training diverged: the training loss is {history.train_loss[-1]} after "
                f"{len(history.train_loss) - 1} epochs; try a smaller lr (got {lr})"
            )
        if has_val:
            history.val_loss.append(evaluate(model, loss_fn, X_val, y_val))

    record()
    best_val, best_params, epochs_without_gain = np.inf, None, 0
    if has_val:
        best_val, history.best_epoch = history.val_loss[0], 0
    if patience is not None:
        best_params = {k: v.copy() for k, v in model.params.items()}
    for epoch in range(1, epochs + 1):
        model.train()
        for idx in _minibatches(n, batch_size, rng):
            _, dout = loss_fn(model.forward(X[idx]), y[idx])
            model.backward(dout)
            params, grads = model.params, model.grads
            penalty_grads = penalty(params)[1] if penalty and not penalty.proximal else {}
            for name, p in params.items():
                p -= lr * (grads[name] + penalty_grads.get(name, 0.0))
            if penalty is not None and penalty.proximal:
                penalty.proximal_step(params, lr)
        model.eval()
        record()
        history.epochs_run = epoch
        if not has_val:
            continue
        if history.val_loss[-1] < best_val:
            best_val, history.best_epoch, epochs_without_gain = history.val_loss[-1], epoch, 0
            if patience is not None:
                best_params = {k: v.copy() for k, v in model.params.items()}
        else:
            epochs_without_gain += 1
        if patience is not None and epochs_without_gain >= patience:
            history.stopped_early = True
            break
    if patience is not None:
        for name, p in model.params.items():
            p[...] = best_params[name]
        history.restored = True
    model.eval()
    return history

"""The experiment toolkit: build a network, train it, and profile its gradients.

Every chapter's experiment is made of the same three steps, and this module holds one
of each:

- :func:`mlp` builds every fully connected network of the book, from a list of widths;
- :func:`train` runs every training loop of the book (chapter 1 writes its loop out,
  because there the loop is the lesson); :func:`train_replicas` runs its full-batch
  step on many independent networks at once, for the statistics over many draws, and
  a test checks it against :func:`train` replica by replica; :func:`descend` runs the
  same optimisers and schedules on a loss given by its gradient alone (a quadratic),
  many runs at once;
- :func:`evaluate` and :func:`accuracy` measure a model on a data set, in eval mode;
- :func:`gradient_profile` and :func:`activation_profile` summarise one forward and
  backward pass per layer.

What a network *measures* is in :mod:`helpers.probes`; the explorers in
:mod:`helpers.widgets` only draw what these functions return.

One step of :func:`train`, in this order:

1. take the batch (all of it, a shuffled slice of an epoch, or a random draw);
2. forward in train mode and take the loss; record it in ``History.step_loss``;
3. if the loss is not below ``stop_above``, stop (before any gradient);
4. backward, giving the data gradient g; record its global norm in ``History.grad_norm``;
5. clip g (``clip``), so that only the data gradient is ever clipped;
6. add the penalty's gradient (``penalty``, coupled L2 or L1's subgradient);
7. call ``after_backward(model, step)``: the gradient is final, the weights are not
   yet changed;
8. shrink the weights by ``weight_decay`` (decoupled decay: w <- (1 - lr * decay) w);
   here and below ``lr`` is the step's rate, ``lr * schedule(step)`` with a
   ``schedule`` (:mod:`helpers.schedules`), recorded in ``History.lr``;
9. the optimiser's step (:mod:`helpers.optim`): p <- p - lr * direction, where the
   direction is the gradient itself for gradient descent (the default,
   ``optim.SGD()``), a velocity for ``optim.Momentum``, Adam's normalised moments for
   ``optim.Adam``; the direction depends only on the gradients, so shrinking the
   weights first is the same as shrinking them beside the step;
10. L1's proximal step, if the penalty is proximal;
11. call ``after_step(model, step)``.

With ``epochs``, every epoch visits each sample once, then evaluates the model on the
training set (unless ``record_train=False``) and the validation set in eval mode; early
stopping watches the validation loss.

Training refuses NaN and infinity in its data (``X``, ``y``, ``X_val``, ``y_val``) and
in the model's parameters, with a ValueError naming them. A run whose numbers leave
float64's range on the way (the model's output, the loss, a gradient or an update
overflows, which the layers, losses and optimisers refuse) has diverged: with
``stop_above`` it stops there, recording NaN for a loss it could not compute;
without, it raises FloatingPointError, or a ValueError naming X when the very first
pass overflows (before any update, the data are too large for the model).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import clipping, layers, losses, optim, probes, schedules
from . import init as init_schemes
from ._checks import (
    ArgumentTypeError,
    NonFiniteError,
    as_array_dict,
    as_bool,
    as_callable,
    as_finite_array,
    as_float_array,
    as_fraction,
    as_instance,
    as_int,
    as_nonnegative,
    as_positive,
    as_positive_int,
    check_ndim,
    check_not_empty,
    check_result,
    check_rng,
    optional,
)
from .activations import ACTIVATIONS
from .regularization import Penalty, is_weight

Array = np.ndarray
#: The optimiser chapters pass as ``optimizer=experiments.Adam(...)``; see helpers.optim.
Adam = optim.Adam
LossFn = Callable[[Array, Array], tuple[float, Array]]
Hook = Callable[[Any, int], None]
#: How :func:`clip` functions look: clip ``grads`` in place and return the norm before.
ClipFn = Callable[[dict[str, Array], float], float]


# --- building -------------------------------------------------------------------------


def mlp(
    widths: list[int],
    activation: str | Callable[[], layers.Layer],
    rng: np.random.Generator | None = None,
    *,
    init: str = "xavier_normal",
    bias: bool = True,
    head: bool = True,
    head_init: str | None = None,
    head_kwargs: dict[str, Any] | None = None,
    norm: Callable[[int], layers.Layer] | None = None,
    dropout: float | None = None,
    blocks: bool = False,
    residual: bool = False,
    **init_kwargs: float,
) -> layers.Sequential:
    """A fully connected network: widths = [M_0, M_1, ..., M_L], x: (N, M_0) -> (N, M_L).

    Each hidden layer l maps M_{l-1} to M_l as Linear, then ``norm(M_l)`` if given, then
    the activation, then ``Dropout(dropout)`` if given. With ``head`` (the default) the
    last layer is a plain Linear (the output layer); without it every layer is hidden.

    activation: a name in helpers.activations (``"tanh"``), or a function that returns a
        new layer (``layers.ReLU``, ``lambda: layers.LeakyReLU(0.2)``).
    rng: numpy Generator for the weights (and the dropout masks); not needed for the
        "zeros" and "constant" schemes.
    init, init_kwargs: the scheme of helpers.init and its arguments (``std=``,
        ``gain=``) for every Linear. head_init, head_kwargs: another scheme and its
        arguments for the output layer only.
    bias: whether the hidden Linears have biases (the output layer always has one).
    blocks: group each hidden layer as one ``Sequential`` (Linear, ..., activation), so
        that ``model[l - 1]`` is hidden layer l and its output is ``a^(l)``. Otherwise
        the layers are in one flat list: ``model[2l - 1]`` is a^(l) when there is no
        norm and no dropout.
    residual: wrap hidden blocks 2..L as ``Residual`` (out = a + block(a)); they must
        keep the width. Implies ``blocks``.

    The weights are drawn layer by layer, input side first, so the same rng state gives
    the same network.
    """
    if not isinstance(widths, list | tuple):
        raise ArgumentTypeError(f"widths must be a list of ints, got {type(widths).__name__}")
    widths = [as_positive_int(m, f"widths[{i}]") for i, m in enumerate(widths)]
    if len(widths) < 2:
        raise ValueError(f"widths must hold at least 2 sizes (in and out), got {widths}")
    if isinstance(activation, str):
        name = ACTIVATIONS[activation].name  # an unknown name fails now, not later
        make_activation: Callable[[], layers.Layer] = lambda: layers.ActivationLayer(name)  # noqa: E731
    elif callable(activation):
        make_activation = activation
    else:
        raise ArgumentTypeError(
            f"activation must be a name or a function returning a layer, got "
            f"{type(activation).__name__}"
        )
    bias, head = as_bool(bias, "bias"), as_bool(head, "head")
    blocks, residual = as_bool(blocks, "blocks"), as_bool(residual, "residual")
    norm = optional(as_callable, norm, "norm", "a function C -> layer, e.g. norm.BatchNorm")
    dropout = optional(as_fraction, dropout, "dropout")
    drop_rng = None if dropout is None else check_rng(rng, "rng (needed for dropout)")
    hidden = widths[:-1] if head else widths
    if head_kwargs is not None and head_init is None:
        raise ValueError("head_kwargs go with a head_init scheme")
    head_kwargs = optional(as_instance, head_kwargs, "head_kwargs", dict, "a dict")
    if residual:
        blocks = True
        if len(set(hidden[1:])) > 1:
            raise ValueError(f"residual blocks must keep the width, got widths {widths}")

    def linear(n_in: int, n_out: int, with_bias: bool = bias) -> layers.Linear:
        return layers.Linear(n_in, n_out, init=init, rng=rng, bias=with_bias, **init_kwargs)

    model: list[layers.Layer] = []
    for i, (n_in, n_out) in enumerate(zip(hidden[:-1], hidden[1:], strict=True)):
        parts: list[layers.Layer] = [linear(n_in, n_out)]
        if norm is not None:
            parts.append(layers.as_layer(norm(n_out), "norm(C)"))
        parts.append(layers.as_layer(make_activation(), "activation()"))
        if dropout is not None and drop_rng is not None:
            parts.append(layers.Dropout(dropout, drop_rng))
        if not blocks:
            model += parts
            continue
        block = layers.Sequential(*parts)
        model.append(layers.Residual(block) if residual and i > 0 else block)
    if head:
        if head_init is None:
            model.append(linear(widths[-2], widths[-1], with_bias=True))
        else:
            model.append(
                layers.Linear(
                    widths[-2], widths[-1], init=head_init, rng=rng, **(head_kwargs or {})
                )
            )
    return layers.Sequential(*model)


# --- training -------------------------------------------------------------------------


@dataclass
class History:
    """What :func:`train` recorded.

    step_loss[s]: the loss of step s's batch, in train mode, before its update
        (the last entry is the one that stopped training, if ``diverged``).
    grad_norm[s]: the global norm of step s's data gradient, before clipping.
    lr[s]: the learning rate of step s's update, lr * schedule(s) (lr without a
        schedule); absent for a step that stopped before its update.
    train_loss[e], val_loss[e]: with ``epochs``, the data loss (no penalty) after e
        epochs, in eval mode; index 0 is the untrained model. train_loss is empty
        with ``record_train=False``, val_loss without a validation set.
    best_epoch: epoch with the lowest validation loss (the first one on ties), or None.
    epochs_run: epochs actually trained (fewer than asked if stopped early).
    stopped_early: whether patience ran out.
    restored: whether the best epoch's weights were copied back into the model.
    diverged: whether a step's loss reached ``stop_above``.
    """

    step_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    epochs_run: int = 0
    stopped_early: bool = False
    restored: bool = False
    diverged: bool = False

    def __repr__(self) -> str:
        if not self.train_loss:
            last = self.step_loss[-1] if self.step_loss else float("nan")
            return (
                f"History(steps={len(self.step_loss)}, last step_loss={last:.4g}, "
                f"diverged={self.diverged})"
            )
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
    """The data loss of ``model`` on (X, y) in eval mode; the model's mode is restored.

    model: a layer (see :class:`helpers.layers.Layer`); loss_fn: e.g. ``losses.mse``;
    X, y: the data, as ``model`` and ``loss_fn`` expect them.
    """
    model = layers.as_layer(model, "model")
    loss_fn = as_callable(loss_fn, "loss_fn", "a loss function (y_hat, y) -> (value, grad)")
    X = _samples(X, "X")
    was_training = model.training
    model.training = False
    try:
        value, _ = loss_fn(model.forward(X), y)
    finally:
        model.training = was_training
    return float(value)


def accuracy(model: Any, X: Array, y: Array) -> float:
    """The fraction of samples whose largest output is their label: the mean of
    ``argmax(model(X), axis=1) == y``, in eval mode; the model's mode is restored.

    model: a layer whose output is (N, K), one score per class (logits, say).
    X: (N, ...) inputs; y: (N,) integer labels in [0, K).
    """
    model = layers.as_layer(model, "model")
    X = _samples(X, "X")
    labels = np.asarray(y)
    if labels.dtype.kind not in "iu" or labels.shape != (len(X),):
        raise ArgumentTypeError(
            f"y must be ({len(X)},) integer labels, one per sample of X; got "
            f"{labels.dtype} with shape {labels.shape}"
        )
    was_training = model.training
    model.training = False
    try:
        scores = model.forward(X)
    finally:
        model.training = was_training
    if scores.ndim != 2 or len(scores) != len(X):
        raise ValueError(f"model must output (N, K) scores, got shape {scores.shape}")
    if labels.size and not 0 <= labels.min() <= labels.max() < scores.shape[1]:
        raise ValueError(
            f"labels y must be in [0, {scores.shape[1]}), got {labels.min()}..{labels.max()}"
        )
    return float(np.mean(scores.argmax(axis=1) == labels))


@dataclass(frozen=True)
class _Setup:
    """train's arguments, checked and in the form the loop uses."""

    model: layers.Layer
    loss_fn: LossFn
    X: Array
    y: Array
    lr: float
    epochs: int | None
    steps: int | None
    batch_size: int
    gen: np.random.Generator | None  # None: every step takes the full batch
    X_val: Array | None
    y_val: Array | None
    patience: int | None
    clip: tuple[ClipFn, float] | None
    penalty: Penalty | None
    optimizer: optim.Optimizer
    schedule: schedules.Schedule | None
    weight_decay: float
    stop_above: float | None
    after_backward: Hook | None
    after_step: Hook | None
    record_train: bool

    @property
    def n(self) -> int:
        return len(self.X)

    @property
    def has_val(self) -> bool:
        return self.X_val is not None


def _targets(y: object, name: str, n: int, n_name: str) -> Array:
    """Targets as an array of N rows: integer labels stay integers, floats must be finite."""
    try:
        arr = np.asarray(y)
    except ValueError as err:  # ragged nested lists
        raise ArgumentTypeError(f"{name} must be an array of targets; got {err}") from None
    if arr.dtype.kind not in "iuf" or isinstance(y, str | bytes):
        raise ArgumentTypeError(f"{name} must hold numbers (labels or targets), got {arr.dtype}")
    if arr.ndim == 0 or arr.shape[0] != n:
        raise ValueError(
            f"{n_name} and {name} must hold the same number N >= 1 of samples, got "
            f"{n_name} of {n} and {name} of shape {arr.shape}"
        )
    return as_finite_array(arr, name) if arr.dtype.kind == "f" else arr


def _check_train_arguments(
    model: Any,
    loss_fn: Any,
    X: Any,
    y: Any,
    *,
    lr: Any,
    epochs: Any,
    steps: Any,
    batch_size: Any,
    rng: Any,
    X_val: Any,
    y_val: Any,
    patience: Any,
    clip: Any,
    penalty: Any,
    optimizer: Any,
    schedule: Any,
    weight_decay: Any,
    stop_above: Any,
    after_backward: Any,
    after_step: Any,
    record_train: Any,
) -> _Setup:
    """Every check of :func:`train`'s arguments, one line each; see its docstring."""
    model = layers.as_layer(model, "model")
    layers._check_model(model)
    as_array_dict(model.params, "model.params", in_place=True)
    loss_fn = as_callable(loss_fn, "loss_fn", "a loss function (y_hat, y) -> (value, grad)")
    X = _samples(X, "X")
    y = _targets(y, "y", len(X), "X")
    lr = as_positive(lr, "lr")
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one of epochs and steps")
    epochs = optional(as_positive_int, epochs, "epochs")
    steps = optional(as_int, steps, "steps", minimum=0)
    batch_size = len(X) if batch_size is None else as_positive_int(batch_size, "batch_size")
    gen = check_rng(rng, "rng (needed to draw minibatches)") if batch_size < len(X) else None
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if X_val is not None and steps is not None:
        raise ValueError("a validation set is evaluated after each epoch: use epochs")
    X_val = optional(_samples, X_val, "X_val")
    if X_val is not None:
        y_val = _targets(y_val, "y_val", len(X_val), "X_val")
    patience = optional(as_positive_int, patience, "patience")
    if patience is not None and X_val is None:
        raise ValueError("patience needs a validation set (X_val, y_val)")
    if clip is not None and not (isinstance(clip, tuple) and len(clip) == 2 and callable(clip[0])):
        raise ArgumentTypeError(f"clip must be (clip function, threshold), got {clip!r}")
    penalty = optional(as_instance, penalty, "penalty", Penalty, "a Penalty")
    optimizer = optim.SGD() if optimizer is None else optimizer
    if not isinstance(optimizer, optim.Optimizer):
        raise ArgumentTypeError(
            "optimizer must be None or an optimiser of helpers.optim (SGD, Momentum, "
            f"Adam, AdamW), got {type(optimizer).__name__}"
        )
    planned = _planned_steps(len(X), epochs, steps, batch_size)
    schedule = optional(_schedule, schedule, planned)
    weight_decay = as_nonnegative(weight_decay, "weight_decay")
    if weight_decay * lr >= 1:
        raise ValueError(
            f"lr * weight_decay must be below 1, or the decay flips or grows the weights: "
            f"got lr={lr}, weight_decay={weight_decay:g}"
        )
    if weight_decay and getattr(optimizer, "weight_decay", 0.0):
        raise ValueError(f"give the weight decay once: weight_decay or {optimizer!r}")
    if stop_above is not None and (
        isinstance(stop_above, bool) or not isinstance(stop_above, int | float | np.number)
    ):
        raise ArgumentTypeError(f"stop_above must be a number, got {type(stop_above).__name__}")
    if stop_above is not None and np.isnan(stop_above):
        raise ValueError("stop_above must be a number or inf, got nan")
    stop_above = optional(float, stop_above)
    for name, hook in (("after_backward", after_backward), ("after_step", after_step)):
        optional(as_callable, hook, name, "a function (model, step)")
    record_train = as_bool(record_train, "record_train")
    return _Setup(
        model,
        loss_fn,
        X.copy(),  # train's own: the model may keep views of it
        y,
        lr,
        epochs,
        steps,
        batch_size,
        gen,
        None if X_val is None else X_val.copy(),
        y_val,
        patience,
        clip,
        penalty,
        optimizer,
        schedule,
        weight_decay,
        stop_above,
        after_backward,
        after_step,
        record_train,
    )


def _planned_steps(n: int, epochs: int | None, steps: int | None, batch_size: int) -> int:
    """The steps a run takes unless it stops early: ``steps``, or every epoch's batches."""
    if steps is not None:
        return steps
    return (epochs or 0) * -(-n // batch_size)


def _schedule(schedule: Any, planned: int) -> schedules.Schedule:
    """A schedule (any function step -> factor) that covers the run's planned steps."""
    schedule = as_callable(schedule, "schedule", "a schedule such as schedules.Cosine(1000)")
    total = getattr(schedule, "total_steps", None)
    if total is not None and planned > total:
        raise ValueError(
            f"schedule {schedule!r} covers {total} steps, but the run takes {planned}; "
            "give it the run's number of steps"
        )
    return schedule


def _rate(lr: float, schedule: schedules.Schedule | None, step: int) -> float:
    """lr * schedule(step), the factor checked: a positive finite number."""
    if schedule is None:
        return lr
    factor = schedule(step)
    if (
        isinstance(factor, bool)
        or not isinstance(factor, int | float | np.integer | np.floating)
        or not (np.isfinite(factor) and factor > 0)
    ):
        raise ValueError(
            f"schedule must give a positive finite factor at every step; {schedule!r} gave "
            f"{factor!r} at step {step}"
        )
    return lr * float(factor)


def _samples(X: object, name: str) -> Array:
    """Inputs as a finite float64 array holding at least one sample along axis 0."""
    X = as_finite_array(X, name)
    if X.ndim == 0 or len(X) == 0:
        raise ValueError(f"{name} must hold at least one sample along axis 0, got shape {X.shape}")
    return X


class _Diverged(Exception):
    """Raised inside a step when a number overflowed: the run diverged.

    phase: where, "forward" (the model's output or the loss), "backward" (the
    gradients) or "update" (the optimiser's step)."""

    def __init__(self, message: str, phase: str) -> None:
        super().__init__(message)
        self.phase = phase


def train(
    model: Any,
    loss_fn: LossFn,
    X: Array,
    y: Array,
    *,
    lr: float,
    epochs: int | None = None,
    steps: int | None = None,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
    X_val: Array | None = None,
    y_val: Array | None = None,
    patience: int | None = None,
    clip: tuple[ClipFn, float] | None = None,
    penalty: Penalty | None = None,
    optimizer: optim.Optimizer | None = None,
    schedule: schedules.Schedule | None = None,
    weight_decay: float = 0.0,
    stop_above: float | None = None,
    after_backward: Hook | None = None,
    after_step: Hook | None = None,
    record_train: bool = True,
) -> History:
    """Train ``model`` in place and return its History. One step is described in the
    module docstring, in the order its parts apply.

    model: a layer of :mod:`helpers.layers` (forward, backward, params, grads, training).
    loss_fn: e.g. ``losses.mse``; maps (y_hat, y) to (value, dL/dy_hat).
    X: (N, D) training inputs; y: their targets, as ``loss_fn`` expects (a list is
        turned into an array). Both finite.
    lr: learning rate, > 0.
    epochs or steps (exactly one): with ``epochs``, each epoch takes the samples in
        batches of ``batch_size`` in a new random order and ends with an evaluation;
        with ``steps`` (0 or more), each step takes ``batch_size`` samples drawn
        afresh without replacement, and nothing is evaluated.
    batch_size: samples per step; None means the full batch (no randomness).
    rng: numpy Generator for the batches; needed when batch_size < N.
    X_val, y_val: a validation set, evaluated after every epoch.
    patience: stop after this many epochs without a lower validation loss, then
        restore the best epoch's weights. Needs a validation set.
    clip: (function, threshold), e.g. ``(clipping.clip_by_norm, 1.0)``.
    penalty: a :class:`helpers.regularization.Penalty` on the weights.
    optimizer: an optimiser of :mod:`helpers.optim` (``optim.Adam()``, ...), new for
        this run; None is gradient descent, ``optim.SGD()``.
    schedule: a schedule of :mod:`helpers.schedules` (or any function step -> factor):
        step s moves with the rate lr * schedule(s), so lr is the peak rate; it must
        cover the run's steps (``steps``, or ``epochs`` times the batches per epoch).
    weight_decay: decoupled decay of the weight matrices (biases are not decayed).
    stop_above: end training, without an error, at the first step whose loss is not
        below this (``np.inf`` stops at an overflow). Without it a diverged step or a
        non-finite evaluation raises FloatingPointError.
    after_backward, after_step: functions ``hook(model, step)``, see the module doc.
    record_train: with ``epochs``, whether to evaluate the whole training set after each
        epoch (``History.train_loss``); False saves that forward pass when only the
        validation curve matters.
    returns: the History. The model is left in eval mode.
    """
    run = _check_train_arguments(**locals())  # every argument, by its name
    model, history = run.model, History()
    if run.steps is not None:
        model.training = True
        for _ in range(run.steps):
            if not _one_step(run, history, _minibatch(run)):
                break
        model.training = False
        return history

    model.training = False
    _record_epoch(run, history, 0)
    best_val = history.val_loss[0] if run.has_val else np.inf
    history.best_epoch = 0 if run.has_val else None
    best_params = _copy(model.params) if run.patience is not None else None
    epochs_without_gain = 0
    for epoch in range(1, (run.epochs or 0) + 1):  # epochs is set: steps is None
        model.training = True
        if not all(_one_step(run, history, idx) for idx in _epoch_batches(run)):
            break
        model.training = False
        _record_epoch(run, history, epoch)
        history.epochs_run = epoch
        if not run.has_val:
            continue
        if history.val_loss[-1] < best_val:
            best_val, history.best_epoch, epochs_without_gain = history.val_loss[-1], epoch, 0
            if run.patience is not None:
                best_params = _copy(model.params)
        else:
            epochs_without_gain += 1
        if run.patience is not None and epochs_without_gain >= run.patience:
            history.stopped_early = True
            break
    if best_params is not None:
        for name, p in model.params.items():
            p[...] = best_params[name]
        history.restored = True
    model.training = False
    return history


def _copy(params: dict[str, Array]) -> dict[str, Array]:
    return {k: v.copy() for k, v in params.items()}


def _minibatch(run: _Setup) -> Array | slice:
    """The samples of one step: all of them, or batch_size drawn without replacement."""
    if run.gen is None:
        return slice(None)
    return run.gen.choice(run.n, size=run.batch_size, replace=False)


def _epoch_batches(run: _Setup) -> list[Any]:
    """One epoch: every sample once, in batches of batch_size in a new random order."""
    if run.gen is None:
        return [np.arange(run.n)]  # full batch: the order cannot matter
    order = run.gen.permutation(run.n)
    return [order[i : i + run.batch_size] for i in range(0, run.n, run.batch_size)]


def _one_step(run: _Setup, history: History, idx: Array | slice) -> bool:
    """Steps 2-11 of the module docstring; False when training must stop."""
    step = len(history.step_loss)
    try:
        _update(run, history, idx, step)
    except _Diverged as err:
        if len(history.step_loss) == step:
            history.step_loss.append(float("nan"))  # the loss itself overflowed
        if run.stop_above is not None:
            history.diverged = True
            return False
        if step == 0 and err.phase != "update":  # before any update: the data's fault
            raise NonFiniteError(
                f"X is too large for the model: its first pass overflowed ({err})"
            ) from err.__cause__
        raise FloatingPointError(
            f"training diverged at step {step}: {err}; try a smaller lr (got {run.lr})"
        ) from err.__cause__
    if run.stop_above is not None and not history.step_loss[-1] < run.stop_above:
        history.diverged = True
        return False
    return True


def _update(run: _Setup, history: History, idx: Array | slice, step: int) -> None:
    """One step, in the order of the module docstring (steps 2 and 4-11). X was checked
    once and is train's own copy: the model runs without checking it again.

    A NonFiniteError raised by the toolkit (the model, the loss, the clipping, the
    penalty, the optimiser) becomes _Diverged: the data and the parameters were finite
    when the step began, so a number overflowed. One raised by a hook goes through.
    """
    model, phase = run.model, "forward"
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            loss, dout = run.loss_fn(layers._forward_unchecked(model, run.X[idx]), run.y[idx])
            history.step_loss.append(loss)
            if run.stop_above is not None and not loss < run.stop_above:
                return  # stop before any gradient
            phase = "backward"
            layers._backward_unchecked(model, as_finite_array(dout, "loss_fn's gradient"))
            grads = model.grads
            # a clip function returns the norm before clipping
            clip_fn, threshold = run.clip or (None, 0.0)
            history.grad_norm.append(
                clipping._norm(grads) if clip_fn is None else clip_fn(grads, threshold)
            )
            if run.penalty is not None and not run.penalty.proximal:
                for name, g in run.penalty(model.params)[1].items():
                    grads[name] += g  # an overflow is left as inf: the step refuses it
        phase = "hook"
        if run.after_backward is not None:
            run.after_backward(model, step)
        phase = "update"
        lr = _rate(run.lr, run.schedule, step)
        with np.errstate(over="ignore", invalid="ignore"):
            params = model.params
            if run.weight_decay:
                for name, p in params.items():
                    if is_weight(name):
                        p *= 1 - lr * run.weight_decay
            run.optimizer.step(params, grads, lr)
            if run.penalty is not None and run.penalty.proximal:
                run.penalty.proximal_step(params, lr)
        history.lr.append(lr)
        phase = "hook"
        if run.after_step is not None:
            run.after_step(model, step)
    except NonFiniteError as err:
        if phase == "hook":
            raise
        raise _Diverged(str(err), phase) from err


def _record_epoch(run: _Setup, history: History, epochs: int) -> None:
    """Evaluate the model on the training set (unless record_train is off) and the
    validation set, in eval mode, after ``epochs`` epochs."""
    if run.record_train:
        history.train_loss.append(_checked_eval_loss(run, run.X, run.y, epochs, "training"))
    if run.X_val is not None and run.y_val is not None:
        if run.record_train:
            history.val_loss.append(_eval_loss(run, run.X_val, run.y_val))
        else:  # the validation loss is the one that tells a diverged run
            loss = _checked_eval_loss(run, run.X_val, run.y_val, epochs, "validation")
            history.val_loss.append(loss)


def _checked_eval_loss(run: _Setup, X: Array, y: Array, epochs: int, which: str) -> float:
    """:func:`_eval_loss`, with an overflow or a non-finite loss reported as divergence
    (or, before any update, as data too large for the model)."""
    try:
        loss = _eval_loss(run, X, y)
    except NonFiniteError as err:
        if not epochs:  # before any update: the data's fault
            name = "X" if which == "training" else "X_val"
            raise NonFiniteError(
                f"{name} is too large for the model: its first pass overflowed ({err})"
            ) from err
        raise FloatingPointError(
            f"training diverged: after {epochs} epochs the evaluation overflowed ({err}); "
            f"try a smaller lr (got {run.lr})"
        ) from err
    if not np.isfinite(loss):
        raise FloatingPointError(
            f"training diverged: the {which} loss is {loss} after {epochs} epochs; try a "
            f"smaller lr (got {run.lr})"
        )
    return loss


def _eval_loss(run: _Setup, X: Array, y: Array) -> float:
    """:func:`evaluate` inside train: the model is in eval mode, X checked."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = layers._forward_unchecked(run.model, X)
    return float(run.loss_fn(out, y)[0])


# --- a loss given by its gradient -----------------------------------------------------


def descend(
    grad: Callable[[Array], Array],
    w0: Array,
    *,
    lr: float,
    steps: int,
    optimizer: optim.Optimizer | None = None,
    schedule: schedules.Schedule | None = None,
) -> Array:
    """Minimise a loss given by its gradient alone; return the path of w.

    This is :func:`train`'s step for a loss written as a formula, with no model and no
    data set (a quadratic, a fit of one weight): step t takes g = grad(w) and calls
    ``optimizer.step({"W": w}, {"W": g}, lr * schedule(t))``. Every optimiser of
    :mod:`helpers.optim` acts entry by entry, so w0 may hold many independent runs,
    one per row, whose gradients grad computes at once.

    grad: maps w (a copy, shaped like w0) to the gradient of the loss at w, the same
        shape; it may draw a mini-batch from a generator of its own.
    w0: the start, any shape, e.g. (S, n) for S runs of n parameters; finite, not
        changed.
    lr: the learning rate (the peak rate with a schedule), > 0.
    steps: the number of updates, >= 0.
    optimizer: an optimiser of :mod:`helpers.optim`, new for this path; None is
        gradient descent, ``optim.SGD()``. Its weight decay, if any, applies to w, as
        to a weight matrix.
    schedule: as for :func:`train`; it must cover ``steps``.
    returns path: (steps + 1, *w0.shape), w before each update and, last, after the
        final one. A path that diverges (a gradient or an update beyond float64) is
        NaN from there on, for every run in it: the optimiser refuses the whole step.
    """
    grad = as_callable(grad, "grad", "a function w -> the gradient at w")
    w = as_finite_array(w0, "w0").copy()
    lr = as_positive(lr, "lr")
    steps = as_int(steps, "steps", minimum=0)
    optimizer = optim.SGD() if optimizer is None else optimizer
    if not isinstance(optimizer, optim.Optimizer):
        raise ArgumentTypeError(
            "optimizer must be None or an optimiser of helpers.optim (SGD, Momentum, "
            f"Adam, AdamW), got {type(optimizer).__name__}"
        )
    schedule = optional(_schedule, schedule, steps)
    path = np.full((steps + 1, *w.shape), np.nan)
    path[0] = w
    for t in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):
            g = as_float_array(grad(w.copy()), "grad(w)")
        if g.shape != w.shape:
            raise ValueError(f"grad(w) must have the shape {w.shape} of w0, got {g.shape}")
        if not np.isfinite(g).all():
            if t == 0:  # at the finite start: the function's fault
                raise NonFiniteError("grad(w0) must be finite; it holds NaN or inf")
            break
        try:
            optimizer.step({"W": w}, {"W": g}, _rate(lr, schedule, t))
        except NonFiniteError:
            break  # the update overflowed: the path diverged
        path[t + 1] = w
    return path


# --- many draws at once -----------------------------------------------------------------


@dataclass
class Replicas:
    """What :func:`train_replicas` recorded: S networks of widths M_0 .. M_L, trained
    side by side. Replica s is the network ``mlp(widths, activation, rngs[s])`` would
    build, trained as ``train(..., steps=steps, stop_above=stop_above)`` trains it.

    loss: (S, steps + 1), the MSE loss before each step and, last, after the final
        step. A replica that diverged keeps the loss that stopped it, then NaN.
    diverged: (S,) whether the replica stopped: its loss reached ``stop_above``, or its
        gradients or new weights left float64's range (where train refuses the
        step); its weights stay as they were at that step.
    negative: per hidden layer l, (S, steps + 1, M_l): whether unit j's
        pre-activation was <= 0 on every training input, before each step and after
        the last (for ReLU: the unit is dead).
    weights, biases: the final W^(l): (S, M_{l-1}, M_l) and b^(l): (S, M_l).
    """

    loss: Array
    diverged: Array
    negative: list[Array]
    weights: list[Array]
    biases: list[Array]
    activation: str
    act_params: dict[str, Any]

    def hidden(self, X: Array) -> list[Array]:
        """The hidden outputs a^(l), (S, N, M_l) each, of the final networks on
        X: (S, N, M_0). An output beyond float64's range is refused, naming X."""
        fn = ACTIVATIONS[self.activation].fn
        out, a = [], as_finite_array(X, "X")
        S, m_0 = self.weights[0].shape[:2]
        if a.ndim != 3 or a.shape[0] != S or a.shape[2] != m_0:
            raise ValueError(f"X must have shape ({S}, N, {m_0}), got {a.shape}")
        with np.errstate(over="ignore", invalid="ignore"):  # refused below
            for W, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
                a = fn(a @ W + b[:, None, :], **self.act_params)
                out.append(check_result(a, "a hidden output", "X"))
        return out

    def __repr__(self) -> str:
        S, T = self.loss.shape
        return (
            f"Replicas({S} networks, {T - 1} steps, {self.activation}, "
            f"diverged={int(self.diverged.sum())})"
        )


def _replica_arguments(
    widths: Any,
    activation: Any,
    X: Any,
    y: Any,
    lr: Any,
    steps: Any,
    rngs: Any,
    stop_above: Any,
    act_params: Any,
) -> tuple[Array, Array, list[int], Array, dict[str, Any]]:
    """train_replicas' arguments checked: X, y, widths, the rates (S, 1, 1), act_params."""
    X, y = check_not_empty(as_finite_array(X, "X"), "X"), as_finite_array(y, "y")
    check_ndim(X, "X", (3,), "(S, N, M_0)")
    check_ndim(y, "y", (3,), "(S, N, M_L)")
    if not isinstance(widths, list | tuple) or len(widths) < 2:
        raise ValueError(f"widths must list at least 2 sizes (in and out), got {widths!r}")
    widths = [as_positive_int(m, f"widths[{i}]") for i, m in enumerate(widths)]
    S, N = X.shape[:2]
    if X.shape[2] != widths[0] or y.shape != (S, N, widths[-1]):
        raise ValueError(
            f"X must have shape (S, N, {widths[0]}) and y (S, N, {widths[-1]}), got "
            f"X {X.shape} and y {y.shape}"
        )
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    act_params = dict(optional(as_instance, act_params, "act_params", Mapping, "a dict") or {})
    ACTIVATIONS[activation].fn(np.zeros(1), **act_params)  # refuses unknown parameters
    if not isinstance(rngs, list | tuple) or len(rngs) != S:
        raise ValueError(f"rngs must be a list of S = {S} Generators, one per replica")
    rates = as_float_array(lr, "lr")
    if rates.shape not in ((), (S,)) or not np.all(np.isfinite(rates) & (rates > 0)):
        raise ValueError(f"lr must be one positive rate or S = {S} of them, got {lr!r}")
    rates = np.broadcast_to(rates, (S,)).reshape(S, 1, 1)
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
        raise ArgumentTypeError(f"steps must be an integer, got {type(steps).__name__}")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if isinstance(stop_above, bool) or not isinstance(stop_above, int | float | np.number):
        raise ArgumentTypeError(f"stop_above must be a number, got {type(stop_above).__name__}")
    if not stop_above > 0:
        raise ValueError(f"stop_above must be positive (or inf), got {stop_above}")
    for s, g in enumerate(rngs):
        check_rng(g, f"rngs[{s}]")
    return X, y, widths, rates, act_params


def train_replicas(
    widths: list[int],
    activation: str,
    X: Array,
    y: Array,
    *,
    lr: float | Array,
    steps: int,
    rngs: list[np.random.Generator],
    init: str = "xavier_normal",
    stop_above: float = np.inf,
    act_params: dict[str, Any] | None = None,
) -> Replicas:
    """Train S independent networks at once by full-batch gradient descent on the MSE:
    the statistics of many draws, at the cost of a few numpy calls per step.

    Replica s has its own data and its own weights: X[s]: (N, M_0), y[s]: (N, M_L), and
    the weights that ``mlp(widths, activation, rngs[s], init=init)`` draws (biases 0).
    Each step is the full-batch step of :func:`train`, replica by replica (a test
    checks them against each other), without its hooks and gradient transforms.

    activation: a name in helpers.activations, with ``act_params`` (``{"alpha": 0.01}``).
    lr: one learning rate, or one per replica, (S,).
    stop_above: a replica whose loss is not below this stops there (diverged), as does
        one whose step would leave float64's range.
    """
    X, y, widths, rates, act_params = _replica_arguments(
        widths, activation, X, y, lr, steps, rngs, stop_above, act_params
    )
    act, S = ACTIVATIONS[activation], X.shape[0]
    scheme = init_schemes.get(init)
    drawn = [[scheme(m, n, g) for m, n in zip(widths[:-1], widths[1:], strict=True)] for g in rngs]
    Ws = [np.stack(layer) for layer in zip(*drawn, strict=True)]
    bs = [np.zeros((S, 1, n)) for n in widths[1:]]
    loss = np.full((S, steps + 1), np.nan)
    negative = [np.zeros((S, steps + 1, n), dtype=bool) for n in widths[1:-1]]
    alive = np.ones(S, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged replica's values
        for step in range(steps + 1):
            inputs, pre, a = [], [], X
            for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
                inputs.append(a)
                a = a @ W + b
                if k < len(Ws) - 1:  # a hidden layer
                    pre.append(a)
                    negative[k][:, step] = np.all(a <= 0, axis=1)
                    a = act.fn(a, **act_params)
            diff = a - y
            value = np.mean(diff * diff, axis=(1, 2))
            loss[alive, step] = value[alive]
            alive &= value < stop_above
            if step == steps:
                break
            delta = 2.0 * diff / diff[0].size  # dL/dz^(L), as losses.mse
            new_Ws, new_bs = list(Ws), list(bs)
            for k in range(len(Ws) - 1, -1, -1):
                if k < len(Ws) - 1:
                    delta = delta * act.grad(pre[k], **act_params)
                new_Ws[k] = Ws[k] - rates * (np.swapaxes(inputs[k], 1, 2) @ delta)
                new_bs[k] = bs[k] - rates * delta.sum(axis=1, keepdims=True)
                if k > 0:
                    delta = delta @ np.swapaxes(Ws[k], 1, 2)  # dL/da^(k)
            # train refuses a step whose gradients or new weights leave float64, and
            # stops there: so does a replica; a stopped one keeps its weights
            alive &= _finite_per_replica(*new_Ws, *new_bs)
            moving = alive[:, None, None]
            Ws = [np.where(moving, new, W) for new, W in zip(new_Ws, Ws, strict=True)]
            bs = [np.where(moving, new, b) for new, b in zip(new_bs, bs, strict=True)]
    return Replicas(loss, ~alive, negative, Ws, [b[:, 0, :] for b in bs], activation, act_params)


def _finite_per_replica(*arrays: Array) -> Array:
    """(S,): whether replica s's entries are finite in every one of the (S, ...) arrays."""
    return np.logical_and.reduce([np.isfinite(a).all(axis=(1, 2)) for a in arrays])


# --- profiling ------------------------------------------------------------------------


@dataclass
class GradientProfile:
    """One forward and backward pass of a network of hidden blocks, per layer.

    loss: the MSE loss.
    weight_grad_norms: (L + 1,) ||dL/dW^(l)|| for l = 1 .. L + 1 (output layer last).
    activation_grad_norms: (L,) ||dL/da^(l)|| for the hidden outputs l = 1 .. L.
    """

    loss: float
    weight_grad_norms: Array
    activation_grad_norms: Array


def gradient_profile(model: layers.Sequential, x: Array, y: Array) -> GradientProfile:
    """Run ``model`` (an :func:`mlp` with ``blocks=True``) on x: (N, M_0), take the MSE
    loss against y: (N, M_L) and backpropagate; return the per-layer gradient norms
    (``model.grads`` stays filled)."""
    model = as_instance(model, "model", layers.Sequential, "a Sequential, as mlp builds")
    x, y = _samples(x, "x"), as_finite_array(y, "y")
    # The loss gradient is needed before the traced pass, so the forward pass runs twice.
    loss, dy_hat = losses.mse(model.forward(x), y)
    tr = probes.trace(model, x, dy_hat)
    act_norms = np.array([probes.l2_norm(g) for g in tr.grads_out[:-1] if g is not None])
    weight_norms = np.array(probes.grad_norms_per_layer(model))
    return GradientProfile(loss, weight_norms, act_norms)


@dataclass
class ActivationProfile:
    """One forward and backward pass of a flat stack of hidden layers, per layer.

    pre[l]: z^(l+1), the output of layer l + 1's Linear, (N, M_{l+1}).
    activations[l]: a^(l+1), that layer's output, (N, M_{l+1}).
    gradients[l]: dL/da^(l+1), same shape (None without an upstream gradient).
    """

    pre: list[Array]
    activations: list[Array]
    gradients: list[Array | None]


def activation_profile(
    model: layers.Sequential, x: Array, upstream: Array | None = None
) -> ActivationProfile:
    """Run a flat stack, ``mlp(widths, ..., head=False)`` without norm or dropout, on
    x: (N, M_0); with ``upstream``: (N, M_L), backpropagate L = sum(a^(L) * upstream)
    too. Returns each layer's pre-activations, activations and their gradients."""
    if not isinstance(model, layers.Sequential):
        raise ArgumentTypeError(f"model must be a Sequential, got {type(model).__name__}")
    pairs = list(zip(model.layers[::2], model.layers[1::2], strict=False))
    if len(model.layers) % 2 or not all(
        isinstance(lin, layers.Linear) and not isinstance(act, layers.Linear) for lin, act in pairs
    ):
        raise ValueError(
            f"model must alternate Linear and activation layers, as mlp(..., head=False) "
            f"builds them, got {model!r}"
        )
    tr = probes._trace(model, x, upstream, "upstream")
    return ActivationProfile(tr.outputs[0::2], tr.outputs[1::2], tr.grads_out[1::2])

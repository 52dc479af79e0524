"""The experiment toolkit: build a network, train it, and profile its gradients.

Every chapter's experiment is made of the same three steps, and this module holds one
of each:

- :func:`mlp` builds every fully connected network of the book, from a list of widths;
- :func:`train` runs every training loop of the book (chapter 1 writes its loop out,
  because there the loop is the lesson); :func:`train_replicas` runs its full-batch
  step on many independent networks at once, for the statistics over many draws, and
  a test checks it against :func:`train` replica by replica;
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
8. turn the gradient into a step: itself for gradient descent, Adam's normalised
   moments for ``optimizer=Adam(...)``;
9. shrink the weights by ``weight_decay`` (decoupled decay: w <- (1 - lr * decay) w);
10. take the step, p <- p - lr * step, then L1's proximal step if the penalty is
    proximal;
11. call ``after_step(model, step)``.

With ``epochs``, every epoch visits each sample once, then evaluates the model on the
training and validation sets in eval mode, which is what early stopping watches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import init as init_schemes
from . import layers, losses, probes
from ._checks import (
    ArgumentTypeError,
    as_float_array,
    as_positive_int,
    as_real,
    check_ndim,
    check_rng,
)
from .activations import ACTIVATIONS
from .regularization import Penalty, is_weight

Array = np.ndarray
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
        name = activation
        make_activation: Callable[[], layers.Layer] = lambda: layers.ActivationLayer(name)  # noqa: E731
    elif callable(activation):
        make_activation = activation
    else:
        raise ArgumentTypeError(
            f"activation must be a name or a function returning a layer, got "
            f"{type(activation).__name__}"
        )
    drop_rng = None if dropout is None else check_rng(rng, "rng (needed for dropout)")
    hidden = widths[:-1] if head else widths
    if head_kwargs is not None and head_init is None:
        raise ValueError("head_kwargs go with a head_init scheme")
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
            parts.append(norm(n_out))
        parts.append(make_activation())
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


class Adam:
    """Adam's step (Kingma and Ba, 2015), for ``train(..., optimizer=Adam(...))``.

    For each parameter, with g its gradient at step t = 1, 2, ...:
    m <- beta1 m + (1 - beta1) g,  v <- beta2 v + (1 - beta2) g^2,
    step = (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps).
    The moments start at 0 and belong to this object: use a new one for each run.
    """

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.beta1, self.beta2 = as_real(beta1, "beta1"), as_real(beta2, "beta2")
        self.eps = as_real(eps, "eps")
        for name, value in (("beta1", self.beta1), ("beta2", self.beta2)):
            if not 0 <= value < 1:
                raise ValueError(f"{name} must be in [0, 1), got {value}")
        if self.eps <= 0:
            raise ValueError(f"eps must be positive, got {self.eps}")
        self.m: dict[str, Any] = {}
        self.v: dict[str, Any] = {}
        self.t = 0

    def step(self, grads: dict[str, Array]) -> dict[str, Array]:
        """The step for each parameter, from this step's gradients."""
        self.t += 1
        b1, b2, t = self.beta1, self.beta2, self.t
        out = {}
        for name, g in grads.items():
            self.m[name] = b1 * self.m.get(name, 0.0) + (1 - b1) * g
            self.v[name] = b2 * self.v.get(name, 0.0) + (1 - b2) * g**2
            v_hat = self.v[name] / (1 - b2**t)
            out[name] = self.m[name] / (1 - b1**t) / (np.sqrt(v_hat) + self.eps)
        return out

    def __repr__(self) -> str:
        return f"Adam(beta1={self.beta1:g}, beta2={self.beta2:g}, eps={self.eps:g})"


@dataclass
class History:
    """What :func:`train` recorded.

    step_loss[s]: the loss of step s's batch, in train mode, before its update
        (the last entry is the one that stopped training, if ``diverged``).
    grad_norm[s]: the global norm of step s's data gradient, before clipping.
    train_loss[e], val_loss[e]: with ``epochs``, the data loss (no penalty) after e
        epochs, in eval mode; index 0 is the untrained model. val_loss is empty
        without a validation set.
    best_epoch: epoch with the lowest validation loss (the first one on ties), or None.
    epochs_run: epochs actually trained (fewer than asked if stopped early).
    stopped_early: whether patience ran out.
    restored: whether the best epoch's weights were copied back into the model.
    diverged: whether a step's loss reached ``stop_above``.
    """

    step_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
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
    """The data loss of ``model`` on (X, y) in eval mode; the model's mode is restored."""
    was_training = model.training
    model.eval()
    try:
        value, _ = loss_fn(model.forward(X), y)
    finally:
        model.training = was_training
    return float(value)


def _global_norm(grads: dict[str, Array]) -> float:
    # the formula of clipping.global_norm, which refuses what overflowed: here it is
    # recorded as it is (inf), and stop_above decides what happens next
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


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
    optimizer: Adam | None = None,
    weight_decay: float = 0.0,
    stop_above: float | None = None,
    after_backward: Hook | None = None,
    after_step: Hook | None = None,
) -> History:
    """Train ``model`` in place and return its History. One step is described in the
    module docstring, in the order its parts apply.

    model: a layer of :mod:`helpers.layers` (forward, backward, params, grads, train/eval).
    loss_fn: e.g. ``losses.mse``; maps (y_hat, y) to (value, dL/dy_hat).
    X: (N, D) training inputs; y: their targets, as ``loss_fn`` expects.
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
    optimizer: None for gradient descent, or an :class:`Adam`.
    weight_decay: decoupled decay of the weight matrices (biases are not decayed).
    stop_above: end training, without an error, at the first step whose loss is not
        below this (``np.inf`` stops at an overflow). Without it a non-finite
        evaluation raises FloatingPointError.
    after_backward, after_step: functions ``hook(model, step)``, see the module doc.
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
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one of epochs and steps")
    if epochs is not None:
        epochs = as_positive_int(epochs, "epochs")
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
            raise ArgumentTypeError(f"steps must be an integer, got {type(steps).__name__}")
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
    batch_size = n if batch_size is None else as_positive_int(batch_size, "batch_size")
    gen = check_rng(rng, "rng (needed to draw minibatches)") if batch_size < n else None
    has_val = X_val is not None or y_val is not None
    if has_val and (X_val is None or y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if has_val and steps is not None:
        raise ValueError("a validation set is evaluated after each epoch: use epochs")
    if patience is not None:
        patience = as_positive_int(patience, "patience")
        if not has_val:
            raise ValueError("patience needs a validation set (X_val, y_val)")
    if penalty is not None and not isinstance(penalty, Penalty):
        raise ArgumentTypeError(f"penalty must be a Penalty, got {type(penalty).__name__}")
    if optimizer is not None and not isinstance(optimizer, Adam):
        raise ArgumentTypeError(f"optimizer must be None or Adam, got {type(optimizer).__name__}")
    if clip is not None and not (isinstance(clip, tuple) and len(clip) == 2 and callable(clip[0])):
        raise ArgumentTypeError("clip must be (clip function, threshold)")
    weight_decay = as_real(weight_decay, "weight_decay")
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
    if stop_above is not None:
        if isinstance(stop_above, bool) or not isinstance(stop_above, int | float | np.number):
            raise ArgumentTypeError(f"stop_above must be a number, got {type(stop_above).__name__}")
        if np.isnan(stop_above):
            raise ValueError("stop_above must be a number or inf, got nan")
    for name, hook in (("after_backward", after_backward), ("after_step", after_step)):
        if hook is not None and not callable(hook):
            raise ArgumentTypeError(f"{name} must be a function (model, step), got {hook!r}")

    history = History()

    def one_step(idx: Array | slice) -> bool:
        """Steps 2-11 of the module docstring; False when training must stop."""
        step = len(history.step_loss)
        loss, dout = loss_fn(model.forward(X[idx]), y[idx])
        history.step_loss.append(loss)
        if stop_above is not None and not loss < stop_above:
            history.diverged = True
            return False
        model.backward(dout)
        grads = model.grads
        # a clip function returns the norm before clipping
        norm = _global_norm(grads) if clip is None else clip[0](grads, clip[1])
        history.grad_norm.append(norm)
        if penalty is not None and not penalty.proximal:
            for name, g in penalty(model.params)[1].items():
                grads[name] += g
        if after_backward is not None:
            after_backward(model, step)
        moves = grads if optimizer is None else optimizer.step(grads)
        for name, p in model.params.items():
            if weight_decay and is_weight(name):
                p *= 1 - lr * weight_decay
            p -= lr * moves[name]
        if penalty is not None and penalty.proximal:
            penalty.proximal_step(model.params, lr)
        if after_step is not None:
            after_step(model, step)
        return True

    if steps is not None:
        model.train()
        for _ in range(steps):
            idx = slice(None) if gen is None else gen.choice(n, size=batch_size, replace=False)
            if not one_step(idx):
                break
        model.eval()
        return history

    def record() -> None:
        history.train_loss.append(evaluate(model, loss_fn, X, y))
        if not np.isfinite(history.train_loss[-1]):
            raise FloatingPointError(
                f"training diverged: the training loss is {history.train_loss[-1]} after "
                f"{len(history.train_loss) - 1} epochs; try a smaller lr (got {lr})"
            )
        if X_val is not None and y_val is not None:
            history.val_loss.append(evaluate(model, loss_fn, X_val, y_val))

    record()
    best_val, best_params, epochs_without_gain = np.inf, None, 0
    if has_val:
        best_val, history.best_epoch = history.val_loss[0], 0
    if patience is not None:
        best_params = {k: v.copy() for k, v in model.params.items()}
    for epoch in range(1, (epochs or 0) + 1):  # epochs is set: steps is None
        model.train()
        if gen is None:
            batches: list[Any] = [np.arange(n)]  # full batch: the order cannot matter
        else:
            order = gen.permutation(n)
            batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
        if not all(one_step(idx) for idx in batches):
            break
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
    if patience is not None and best_params is not None:
        for name, p in model.params.items():
            p[...] = best_params[name]
        history.restored = True
    model.eval()
    return history


# --- many draws at once -----------------------------------------------------------------


@dataclass
class Replicas:
    """What :func:`train_replicas` recorded: S networks of widths M_0 .. M_L, trained
    side by side. Replica s is the network ``mlp(widths, activation, rngs[s])`` would
    build, trained as ``train(..., steps=steps, stop_above=stop_above)`` trains it.

    loss: (S, steps + 1), the MSE loss before each step and, last, after the final
        step. A replica that diverged keeps the loss that stopped it, then NaN.
    diverged: (S,) whether the replica's loss reached ``stop_above``; its weights stay
        as they were at that step.
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
        X: (S, N, M_0)."""
        fn = ACTIVATIONS[self.activation].fn
        out, a = [], as_float_array(X, "X")
        S, m_0 = self.weights[0].shape[:2]
        if a.ndim != 3 or a.shape[0] != S or a.shape[2] != m_0:
            raise ValueError(f"X must have shape ({S}, N, {m_0}), got {a.shape}")
        for W, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            a = fn(a @ W + b[:, None, :], **self.act_params)
            out.append(a)
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
    X, y = as_float_array(X, "X"), as_float_array(y, "y")
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
    act_params = dict(act_params or {})
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
    stop_above: a replica whose loss is not below this stops there (diverged).
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
            moving = alive[:, None, None]  # a diverged replica keeps its weights
            for k in range(len(Ws) - 1, -1, -1):
                if k < len(Ws) - 1:
                    delta = delta * act.grad(pre[k], **act_params)
                dW = np.swapaxes(inputs[k], 1, 2) @ delta
                db = delta.sum(axis=1, keepdims=True)
                if k > 0:  # dL/da^(k), before W^(k+1) changes
                    delta_below = delta @ np.swapaxes(Ws[k], 1, 2)
                Ws[k] = Ws[k] - np.where(moving, rates * dW, 0.0)
                bs[k] = bs[k] - np.where(moving, rates * db, 0.0)
                if k > 0:
                    delta = delta_below
    return Replicas(loss, ~alive, negative, Ws, [b[:, 0, :] for b in bs], activation, act_params)


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
    x, y = as_float_array(x, "x"), as_float_array(y, "y")
    # The loss gradient is needed before the traced pass, so the forward pass runs twice.
    loss, dy_hat = losses.mse(model.forward(x), y)
    tr = probes.trace(model, x, dy_hat)
    act_norms = np.array([np.linalg.norm(g) for g in tr.grads_out[:-1] if g is not None])
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
    tr = probes.trace(model, x, upstream)
    return ActivationProfile(tr.outputs[0::2], tr.outputs[1::2], tr.grads_out[1::2])

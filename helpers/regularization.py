"""L1 and L2 weight penalties, their gradients, and the L1 proximal step.

A penalty is added to the data loss: L_total = L_data + R(params). It applies to the
**weight matrices only**: the parameters whose name (the part after the last dot, as
in ``"0.W"`` from a :class:`helpers.layers.Sequential`) is ``W``. Biases ``b`` and
other parameters (PReLU's ``alpha``, normalisation's ``gamma``/``beta``) are left
alone: a bias shifts a unit without making the function wigglier, and shrinking it
towards zero would only move the fit away from the data's mean.

- L2: R = lam / 2 * sum_W ||W||^2, with gradient lam * W (the factor 1/2 makes the
  gradient step w <- w - lr * lam * w a plain "weight decay" by a factor 1 - lr * lam).
- L1: R = lam * sum_W sum |W_ij|, with subgradient lam * sign(W) (0 where W_ij = 0).

Gradient descent with the L1 subgradient almost never lands on exactly 0.0: each step
moves a weight by lr * lam in the direction of zero, so a weight that should be zero
jumps back and forth across it. The proximal step (soft thresholding, ISTA) does land
on zero: after the plain gradient step on the data loss, each weight w becomes
sign(w) * max(|w| - lr * lam, 0), which is exactly 0.0 whenever |w| <= lr * lam.

Shapes: every ``params`` dict maps a name to an array of any shape, e.g. W: (D_in, D_out).

Like the rest of the training machinery, penalties refuse NaN and infinity with a
ValueError naming the array, and a value beyond float64's range (about 1.8e308). The
proximal step changes the weights in place, so it needs float64 arrays (an integer
array would silently truncate the thresholded weights) and refuses one array under two
names (it would be thresholded twice).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._checks import (
    ArgumentTypeError,
    NonFiniteError,
    as_array_dict,
    as_bool,
    as_choice,
    as_finite_array,
    as_float_array,
    as_nonnegative,
    as_positive,
    check_finite,
)

Array = np.ndarray

KINDS = ("l1", "l2")


def is_weight(name: str) -> bool:
    """True for a weight matrix: the name's last dotted part is ``W`` ("W", "0.W", "block.2.W")."""
    if not isinstance(name, str):
        raise ArgumentTypeError(f"name must be a str, got {type(name).__name__}")
    return name.rsplit(".", 1)[-1] == "W"


def _weights(params: object, in_place: bool = False) -> dict[str, Array]:
    """The weight matrices of ``params`` (a dict name -> array), as float64 arrays; a NaN
    shows in what is computed from them, which is checked."""
    params = as_array_dict(params, "params", in_place=in_place, finite=False)
    return {
        name: as_float_array(w, f"params[{name!r}]")
        for name, w in params.items()
        if is_weight(name)
    }


def _checked(
    value: float, grads: dict[str, Array], weights: dict[str, Array]
) -> tuple[float, dict[str, Array]]:
    """The penalty, if finite; else name a weight that is not, or the overflow."""
    if np.isfinite(value) and all(np.isfinite(g).all() for g in grads.values()):
        return value, grads
    for name, w in weights.items():
        check_finite(w, f"params[{name!r}]")
    raise NonFiniteError(
        "the penalty overflows float64 (beyond about 1.8e308): params or lam is too large"
    )


def l2_penalty(params: Mapping[str, Array], lam: float) -> tuple[float, dict[str, Array]]:
    """L2 penalty over the weight matrices of ``params``.

    params: dict name -> array (any shapes); only names with :func:`is_weight` count.
    lam: penalty strength, >= 0.
    returns (R, grads) with R = lam / 2 * sum ||W||^2 and grads[name] = lam * W, shaped
    like W, for each penalised name (other names are absent).
    """
    weights, lam = _weights(params), as_nonnegative(lam, "lam")
    value, grads = 0.0, {}
    with np.errstate(over="ignore", invalid="ignore"):
        for name, w in weights.items():
            value += 0.5 * lam * float(np.sum(w * w))
            grads[name] = lam * w
    return _checked(value, grads, weights)


def l1_penalty(params: Mapping[str, Array], lam: float) -> tuple[float, dict[str, Array]]:
    """L1 penalty over the weight matrices of ``params``.

    params: dict name -> array (any shapes); only names with :func:`is_weight` count.
    lam: penalty strength, >= 0.
    returns (R, grads) with R = lam * sum |W| and grads[name] = lam * sign(W), shaped
    like W: the gradient where W != 0, and the subgradient 0 where W == 0.
    """
    weights, lam = _weights(params), as_nonnegative(lam, "lam")
    value, grads = 0.0, {}
    with np.errstate(over="ignore", invalid="ignore"):
        for name, w in weights.items():
            value += lam * float(np.sum(np.abs(w)))
            grads[name] = lam * np.sign(w)
    return _checked(value, grads, weights)


def soft_threshold(w: Array, threshold: float) -> Array:
    """The proximal operator of threshold * |w|: sign(w) * max(|w| - threshold, 0).

    w: any shape. threshold: >= 0 (lr * lam in a proximal gradient step).
    returns an array shaped like w; entries with |w| <= threshold are exactly 0.0.
    """
    w = as_finite_array(w, "w")
    return _shrink(w, as_nonnegative(threshold, "threshold"))


def _shrink(w: Array, threshold: float) -> Array:
    shrunk = np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)
    return shrunk + 0.0  # turns -0.0 (from a negative w) into 0.0, which prints as 0.


class Penalty:
    """A weight penalty for :func:`helpers.experiments.train`.

    kind: "l1" or "l2". lam: strength, >= 0.
    proximal: only for "l1". If True, the trainer does not add the subgradient; after
        each plain gradient step it calls :meth:`proximal_step`, which soft-thresholds
        the weights and so sets small ones to exactly 0.0.

    ``penalty(params)`` returns (R, grads) as :func:`l1_penalty` / :func:`l2_penalty`.
    """

    def __init__(self, kind: str, lam: float, proximal: bool = False) -> None:
        self.kind = as_choice(kind, "kind", KINDS)
        self.lam = as_nonnegative(lam, "lam")
        self.proximal = as_bool(proximal, "proximal")
        if self.proximal and self.kind != "l1":
            raise ValueError("proximal=True is only defined here for kind='l1'")

    def __call__(self, params: Mapping[str, Array]) -> tuple[float, dict[str, Array]]:
        penalty = l1_penalty if self.kind == "l1" else l2_penalty
        return penalty(params, self.lam)

    def proximal_step(self, params: Mapping[str, Array], lr: float) -> None:
        """Soft-threshold every weight matrix in place by lr * lam (L1 proximal step)."""
        if not self.proximal:
            raise ValueError(f"{self!r} has no proximal step; create it with proximal=True")
        lr = as_positive(lr, "lr")
        weights = _weights(params, in_place=True)
        threshold = lr * self.lam
        if not np.isfinite(threshold):
            raise NonFiniteError(f"lr * lam overflows float64: lr={lr:g} is too large")
        for name, w in weights.items():
            check_finite(w, f"params[{name!r}]")  # before any weight changes
        for w in weights.values():
            w[...] = _shrink(w, threshold)

    def __repr__(self) -> str:
        mode = ", proximal" if self.proximal else ""
        return f"Penalty({self.kind}, lam={self.lam:g}{mode}; weights only)"

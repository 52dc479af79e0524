"""Optimisers: one update rule each, behind one small interface.

Every optimiser follows :class:`Optimizer`: ``step(params, grads, lr)`` moves each
parameter in place, by a step of size ``lr`` along a direction computed from its
gradient (and, for all but SGD, from the optimiser's memory of earlier gradients):

- :class:`SGD`: direction = g, so p <- p - lr g;
- :class:`Momentum` (heavy ball): v <- mu v + g, direction = v; with ``nesterov=True``
  direction = g + mu v, Nesterov's accelerated gradient in the form of Sutskever et
  al. (2013);
- :class:`Adam` (Kingma and Ba, 2015): m <- beta1 m + (1 - beta1) g,
  v <- beta2 v + (1 - beta2) g^2, direction = m_hat / (sqrt(v_hat) + eps) with the
  bias corrections m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t);
- :class:`AdamW` (Loshchilov and Hutter, 2019): Adam's direction, and the weights
  decay as a separate, decoupled step, w <- (1 - lr weight_decay) w.

The rules differ only in ``_direction``, their few lines of math; the class they share
checks the arguments and applies p <- (decay) p - lr direction. Gradient transforms
(clipping, penalties) act on ``grads`` before ``step``, in the order
:func:`helpers.experiments.train` documents, and only weight matrices decay (the
names whose last dotted part is ``W``, as :mod:`helpers.regularization` penalises).

An optimiser with memory (momentum, Adam, AdamW) belongs to one model: its first step
binds it to that model's parameter arrays, and a step with other arrays (another
model's, or this one's replaced by new ones) raises a ValueError naming the
parameter. Use a new optimiser for each run.

Like the rest of the training machinery, a step refuses NaN and infinity in params and
grads, an integer or read-only parameter (it is updated in place), two names that
share one array (it would be updated twice), and an update that would overflow
float64; a refused step changes nothing, neither the parameters nor the memory.

Adam's second moment of a gradient near 1e200 would overflow, so Adam keeps the
moments of such entries scaled by a power of two: exact, so ordinary gradients get the
textbook formula's values bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import numpy as np

from ._checks import (
    NonFiniteError,
    as_array_dict,
    as_bool,
    as_fraction,
    as_nonnegative,
    as_positive,
    check_finite,
)
from .regularization import is_weight

Array = np.ndarray

__all__ = ["SGD", "Adam", "AdamW", "Momentum", "Optimizer"]


@runtime_checkable
class Optimizer(Protocol):
    """What :func:`helpers.experiments.train` needs from an optimiser."""

    def step(self, params: Mapping[str, Array], grads: Mapping[str, Array], lr: float) -> None:
        """Update every array of ``params`` in place from ``grads`` (same keys, same
        shapes) with learning rate ``lr``."""
        ...


class _Rule:
    """The bookkeeping every rule shares: checks, binding, decay and the update."""

    #: Whether the rule remembers earlier gradients (and so belongs to one model).
    has_memory = True

    def __init__(self, weight_decay: float = 0.0) -> None:
        self.weight_decay = as_nonnegative(weight_decay, "weight_decay")
        self.t = 0  # steps taken
        self._bound: dict[str, Array] | None = None
        self._checked: dict[str, Array] = {}  # the params last checked in place

    def step(self, params: Mapping[str, Array], grads: Mapping[str, Array], lr: float) -> None:
        """One update of every parameter, in place (see the module docstring)."""
        lr = as_positive(lr, "lr")
        self._check_params(params)
        grads = as_array_dict(grads, "grads", finite=False)  # the update tells NaN
        if grads.keys() != params.keys():
            raise ValueError(
                f"grads must have the keys of params; missing {sorted(set(params) - set(grads))}"
                f", extra {sorted(set(grads) - set(params))}"
            )
        for name, p in params.items():
            if np.shape(grads[name]) != p.shape:
                raise ValueError(
                    f"grads[{name!r}] must have the shape {p.shape} of params[{name!r}], "
                    f"got {np.shape(grads[name])}"
                )
        if lr * self.weight_decay >= 1:
            raise ValueError(
                f"lr * weight_decay must be below 1, or the decay flips or grows the "
                f"weights: got lr={lr:g}, weight_decay={self.weight_decay:g}"
            )
        self._bind(params)
        memory = self._memory()
        self.t += 1
        decay = 1 - lr * self.weight_decay
        updated = {}
        with np.errstate(over="ignore", invalid="ignore"):
            for name, p in params.items():
                g = np.asarray(grads[name], dtype=np.float64)
                w = p * decay if self.weight_decay and is_weight(name) else p
                updated[name] = w - lr * self._direction(name, g)
        for name, new in updated.items():
            if not np.isfinite(new).all():
                self._restore(memory)  # a refused step changes nothing
                check_finite(params[name], f"params[{name!r}]")
                check_finite(np.asarray(grads[name]), f"grads[{name!r}]")
                raise NonFiniteError(
                    f"the update of params[{name!r}] overflows float64 (beyond about "
                    f"1.8e308): lr={lr:g} or grads[{name!r}] is too large"
                )
        for name, p in params.items():
            p[...] = updated[name]

    def _check_params(self, params: Mapping[str, Array]) -> None:
        """Writeable, distinct float64 arrays: checked once for the same arrays."""
        if not (
            isinstance(params, Mapping)
            and params.keys() == self._checked.keys()
            and all(params[k] is a for k, a in self._checked.items())
        ):
            as_array_dict(params, "params", in_place=True, finite=False)
            self._checked = dict(params)

    def _memory(self) -> tuple[int, list[dict[str, Array]]]:
        """What a step changes besides the parameters (copies of the dicts: every step
        puts new arrays in them, so the old ones stay as they were)."""
        return self.t, [dict(d) for d in self._state()]

    def _restore(self, memory: tuple[int, list[dict[str, Array]]]) -> None:
        self.t, saved = memory
        for d, old in zip(self._state(), saved, strict=True):
            d.clear()
            d.update(old)

    def _state(self) -> list[dict[str, Array]]:
        """The rule's memory: dicts name -> array."""
        return []

    def _bind(self, params: Mapping[str, Array]) -> None:
        """On the first step remember the arrays; later, refuse any other arrays."""
        if not self.has_memory:
            return
        if self._bound is None:
            self._bound = dict(params)
            return
        for name, p in params.items():
            if self._bound.get(name) is not p:
                raise ValueError(
                    f"{self!r} already holds state for another model's parameters "
                    f"({', '.join(self._bound)}); params[{name!r}] is not one of them. "
                    "Use a new optimiser for each model (and each run)"
                )
        if len(params) != len(self._bound):
            missing = sorted(set(self._bound) - set(params))
            raise ValueError(f"params lacks {missing}, which {self!r} has been updating")

    def _direction(self, name: str, g: Array) -> Array:
        """The step's direction for one parameter, from its gradient g (finite)."""
        raise NotImplementedError

    def _decay_repr(self) -> str:
        return f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""


class SGD(_Rule):
    """Plain gradient descent: p <- p - lr g (and the decoupled decay, if any).

    weight_decay: >= 0; with it each weight matrix is first shrunk by 1 - lr weight_decay.
    It has no memory, so one SGD may serve several models.
    """

    has_memory = False

    def _direction(self, name: str, g: Array) -> Array:
        return g

    def __repr__(self) -> str:
        return f"SGD({self._decay_repr()[2:]})"


class Momentum(_Rule):
    """Gradient descent with (heavy-ball) momentum: v <- mu v + g, p <- p - lr v.

    mu: in [0, 1); 0 is plain gradient descent. The velocities start at 0.
    nesterov: step along g + mu v (with the new v) instead of v. With a constant lr
        that is Nesterov's accelerated gradient as Sutskever et al. (2013) write it,
        v'_{t+1} = mu v'_t - lr grad(w_t + mu v'_t), w_{t+1} = w_t + v'_{t+1}: the
        parameters kept are the look-ahead points p_t = w_t + mu v'_t, where the
        gradient is taken, and v' = -lr v.
    """

    def __init__(self, mu: float = 0.9, weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(weight_decay)
        self.mu = as_fraction(mu, "mu")
        self.nesterov = as_bool(nesterov, "nesterov")
        self.velocity: dict[str, Array] = {}

    def _direction(self, name: str, g: Array) -> Array:
        v = self.mu * self.velocity.get(name, 0.0) + g
        self.velocity[name] = v
        return g + self.mu * v if self.nesterov else v

    def _state(self) -> list[dict[str, Array]]:
        return [self.velocity]

    def __repr__(self) -> str:
        nesterov = ", nesterov=True" if self.nesterov else ""
        return f"Momentum(mu={self.mu:g}{nesterov}{self._decay_repr()})"


class Adam(_Rule):
    """Adam's step (Kingma and Ba, 2015), for ``train(..., optimizer=Adam(...))``.

    For each parameter, with g its gradient at step t = 1, 2, ...:
    m <- beta1 m + (1 - beta1) g,  v <- beta2 v + (1 - beta2) g^2,
    direction = (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps).
    beta1, beta2: in [0, 1); eps: > 0. The moments start at 0 and belong to this
    object: use a new one for each run.

    Stored: ``m[name]`` and ``v[name]`` are the moments of each entry times 2**-k and
    4**-k, with ``k = scale[name][entry]``, 0 until that entry's gradient reaches 2**500
    (about 3e150): then k grows so that no square overflows. The step is unchanged by
    the scaling, and each entry has its own k, so 1e-200 beside 1e200 keeps its step.
    """

    #: Keep the scaled gradients below 2**LIMIT, so their squares stay below 2**1000.
    LIMIT = 500

    def __init__(
        self,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(weight_decay)
        self.beta1, self.beta2 = as_fraction(beta1, "beta1"), as_fraction(beta2, "beta2")
        self.eps = as_positive(eps, "eps")
        self.m: dict[str, Array] = {}
        self.v: dict[str, Array] = {}
        self.scale: dict[str, Array] = {}  # absent while every k is 0

    def _direction(self, name: str, g: Array) -> Array:
        b1, b2, t = self.beta1, self.beta2, self.t
        m, v = self.m.get(name, 0.0), self.v.get(name, 0.0)
        k = self.scale.get(name)
        limit = np.ldexp(1.0, self.LIMIT + (0 if k is None else k))
        if k is not None or np.any(np.abs(g) >= limit):  # rescale those entries, exactly
            grow = np.maximum(np.frexp(np.abs(g))[1] - self.LIMIT - (0 if k is None else k), 0)
            m, v = np.ldexp(m, -grow), np.ldexp(v, -2 * grow)
            k = grow if k is None else k + grow
            self.scale[name] = k
            g = np.ldexp(g, -k)
        self.m[name] = m = b1 * m + (1 - b1) * g
        self.v[name] = v = b2 * v + (1 - b2) * g**2
        v_hat = v / (1 - b2**t)
        eps = self.eps if k is None else np.ldexp(self.eps, -k)
        return m / (1 - b1**t) / (np.sqrt(v_hat) + eps)

    def _state(self) -> list[dict[str, Array]]:
        return [self.m, self.v, self.scale]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(beta1={self.beta1:g}, beta2={self.beta2:g}, "
            f"eps={self.eps:g}{self._decay_repr()})"
        )


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019): each weight
    matrix shrinks by 1 - lr weight_decay, apart from Adam's normalised step.

    weight_decay: >= 0, 0.01 by default; the other arguments are Adam's.
    """

    def __init__(
        self,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(beta1, beta2, eps, weight_decay)

"""Gradient checking by central differences.

The chapters and the tests call the same functions, so a backward pass that a chapter
shows as checked is checked in exactly the way the test suite checks it.

- :func:`numerical_grad` estimates d f / d x for a scalar-valued ``f`` by central
  differences, (f(x + h e_i) - f(x - h e_i)) / 2h, one coordinate at a time.
- :func:`rel_error` is the largest elementwise relative error between two arrays.
- :func:`check_grad` compares an analytic gradient with the numerical one.
- :func:`check_layer` checks a layer's ``backward``: dL/dx and every parameter
  gradient, for the scalar loss L = sum(forward(x) * dout) with a random ``dout``.

Like the layers they check, these refuse NaN and infinity in ``x``, and a step ``h``
lost in rounding next to ``x`` (x + h == x), with a ValueError naming it.

The default ``dout`` comes from a generator of its own, seeded with a 128-bit number
that no data set's seed shares by accident. (Drawn from ``default_rng(0)``, it equalled
any ``x`` drawn from ``default_rng(0)``; for a normalisation layer dL/dx is then
about 0, and the check compared round-off with round-off.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ._checks import (
    ArgumentTypeError,
    NonFiniteError,
    as_bool,
    as_callable,
    as_finite_array,
    as_positive,
    as_real,
    as_str,
    as_writeable_array,
    check_result,
    check_rng,
)
from .layers import Layer, as_layer

Array = np.ndarray

#: The seed of check_layer's default dout: 128 bits, from no data set.
DOUT_SEED = 0x6A09E667F3BCC908B2FB1366EA957D3E


def numerical_grad(f: Callable[[Array], float], x: Array, h: float = 1e-5) -> Array:
    """Central-difference gradient of a scalar function.

    f: maps an array shaped like ``x`` to a number.
    x: (any shape) float64 point; it is perturbed in place and restored.
    h: the step. The error of a central difference is O(h^2) from truncation plus
       O(eps / h) from round-off, smallest near h = eps ** (1/3), about 6e-6;
       the default 1e-5 sits there.
    returns: array shaped like ``x``.
    """
    f = as_callable(f, "f", "a function of x returning a number")
    x = as_writeable_array(x, "x")
    h = as_positive(h, "h")
    grad = np.zeros_like(x)
    if x.size == 0:
        return grad
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place")
    with np.errstate(over="ignore"):
        lost = (x + h == x) | (x - h == x)
    if lost.any():  # the difference would be 0 / 2h, whatever f is
        raise ValueError(
            f"h={h:g} is lost in rounding next to x (|x| up to "
            f"{np.max(np.abs(x)):.3g}): x + h == x; use a larger h or a smaller x"
        )
    for i in range(flat_x.size):
        old = flat_x[i]
        try:
            flat_x[i] = old + h
            f_plus = _number(f(x))
            flat_x[i] = old - h
            f_minus = _number(f(x))
        finally:  # x is restored even when f fails
            flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (2 * h)
    return check_result(grad, "the central difference", "f's value")


def _number(value: object) -> float:
    """f's value: one finite number (a float, or an array of one element)."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "fiu":
        raise ArgumentTypeError(f"f must return one real number, got {value!r}")
    return as_real(arr.reshape(-1)[0].item(), "f's value")


def rel_error(a: Array, b: Array, floor: float = 1e-8) -> float:
    """Largest elementwise relative error, max_i |a_i - b_i| / d_i.

    d_i = max(|a_i| + |b_i|, 1e-3 * (max|a| + max|b|), floor). The middle term compares
    an entry far smaller than the largest one on the gradient's own scale: central
    differences carry round-off of about 1e-10 times the loss, which would otherwise
    look like a large relative error on an entry that is exactly zero. About 1e-7 or
    less means two gradients agree; 1e-2 or more means a bug.
    """
    a, b = as_finite_array(a, "a"), as_finite_array(b, "b")
    floor = as_positive(floor, "floor")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    size = np.abs(a) + np.abs(b)
    scale = np.max(np.abs(a)) + np.max(np.abs(b))
    denom = np.maximum(np.maximum(size, 1e-3 * scale), floor)
    return float(np.max(np.abs(a - b) / denom))


@dataclass
class GradcheckReport:
    """Relative error per checked gradient, with the arrays kept for inspection."""

    errors: dict[str, float]
    tol: float
    analytic: dict[str, Array] = field(repr=False)
    numeric: dict[str, Array] = field(repr=False)

    @property
    def passed(self) -> bool:
        return all(err <= self.tol for err in self.errors.values())

    @property
    def max_error(self) -> float:
        return max(self.errors.values(), default=0.0)

    def __repr__(self) -> str:
        rows = "\n".join(
            f"  {name:<12} rel_error={err:.2e}  {'ok' if err <= self.tol else 'FAIL'}"
            for name, err in self.errors.items()
        )
        return f"GradcheckReport(tol={self.tol:.0e}, passed={self.passed})\n{rows}"

    def failure_message(self) -> str:
        lines = [repr(self)]
        for name, err in self.errors.items():
            if err > self.tol:
                lines.append(
                    f"{name}: analytic\n{self.analytic[name]}\nnumeric\n{self.numeric[name]}"
                )
        return "\n".join(lines)


def check_grad(
    f: Callable[[Array], float],
    grad: Array,
    x: Array,
    tol: float = 1e-6,
    h: float = 1e-5,
    name: str = "x",
    raise_on_failure: bool = True,
) -> GradcheckReport:
    """Compare an analytic gradient ``grad`` (shaped like ``x``) of scalar ``f`` at ``x``.

    Raises AssertionError showing analytic vs numeric if the relative error exceeds tol.
    """
    x = as_finite_array(x, "x").copy()
    grad = as_finite_array(grad, "grad")
    tol, name = as_positive(tol, "tol"), as_str(name, "name")
    raise_on_failure = as_bool(raise_on_failure, "raise_on_failure")
    if grad.shape != x.shape:
        raise ValueError(f"grad must have the shape of x {x.shape}, got {grad.shape}")
    numeric = numerical_grad(f, x, h)
    report = GradcheckReport({name: rel_error(grad, numeric)}, tol, {name: grad}, {name: numeric})
    if raise_on_failure and not report.passed:
        raise AssertionError(report.failure_message())
    return report


def _check_loss(out: Array, dout: Array) -> float:
    """check_layer's loss sum(out * dout), refused by name when it overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        value = float(np.sum(out * dout))
    if not np.isfinite(value):
        raise NonFiniteError(
            "the check's loss sum(forward(x) * dout) overflows float64: x is too large "
            "for a gradient check"
        )
    return value


def check_layer(
    layer: Layer,
    x: Array,
    rng: np.random.Generator | None = None,
    tol: float = 1e-6,
    h: float = 1e-5,
    raise_on_failure: bool = True,
) -> GradcheckReport:
    """Check ``layer.backward`` against central differences.

    layer: follows the layer protocol, :class:`helpers.layers.Layer` (``forward``,
        ``backward``, ``params``, ``grads``, ``training``). Its forward pass must be deterministic,
        so freeze any randomness (a dropout mask) before checking.
    x: input of the shape the layer expects, e.g. (N, D).
    rng: draws the upstream gradient ``dout``; by default a generator seeded with
        :data:`DOUT_SEED`, so that dout is the same on every call and unrelated to x.
    returns: a GradcheckReport with one entry for dx and one per parameter.
    Raises AssertionError showing analytic vs numeric on failure.
    """
    layer = as_layer(layer, "layer")
    x = as_finite_array(x, "x").copy()
    rng = np.random.default_rng(DOUT_SEED) if rng is None else check_rng(rng)
    tol, h = as_positive(tol, "tol"), as_positive(h, "h")
    raise_on_failure = as_bool(raise_on_failure, "raise_on_failure")
    out = layer.forward(x)
    dout = rng.standard_normal(np.shape(out))
    analytic = {"x": np.array(layer.backward(dout), dtype=np.float64)}
    analytic.update({k: np.array(v, dtype=np.float64) for k, v in layer.grads.items()})

    def loss_of_x(x_: Array) -> float:
        return _check_loss(layer.forward(x_), dout)

    numeric = {"x": numerical_grad(loss_of_x, x, h)}
    for name, param in layer.params.items():

        def loss_of_param(_: Array) -> float:
            return _check_loss(layer.forward(x), dout)

        numeric[name] = numerical_grad(loss_of_param, param, h)
    missing = set(numeric) - set(analytic)
    if missing:
        raise ValueError(f"layer.grads lacks entries for parameters: {sorted(missing)}")
    errors = {name: rel_error(analytic[name], numeric[name]) for name in numeric}
    report = GradcheckReport(errors, tol, analytic, numeric)
    if raise_on_failure and not report.passed:
        raise AssertionError(report.failure_message())
    return report

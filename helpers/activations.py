"""Activation functions and their derivatives.

Every activation in :data:`ACTIVATIONS` is an :class:`Activation` with

- ``fn(x, **params)``: the function, applied elementwise; ``x``: any shape;
- ``grad(x, **params)``: the elementwise derivative d fn / d x, same shape as ``x``;
- ``param_grad(x, name, **params)``: d fn / d param for the parameters that can be
  learned (the negative slope ``alpha`` of leaky ReLU, PReLU and ELU);
- ``defaults``: the parameters and their usual values.

All of them stay finite and warning-free for inputs as large as +-1000: exponentials
are only ever taken of non-positive numbers.

At exactly x = 0 the kinked functions (ReLU and its leaky relatives) use the left
derivative, 0 for ReLU, as common frameworks do. The choice almost never matters: a
float pre-activation is exactly zero with probability close to zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._checks import ArgumentTypeError, as_float_array, as_real, check_rng

Array = np.ndarray


def _sigmoid(x: Array) -> Array:
    # exp of -|x| only, so no overflow in either tail.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x: Array) -> Array:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _normal_cdf(x: Array) -> Array:
    # erfc, not 1 + erf: in the left tail 1 + erf(.) cancels to a few significant digits.
    return 0.5 * _erfc(-x / math.sqrt(2.0))


def _normal_pdf(x: Array) -> Array:
    return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class Activation:
    """One activation function: its rule, its derivative and its parameters.

    Call it like a function (``act(x)`` is ``act.fn(x)``).
    """

    name: str
    _fn: Callable[..., Array] = field(repr=False)
    _grad: Callable[..., Array] = field(repr=False)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    _param_grads: Mapping[str, Callable[..., Array]] = field(default_factory=dict, repr=False)
    _check: Callable[[dict[str, Any]], None] | None = field(default=None, repr=False)

    def _params(self, given: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(given) - set(self.defaults))
        if unknown:
            allowed = ", ".join(self.defaults) or "none"
            raise ValueError(
                f"{self.name} got unknown parameter(s) {', '.join(unknown)}; "
                f"its parameters are: {allowed}"
            )
        params = {**self.defaults, **given}
        for key, value in params.items():
            if key in ("alpha", "lower", "upper"):
                params[key] = _as_slope(value, key, self.name)
        if self._check is not None:
            self._check(params)
        return params

    def fn(self, x: Array, **params: Any) -> Array:
        """Apply the activation. x: any shape -> same shape."""
        x = as_float_array(x, "x")
        return self._fn(x, **self._params(params))

    def grad(self, x: Array, **params: Any) -> Array:
        """Elementwise derivative d fn(x) / d x. x: any shape -> same shape."""
        x = as_float_array(x, "x")
        return self._grad(x, **self._params(params))

    def param_grad(self, x: Array, name: str, **params: Any) -> Array:
        """Elementwise derivative d fn(x) / d param, for a learnable parameter."""
        if name not in self._param_grads:
            learnable = ", ".join(self._param_grads) or "none"
            raise ValueError(
                f"{self.name} has no learnable parameter {name!r}; learnable: {learnable}"
            )
        x = as_float_array(x, "x")
        return self._param_grads[name](x, **self._params(params))

    __call__ = fn

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.defaults.items())
        return f"Activation({self.name!r}{args})"


def _as_slope(value: Any, key: str, name: str) -> float | Array:
    if isinstance(value, np.ndarray):
        arr = as_float_array(value, key)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: {key} must be finite")
        return arr
    return as_real(value, f"{name}: {key}")


# --- the rules, each beside its derivative -------------------------------------------


def _sigmoid_grad(x: Array) -> Array:
    s = _sigmoid(x)
    return s * (1.0 - s)


def _tanh_grad(x: Array) -> Array:
    return 1.0 - np.tanh(x) ** 2


def _relu(x: Array) -> Array:
    return np.maximum(x, 0.0)


def _relu_grad(x: Array) -> Array:
    return (x > 0).astype(np.float64)


def _leaky(x: Array, alpha: float | Array) -> Array:
    return np.where(x > 0, x, alpha * x)


def _leaky_grad(x: Array, alpha: float | Array) -> Array:
    return np.where(x > 0, 1.0, alpha) * np.ones_like(x)


def _leaky_dalpha(x: Array, alpha: float | Array) -> Array:
    return np.minimum(x, 0.0)


def _rrelu(x: Array, lower: float, upper: float, slope: Array | None) -> Array:
    return _leaky(x, (lower + upper) / 2 if slope is None else slope)


def _rrelu_grad(x: Array, lower: float, upper: float, slope: Array | None) -> Array:
    return _leaky_grad(x, (lower + upper) / 2 if slope is None else slope)


def _check_rrelu(params: dict[str, Any]) -> None:
    lower, upper = params["lower"], params["upper"]
    if not 0 <= lower <= upper < 1:
        raise ValueError(f"rrelu needs 0 <= lower <= upper < 1, got lower={lower}, upper={upper}")
    slope = params["slope"]
    if slope is not None:
        params["slope"] = as_float_array(slope, "slope")


def _elu(x: Array, alpha: float | Array) -> Array:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _elu_grad(x: Array, alpha: float | Array) -> Array:
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0))) * np.ones_like(x)


def _elu_dalpha(x: Array, alpha: float | Array) -> Array:
    return np.expm1(np.minimum(x, 0.0))


def _check_nonnegative_alpha(params: dict[str, Any]) -> None:
    if np.any(np.asarray(params["alpha"]) < 0):
        raise ValueError(f"alpha must be >= 0, got {params['alpha']}")


def _gelu(x: Array) -> Array:
    return x * _normal_cdf(x)


def _gelu_grad(x: Array) -> Array:
    return _normal_cdf(x) + x * _normal_pdf(x)


def _silu(x: Array) -> Array:
    return x * _sigmoid(x)


def _silu_grad(x: Array) -> Array:
    s = _sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


class _Registry(Mapping[str, Activation]):
    """A read-only name -> Activation mapping whose misses list the valid names."""

    def __init__(self, items: list[Activation]) -> None:
        self._items = {a.name: a for a in items}

    def __getitem__(self, name: str) -> Activation:
        if not isinstance(name, str):
            raise ArgumentTypeError(f"activation name must be a str, got {type(name).__name__}")
        try:
            return self._items[name]
        except KeyError:
            valid = ", ".join(self._items)
            raise ValueError(f"unknown activation {name!r}; valid names: {valid}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"ACTIVATIONS({', '.join(self._items)})"


ACTIVATIONS: Mapping[str, Activation] = _Registry(
    [
        Activation("sigmoid", lambda x: _sigmoid(x), lambda x: _sigmoid_grad(x)),
        Activation("tanh", lambda x: np.tanh(x), lambda x: _tanh_grad(x)),
        Activation("relu", lambda x: _relu(x), lambda x: _relu_grad(x)),
        Activation("leaky_relu", _leaky, _leaky_grad, {"alpha": 0.01}, {"alpha": _leaky_dalpha}),
        Activation("prelu", _leaky, _leaky_grad, {"alpha": 0.25}, {"alpha": _leaky_dalpha}),
        Activation(
            "rrelu",
            _rrelu,
            _rrelu_grad,
            {"lower": 1 / 8, "upper": 1 / 3, "slope": None},
            _check=_check_rrelu,
        ),
        Activation(
            "elu",
            _elu,
            _elu_grad,
            {"alpha": 1.0},
            {"alpha": _elu_dalpha},
            _check=_check_nonnegative_alpha,
        ),
        Activation("gelu", lambda x: _gelu(x), lambda x: _gelu_grad(x)),
        Activation("silu", lambda x: _silu(x), lambda x: _silu_grad(x)),
        Activation("softplus", lambda x: _softplus(x), lambda x: _sigmoid(x)),
    ]
)
"""Every activation, by name: sigmoid tanh relu leaky_relu prelu rrelu elu gelu silu softplus."""


def get(name: str) -> Activation:
    """Look an activation up by name; an unknown name raises a ValueError listing all."""
    return ACTIVATIONS[name]


def sample_rrelu_slopes(
    shape: tuple[int, ...], rng: np.random.Generator, lower: float = 1 / 8, upper: float = 1 / 3
) -> Array:
    """Draw RReLU's training-time negative slopes, one per element, uniform in [lower, upper].

    Pass the result as ``slope=`` to ``ACTIVATIONS['rrelu'].fn`` and ``.grad``; without
    it (evaluation) RReLU uses the mean slope (lower + upper) / 2.
    """
    check_rng(rng)
    _check_rrelu(
        {"lower": as_real(lower, "lower"), "upper": as_real(upper, "upper"), "slope": None}
    )
    return rng.uniform(lower, upper, size=shape)


def softmax(x: Array, axis: int = -1) -> Array:
    """Softmax along one axis. x: any shape -> same shape, summing to 1 along ``axis``.

    Subtracting the maximum first leaves the result unchanged (the factor exp(-max)
    cancels) and keeps every exponent <= 0, so nothing overflows.
    """
    x = as_float_array(x, "x")
    _check_axis(x, axis)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: Array, axis: int = -1) -> Array:
    """log(softmax(x)) along one axis, computed without taking log of a tiny number."""
    x = as_float_array(x, "x")
    _check_axis(x, axis)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _check_axis(x: Array, axis: int) -> None:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ArgumentTypeError(f"axis must be an int, got {type(axis).__name__}")
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension for softmax, got a scalar")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis={axis} is out of range for x with shape {x.shape}")

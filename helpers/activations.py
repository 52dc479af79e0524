"""Activation functions and their derivatives.

Every activation in :data:`ACTIVATIONS` is an :class:`Activation` with

- ``fn(x, **params)``: the function, applied elementwise; ``x``: any shape;
- ``grad(x, **params)``: the elementwise derivative d fn / d x, same shape as ``x``;
- ``param_grad(x, name, **params)``: d fn / d param for the parameters that can be
  learned (the negative slope ``alpha`` of leaky ReLU, PReLU and ELU);
- ``defaults``: the parameters and their usual values (read-only).

SELU's two constants are fixed, not parameters: :data:`SELU_ALPHA` and
:data:`SELU_LAMBDA` (Klambauer et al. 2017) are the values for which a layer with
standard normal pre-activations has outputs of mean 0 and variance 1.

They follow IEEE arithmetic, as numpy's own functions do: NaN in gives NaN out (for
the derivatives too), +-inf give the function's limits there (gelu(-inf) = 0,
silu'(+inf) = 1, ...), and nothing warns, however large ``x`` is: exponentials are
only ever taken of non-positive numbers, and a product of a factor that grows without
bound and one that decays to zero exponentially is written with its limit, 0 (see
:func:`_mul`). The parameters themselves (``alpha``, ``lower``, ``upper``) must be
finite.

At exactly x = 0 the kinked functions (ReLU and its leaky relatives, SELU) use the left
derivative, 0 for ReLU, as common frameworks do. The choice almost never matters: a
float pre-activation is exactly zero with probability close to zero.

:func:`softmax`, :func:`log_softmax` and :func:`logsumexp` work along one axis and are
written for infinite entries, as masking uses them: an entry of -inf gets probability
0 (softmax([0, -inf]) = [1, 0]); when a row's maximum is infinite, the entries equal to
it share the probability equally (softmax([inf, 0]) = [1, 0], and a row of -inf only
is uniform), the limit of the finite case; a NaN makes its row NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ._checks import (
    ArgumentTypeError,
    as_callable,
    as_float_array,
    as_int,
    as_real,
    as_str,
    check_finite,
    check_rng,
)

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
    # exp(-800) is already 0 in float64: capping |x| at 40 changes no value, and keeps
    # x * x from overflowing (it would for |x| > 1.3e154).
    z = np.minimum(np.abs(x), 40.0)
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _mul(a: Array | float, b: Array | float) -> Array:
    """a * b, where IEEE's 0 * inf = NaN is replaced by the limit 0.

    Every such product here pairs a factor that grows at most like x with one that is
    exactly zero (a slope of 0) or decays to zero exponentially (e^x, the normal
    density and tail), so the product tends to 0. NaN from a NaN factor stays NaN.
    """
    out = np.multiply(a, b)
    if np.isnan(out).any():
        out = np.where(np.isnan(out) & ~np.isnan(a) & ~np.isnan(b), 0.0, out)
    return out


@dataclass(frozen=True)
class Activation:
    """One activation function: its rule, its derivative and its parameters.

    Call it like a function (``act(x)`` is ``act.fn(x)``). ``defaults`` is read-only:
    pass other values as keyword arguments instead.
    """

    name: str
    _fn: Callable[..., Array] = field(repr=False)
    _grad: Callable[..., Array] = field(repr=False)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    _param_grads: Mapping[str, Callable[..., Array]] = field(default_factory=dict, repr=False)
    _check: Callable[[dict[str, Any]], None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        as_str(self.name, "name")
        as_callable(self._fn, "_fn")
        as_callable(self._grad, "_grad")
        # Shared by every caller: read-only, so that no call can change the next one's.
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))
        object.__setattr__(self, "_param_grads", MappingProxyType(dict(self._param_grads)))

    def __copy__(self) -> Activation:
        return self  # immutable: a copy would be the same function

    def __deepcopy__(self, memo: dict[int, object]) -> Activation:
        return self

    def _apply(self, rule: Callable[..., Array], x: Array, params: dict[str, Any]) -> Array:
        x = as_float_array(x, "x")
        params = self._params(params)
        for key, value in params.items():  # a per-element parameter must fit x
            if isinstance(value, np.ndarray) and _broadcast(value.shape, x.shape) != x.shape:
                raise ValueError(
                    f"{self.name}: {key} of shape {value.shape} does not broadcast to x of "
                    f"shape {x.shape}"
                )
        with np.errstate(over="ignore", invalid="ignore"):  # IEEE: overflow is +-inf
            out = rule(x, **params)
        if np.isnan(x).any():  # NaN in, NaN out, whatever the rule does with it
            out = np.where(np.isnan(x), np.nan, out)
        return out

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
        return self._apply(self._fn, x, params)

    def grad(self, x: Array, **params: Any) -> Array:
        """Elementwise derivative d fn(x) / d x. x: any shape -> same shape."""
        return self._apply(self._grad, x, params)

    def param_grad(self, x: Array, name: str, **params: Any) -> Array:
        """Elementwise derivative d fn(x) / d param, for a learnable parameter."""
        if not isinstance(name, str) or name not in self._param_grads:
            learnable = ", ".join(self._param_grads) or "none"
            raise ValueError(
                f"{self.name} has no learnable parameter name={name!r}; learnable: {learnable}"
            )
        return self._apply(self._param_grads[name], x, params)

    __call__ = fn

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.defaults.items())
        return f"Activation({self.name!r}{args})"


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return None


def _as_slope(value: Any, key: str, name: str) -> float | Array:
    if isinstance(value, np.ndarray):
        return check_finite(as_float_array(value, key), f"{name}: {key}")
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
    return np.where(x > 0, x, _mul(alpha, x))


def _leaky_grad(x: Array, alpha: float | Array) -> Array:
    return np.where(x > 0, 1.0, alpha) * np.ones_like(x)


def _leaky_dalpha(x: Array, alpha: float | Array) -> Array:
    return np.minimum(x, 0.0)


def _rrelu(x: Array, lower: float, upper: float, slope: Array | None) -> Array:
    return _leaky(x, (lower + upper) / 2 if slope is None else slope)


def _rrelu_grad(x: Array, lower: float, upper: float, slope: Array | None) -> Array:
    return _leaky_grad(x, (lower + upper) / 2 if slope is None else slope)


def _rrelu_bounds(lower: object, upper: object) -> tuple[float, float]:
    """RReLU's slope range, checked: 0 <= lower <= upper < 1."""
    low, high = as_real(lower, "lower"), as_real(upper, "upper")
    if not 0 <= low <= high < 1:
        raise ValueError(f"rrelu needs 0 <= lower <= upper < 1, got lower={low}, upper={high}")
    return low, high


def _check_rrelu(params: dict[str, Any]) -> None:
    _rrelu_bounds(params["lower"], params["upper"])
    slope = params["slope"]
    if slope is not None:
        params["slope"] = check_finite(as_float_array(slope, "slope"), "slope")


def _elu(x: Array, alpha: float | Array) -> Array:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _elu_grad(x: Array, alpha: float | Array) -> Array:
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0))) * np.ones_like(x)


def _elu_dalpha(x: Array, alpha: float | Array) -> Array:
    return np.expm1(np.minimum(x, 0.0))


def _check_nonnegative_alpha(params: dict[str, Any]) -> None:
    if np.any(np.asarray(params["alpha"]) < 0):
        raise ValueError(f"alpha must be >= 0, got {params['alpha']}")


#: SELU's alpha and lambda (Klambauer et al. 2017, to the digits they give): with them,
#: E[selu(z)] = 0 and E[selu(z)^2] = 1 for z ~ N(0, 1).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946


def _selu(x: Array) -> Array:
    return SELU_LAMBDA * _elu(x, SELU_ALPHA)


def _selu_grad(x: Array) -> Array:
    return SELU_LAMBDA * _elu_grad(x, SELU_ALPHA)


def _gelu(x: Array) -> Array:
    return _mul(x, _normal_cdf(x))


def _gelu_grad(x: Array) -> Array:
    return _normal_cdf(x) + _mul(x, _normal_pdf(x))


def _silu(x: Array) -> Array:
    return _mul(x, _sigmoid(x))


def _silu_grad(x: Array) -> Array:
    s = _sigmoid(x)
    return _mul(s, 1.0 + _mul(x, 1.0 - s))


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
            raise ValueError(f"unknown activation name {name!r}; valid names: {valid}") from None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._items

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
        Activation("selu", lambda x: _selu(x), lambda x: _selu_grad(x)),
        Activation("gelu", lambda x: _gelu(x), lambda x: _gelu_grad(x)),
        Activation("silu", lambda x: _silu(x), lambda x: _silu_grad(x)),
        Activation("softplus", lambda x: _softplus(x), lambda x: _sigmoid(x)),
    ]
)
"""Every activation, by name: sigmoid tanh relu leaky_relu prelu rrelu elu selu gelu silu
softplus."""


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
    if not isinstance(shape, tuple):
        raise ArgumentTypeError(f"shape must be a tuple of sizes, got {type(shape).__name__}")
    sizes = tuple(as_int(n, f"shape[{i}]", minimum=0) for i, n in enumerate(shape))
    check_rng(rng)
    lower, upper = _rrelu_bounds(lower, upper)
    return rng.uniform(lower, upper, size=sizes)


def _shifted(x: Array, axis: int) -> tuple[Array, Array]:
    """(max of x along axis, x minus it), with a row whose maximum is infinite replaced
    by its limit: 0 at the entries equal to the maximum, -inf elsewhere.

    Every entry of the difference is <= 0 (or NaN in a row holding NaN), so its
    exponential cannot overflow; an entry of -inf (or one that overflows to -inf
    below a huge maximum) gets exp = 0, its limit.
    """
    top = np.max(x, axis=axis, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore"):
        shifted = x - top
    infinite = np.isinf(top)
    if infinite.any():
        shifted = np.where(infinite, np.where(x == top, 0.0, -np.inf), shifted)
    return top, shifted


def softmax(x: Array, axis: int = -1) -> Array:
    """Softmax along one axis. x: any shape -> same shape, summing to 1 along ``axis``.

    Subtracting the maximum first leaves the result unchanged (the factor exp(-max)
    cancels) and keeps every exponent <= 0, so nothing overflows. Infinite entries
    follow the module docstring: softmax([0, -inf]) = [1, 0].
    """
    x, axis = _along_axis(x, axis)
    e = np.exp(_shifted(x, axis)[1])
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: Array, axis: int = -1) -> Array:
    """log(softmax(x)) along one axis, computed without taking log of a tiny number.

    x: any shape -> same shape; an entry of -inf gives -inf (log 0).
    """
    x, axis = _along_axis(x, axis)
    shifted = _shifted(x, axis)[1]
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def logsumexp(x: Array, axis: int = -1) -> Array:
    """log(sum(exp(x))) along one axis, without overflow: max + log(sum(exp(x - max))).

    x: any shape -> x's shape without ``axis``. A row of -inf only gives -inf, a row
    holding +inf gives +inf, a row holding NaN gives NaN.
    """
    x, axis = _along_axis(x, axis)
    top, shifted = _shifted(x, axis)
    total = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return np.squeeze(top + total, axis=axis)


def _along_axis(x: Array, axis: int) -> tuple[Array, int]:
    x = as_float_array(x, "x")
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
        raise ArgumentTypeError(f"axis must be an int, got {type(axis).__name__}")
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension for softmax, got a scalar")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis={axis} is out of range for x with shape {x.shape}")
    if x.shape[axis] == 0:
        raise ValueError(f"x must have at least one entry along axis {axis}, got shape {x.shape}")
    return x, int(axis)

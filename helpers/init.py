"""Weight initialisation schemes.

Every function returns a float64 array of shape (n_in, n_out) for a layer computing
x @ W. The random ones draw from the ``rng`` they are given and refuse a missing one;
``zeros`` and ``constant`` draw nothing and need none. ``SCHEMES`` maps each name to
its function (read-only), and ``get(name)`` looks one up. A scale so large that the
weights would overflow float64 is refused, naming it.

Let fan_in = n_in and fan_out = n_out.

==================  ===========================================  =========================
scheme              normal: standard deviation                   uniform on [-r, r]: r
==================  ===========================================  =========================
xavier (Glorot)     gain * sqrt(2 / (fan_in + fan_out))          gain * sqrt(6 / (fan_in + fan_out))
he (Kaiming)        gain * sqrt(1 / fan_in), gain = sqrt(2)      gain * sqrt(3 / fan_in)
==================  ===========================================  =========================

``orthogonal`` (Saxe et al. 2014) is not a distribution of independent entries: it
draws a random matrix whose singular values all equal ``gain``. For n_in <= n_out its
rows are orthonormal (times gain), so ||x @ W|| = gain * ||x|| for every x; for
n_in > n_out its columns are, and W projects onto n_out directions.

A uniform distribution on [-r, r] has standard deviation r / sqrt(3), so each uniform
row has the same spread as the normal row beside it.

``gain(activation)`` follows PyTorch's ``torch.nn.init.calculate_gain``: 1 for linear
and sigmoid, 5/3 for tanh, sqrt(2) for ReLU, sqrt(2 / (1 + alpha^2)) for leaky ReLU.
Multiplying the sigmoid range by 4 instead, because sigmoid'(0) = 1/4, is not in Glorot
and Bengio (2010): it is the sigmoid-slope argument of the Theano deep-learning
tutorial, which builds on that paper. It holds for the backward pass only (sigmoid's
outputs have mean 1/2); chapter 6 derives both conditions and compares the two
conventions empirically.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np

from ._checks import (
    ArgumentTypeError,
    as_nonnegative,
    as_positive,
    as_positive_int,
    as_real,
    check_result,
    check_rng,
    optional,
)

Array = np.ndarray


def _fans(n_in: int, n_out: int) -> tuple[int, int]:
    return as_positive_int(n_in, "n_in"), as_positive_int(n_out, "n_out")


def _gain(value: float) -> float:
    return as_positive(value, "gain")


def normal(n_in: int, n_out: int, rng: np.random.Generator, std: float = 0.01) -> Array:
    """W ~ N(0, std^2), shape (n_in, n_out)."""
    n_in, n_out = _fans(n_in, n_out)
    std = as_nonnegative(std, "std")
    with np.errstate(over="ignore", invalid="ignore"):
        W = check_rng(rng).normal(0.0, std, size=(n_in, n_out))
    return check_result(W, "the weights", "std (or gain)")


def uniform(n_in: int, n_out: int, rng: np.random.Generator, r: float = 0.05) -> Array:
    """W ~ U(-r, r), shape (n_in, n_out)."""
    n_in, n_out = _fans(n_in, n_out)
    r = as_nonnegative(r, "r")
    if not np.isfinite(2 * r):
        raise ValueError(
            f"r (or gain) is too large: the range [-r, r] overflows float64, got {r:g}"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        W = check_rng(rng).uniform(-r, r, size=(n_in, n_out))
    return check_result(W, "the weights", "r (or gain)")


def xavier_normal(n_in: int, n_out: int, rng: np.random.Generator, gain: float = 1.0) -> Array:
    """Glorot normal: std = gain * sqrt(2 / (n_in + n_out))."""
    n_in, n_out = _fans(n_in, n_out)
    return normal(n_in, n_out, rng, _gain(gain) * math.sqrt(2.0 / (n_in + n_out)))


def xavier_uniform(n_in: int, n_out: int, rng: np.random.Generator, gain: float = 1.0) -> Array:
    """Glorot uniform: r = gain * sqrt(6 / (n_in + n_out))."""
    n_in, n_out = _fans(n_in, n_out)
    return uniform(n_in, n_out, rng, _gain(gain) * math.sqrt(6.0 / (n_in + n_out)))


def he_normal(
    n_in: int, n_out: int, rng: np.random.Generator, gain: float = math.sqrt(2.0)
) -> Array:
    """He (Kaiming) normal: std = gain / sqrt(n_in), gain = sqrt(2) for ReLU."""
    n_in, n_out = _fans(n_in, n_out)
    return normal(n_in, n_out, rng, _gain(gain) / math.sqrt(n_in))


def he_uniform(
    n_in: int, n_out: int, rng: np.random.Generator, gain: float = math.sqrt(2.0)
) -> Array:
    """He (Kaiming) uniform: r = gain * sqrt(3 / n_in), i.e. sqrt(6 / n_in) for ReLU."""
    n_in, n_out = _fans(n_in, n_out)
    return uniform(n_in, n_out, rng, _gain(gain) * math.sqrt(3.0 / n_in))


def orthogonal(n_in: int, n_out: int, rng: np.random.Generator, gain: float = 1.0) -> Array:
    """gain times a random (semi-)orthogonal matrix, shape (n_in, n_out).

    Every singular value of W equals gain: W @ W.T = gain^2 I when n_in <= n_out (rows
    orthonormal), W.T @ W = gain^2 I when n_in >= n_out (columns orthonormal). The
    directions are uniform (Haar): the QR factors of a Gaussian matrix, with the signs
    of R's diagonal moved into Q.
    """
    n_in, n_out = _fans(n_in, n_out)
    g = _gain(gain)
    A = check_rng(rng).standard_normal((max(n_in, n_out), min(n_in, n_out)))
    Q, R = np.linalg.qr(A)  # Q: (max, min), orthonormal columns
    Q *= np.where(np.diag(R) < 0, -1.0, 1.0)  # a unique, uniformly distributed Q
    W = Q if n_in >= n_out else Q.T
    with np.errstate(over="ignore", invalid="ignore"):
        W = g * W
    return check_result(np.ascontiguousarray(W), "the weights", "gain")


def zeros(n_in: int, n_out: int, rng: np.random.Generator | None = None) -> Array:
    """All zeros: every hidden unit starts identical (chapter 6 shows why that fails)."""
    n_in, n_out = _fans(n_in, n_out)
    optional(check_rng, rng)  # nothing is drawn, but a wrong argument is still wrong
    return np.zeros((n_in, n_out))


def constant(
    n_in: int, n_out: int, rng: np.random.Generator | None = None, value: float = 0.5
) -> Array:
    """Every weight equal to ``value``, shape (n_in, n_out): the units start identical."""
    n_in, n_out = _fans(n_in, n_out)
    optional(check_rng, rng)
    return np.full((n_in, n_out), as_real(value, "value"))


_GAINS = {
    "linear": 1.0,
    "identity": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
}


def gain(activation: str, alpha: float = 0.01) -> float:
    """PyTorch's calculate_gain for an activation (leaky_relu uses alpha)."""
    if not isinstance(activation, str):
        raise ArgumentTypeError(f"activation must be a str, got {type(activation).__name__}")
    if activation == "leaky_relu":
        a = as_real(alpha, "alpha")
        if math.isinf(a * a):  # |alpha| > 1e154: the same value, without the square
            return math.sqrt(2.0) / math.hypot(1.0, a)
        return math.sqrt(2.0 / (1.0 + a * a))
    if activation not in _GAINS:
        valid = ", ".join([*_GAINS, "leaky_relu"])
        raise ValueError(f"no gain for activation {activation!r}; valid names: {valid}")
    return _GAINS[activation]


#: A scheme: (n_in, n_out, rng, **its keyword arguments) -> W of shape (n_in, n_out).
Scheme = Callable[..., Array]

#: Every scheme by name (read-only). zeros and constant draw nothing: they take rng=None.
SCHEMES: Mapping[str, Scheme] = MappingProxyType(
    {
        "normal": normal,
        "uniform": uniform,
        "xavier_normal": xavier_normal,
        "xavier_uniform": xavier_uniform,
        "he_normal": he_normal,
        "he_uniform": he_uniform,
        "orthogonal": orthogonal,
        "zeros": zeros,
        "constant": constant,
    }
)


def get(scheme: str) -> Scheme:
    """Look a scheme up by name; an unknown name raises a ValueError listing all."""
    if not isinstance(scheme, str):
        raise ArgumentTypeError(f"init scheme must be a name (str), got {type(scheme).__name__}")
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; valid names: {', '.join(SCHEMES)}")
    return SCHEMES[scheme]

"""Toy data sets, generated here from an ``rng``: nothing is downloaded.

Every generator takes a numpy ``Generator`` and returns ``(X, y)``:

- ``X``: (N, D) float64 inputs, one sample per row;
- ``y``: (N,) int64 class labels for the classification sets (rows grouped by class,
  in class order; shuffle with ``rng.permutation(N)`` if order matters), or float64
  targets for the regression sets: (N,) for ``regression_1d``, (N, 1) for
  ``sine_of_first``, whose targets go to a network's one output unit as they are.

The same seed gives the same arrays. Bad sizes, noise levels or generators raise
``ValueError`` or ``TypeError`` naming the argument, and so does a noise level or range
so large that the data would overflow float64. ``XOR_CORNERS`` and ``XOR_LABELS`` are
read-only: they are shared by every caller.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._checks import (
    ArgumentTypeError,
    NonFiniteError,
    as_callable,
    as_nonnegative,
    as_positive,
    as_positive_int,
    as_real,
    check_result,
    check_rng,
)

Array = np.ndarray

#: The four corners of the unit square and their XOR labels.
XOR_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_LABELS = np.array([0, 1, 1, 0])
XOR_CORNERS.flags.writeable = False
XOR_LABELS.flags.writeable = False


def _noise_level(noise: object) -> float:
    return as_nonnegative(noise, "noise")


def xor(n_per_corner: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[Array, Array]:
    """Points scattered around the corners of the unit square, labelled x1 XOR x2.

    n_per_corner: samples drawn around each of the four corners (N = 4 * n_per_corner).
    rng: numpy Generator for the noise.
    noise: standard deviation of the Gaussian noise added to each coordinate; with
        noise = 0 the points are exactly the corners.
    returns X: (N, 2) float64, y: (N,) int64 in {0, 1}; rows are ordered by corner,
        (0, 0), (0, 1), (1, 0), (1, 1), so y is 0, 1, 1, 0 in blocks.
    """
    n = as_positive_int(n_per_corner, "n_per_corner")
    rng = check_rng(rng)
    noise = _noise_level(noise)
    with np.errstate(over="ignore", invalid="ignore"):
        X = np.repeat(XOR_CORNERS, n, axis=0) + noise * rng.standard_normal((4 * n, 2))
    return check_result(X, "the data", "noise"), np.repeat(XOR_LABELS, n).astype(np.int64)


def spirals(
    n_per_class: int,
    rng: np.random.Generator,
    n_classes: int = 2,
    noise: float = 0.05,
    turns: float = 1.0,
) -> tuple[Array, Array]:
    """Interleaved spiral arms, one per class, winding out from the origin.

    n_per_class: samples per arm (N = n_classes * n_per_class).
    rng: numpy Generator for the noise.
    n_classes: number of arms (classes), at least 2.
    noise: standard deviation of the Gaussian noise added to each coordinate.
    turns: how many full turns each arm makes, positive.
    returns X: (N, 2) float64 inside roughly [-1, 1]^2, y: (N,) int64 in [0, n_classes).
    Without noise, the point at radius r of arm k lies at angle
    2 pi (turns * r + k / n_classes).
    """
    n = as_positive_int(n_per_class, "n_per_class")
    rng = check_rng(rng)
    k = as_positive_int(n_classes, "n_classes")
    if k < 2:
        raise ValueError(f"n_classes must be at least 2, got {k}")
    noise = _noise_level(noise)
    turns = as_positive(turns, "turns")
    radius = np.tile(np.linspace(0.05, 1.0, n), k)
    labels = np.repeat(np.arange(k), n)
    with np.errstate(over="ignore", invalid="ignore"):
        angle = 2 * np.pi * (turns * radius + labels / k)
        X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
        X = X + noise * rng.standard_normal((k * n, 2))
    return check_result(X, "the data", "noise or turns"), labels.astype(np.int64)


def moons(n_per_class: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[Array, Array]:
    """Two interleaved half circles of radius 1.

    Class 0 is the upper half circle centred at (0, 0); class 1 the lower half circle
    centred at (1, 0.5). Neither can be separated from the other by a straight line.

    n_per_class: samples per half circle (N = 2 * n_per_class).
    rng: numpy Generator for the angles and the noise.
    noise: standard deviation of the Gaussian noise added to each coordinate.
    returns X: (N, 2) float64, y: (N,) int64 in {0, 1}.
    """
    n = as_positive_int(n_per_class, "n_per_class")
    rng = check_rng(rng)
    noise = _noise_level(noise)
    angle = rng.uniform(0.0, np.pi, size=2 * n)
    upper = np.column_stack([np.cos(angle[:n]), np.sin(angle[:n])])
    lower = np.column_stack([1.0 - np.cos(angle[n:]), 0.5 - np.sin(angle[n:])])
    with np.errstate(over="ignore", invalid="ignore"):
        X = np.vstack([upper, lower]) + noise * rng.standard_normal((2 * n, 2))
    return check_result(X, "the data", "noise"), np.repeat(np.arange(2), n).astype(np.int64)


def regression_1d(
    n: int,
    rng: np.random.Generator,
    noise: float = 0.1,
    low: float = -3.0,
    high: float = 3.0,
    fn: Callable[[Array], Array] = np.sin,
) -> tuple[Array, Array]:
    """Noisy samples of a 1-D function: y = fn(x) + noise * standard normal.

    n: number of samples.
    rng: numpy Generator for the inputs and the noise.
    noise: standard deviation of the Gaussian noise on the targets.
    low, high: x is drawn uniformly from [low, high), low < high.
    fn: the clean function, mapping an (n,) array to an (n,) array; sin by default.
    returns X: (n, 1) float64 sorted by x (so that a fit can be drawn as a line),
        y: (n,) float64 targets.
    """
    n = as_positive_int(n, "n")
    rng = check_rng(rng)
    noise = _noise_level(noise)
    low, high = as_real(low, "low"), as_real(high, "high")
    if not low < high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    if not np.isfinite(high - low):
        raise ValueError(f"high - low must be finite, got low={low}, high={high}")
    fn = as_callable(fn, "fn", "a function mapping an (n,) array to an (n,) array")
    x = np.sort(rng.uniform(low, high, size=n))
    clean = np.asarray(fn(x))
    if clean.dtype.kind not in "fiu":
        raise ArgumentTypeError(f"fn must return real numbers, got dtype {clean.dtype}")
    if clean.shape != (n,):
        raise ValueError(f"fn must map an ({n},) array to shape ({n},), got shape {clean.shape}")
    clean = clean.astype(np.float64)
    if not np.isfinite(clean).all():
        raise NonFiniteError(f"fn must return finite values on [{low}, {high}]")
    with np.errstate(over="ignore", invalid="ignore"):
        y = clean + noise * rng.standard_normal(n)
    return x[:, None], check_result(y, "the targets", "noise")


def sine_of_first(n: int, rng: np.random.Generator, d: int = 32) -> tuple[Array, Array]:
    """A regression problem in d dimensions whose target depends on one feature:
    y = sin(3 x_1), for chapter 6's deep networks.

    n: number of samples.
    rng: numpy Generator for the inputs.
    d: number of features; 32 is the width of chapter 6's networks, so that their first
        weight matrix is square like the others.
    returns X: (n, d) float64 standard normal, y: (n, 1) float64 = sin(3 X[:, :1]).
    """
    n, d = as_positive_int(n, "n"), as_positive_int(d, "d")
    X = check_rng(rng).standard_normal((n, d))
    return X, np.sin(3.0 * X[:, :1])

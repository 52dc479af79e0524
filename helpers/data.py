"""Data sets, generated here from an ``rng``: nothing is downloaded.

Every toy generator takes a numpy ``Generator`` and returns ``(X, y)``:

- ``X``: (N, D) float64 inputs, one sample per row;
- ``y``: (N,) int64 class labels for the classification sets (rows grouped by class,
  in class order; shuffle with ``rng.permutation(N)`` if order matters), or float64
  targets for the regression sets: (N,) for ``regression_1d``, (N, 1) for
  ``sine_of_first``, whose targets go to a network's one output unit as they are.

MNIST-1D (Greydanus and Kobak, 2024), a small real benchmark made by the same kind of
procedure, comes as a train / validation / test split in one call, :func:`mnist1d`;
:func:`mnist1d_signals` is its generator.

The same seed gives the same arrays. Bad sizes, noise levels or generators raise
``ValueError`` or ``TypeError`` naming the argument, and so does a noise level or range
so large that the data would overflow float64. ``XOR_CORNERS`` and ``XOR_LABELS`` are
read-only: they are shared by every caller.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._checks import (
    ArgumentTypeError,
    NonFiniteError,
    as_array,
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


# --- MNIST-1D -------------------------------------------------------------------------

#: The heights of MNIST-1D's ten digit patterns, 12 points each, as published with the
#: data set (Greydanus and Kobak, 2024); row d is digit d.
_MNIST1D_DIGITS = np.array(
    [
        [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],
        [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],
        [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],
        [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],
        [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],
        [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],
        [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],
        [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],
        [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],
        [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],
    ]
)


def _templates(heights: Array) -> Array:
    centred = heights - heights.mean(axis=1, keepdims=True)
    unit = centred / centred.std(axis=1, keepdims=True)
    out = (unit - unit[:, :1]) / 6.0
    out.setflags(write=False)
    return out


#: MNIST-1D's templates, (10, 12): each digit's heights standardised (mean 0, standard
#: deviation 1), shifted to start (and end) at 0, and divided by 6. Read-only.
MNIST1D_TEMPLATES: Array = _templates(_MNIST1D_DIGITS)


def _interpolate(values: Array, positions: Array) -> Array:
    """Linear interpolation of each row of values: (N, M), known at 0, 1, ..., M - 1,
    at positions: (P,) or (N, P) in [0, M - 1]. returns (N, P)."""
    left = np.minimum(np.floor(positions).astype(np.intp), values.shape[1] - 2)
    frac = positions - left
    left = np.broadcast_to(left, (values.shape[0], np.shape(positions)[-1]))
    a = np.take_along_axis(values, left, axis=1)
    b = np.take_along_axis(values, left + 1, axis=1)
    return (1 - frac) * a + frac * b


def _smooth(x: Array, sigma: float) -> Array:
    """Each row of x: (N, M) convolved with a Gaussian of standard deviation sigma
    points, cut at 4 sigma and normalised to sum 1; beyond either end the row continues
    as its mirror image (the last point repeated first)."""
    radius = int(4 * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    padded = np.pad(x, ((0, 0), (radius, radius)), mode="symmetric")
    windows = np.lib.stride_tricks.sliding_window_view(padded, offsets.size, axis=1)
    return windows @ (kernel / kernel.sum())


def _non_negative(value: object, name: str, below: float = np.inf) -> float:
    out = as_real(value, name)
    if not 0 <= out < below:
        raise ValueError(f"{name} must be in [0, {below:g}), got {out}")
    return out


def _padding(padding: object) -> tuple[int, int]:
    if not (
        isinstance(padding, tuple | list)
        and len(padding) == 2
        and all(isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in padding)
    ):
        raise ArgumentTypeError(f"padding must be a pair of integers (low, high), got {padding!r}")
    low, high = int(padding[0]), int(padding[1])
    if not 0 <= low <= high:
        raise ValueError(f"padding must be (low, high) with 0 <= low <= high, got {padding!r}")
    return low, high


def _digits(y: object) -> Array:
    arr, expected = as_array(y, "y"), "y must be an (N,) array of integer digits 0..9"
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ArgumentTypeError(f"{expected}, got {arr.dtype} with shape {arr.shape}")
    if arr.size and not 0 <= arr.min() <= arr.max() <= 9:
        raise ValueError(f"{expected}, got values {arr.min()}..{arr.max()}")
    return arr


def mnist1d_signals(
    y: Array,
    rng: np.random.Generator,
    *,
    padding: tuple[int, int] = (36, 60),
    scale: float = 0.4,
    max_translation: int = 48,
    corr_noise: float = 0.25,
    iid_noise: float = 0.02,
    shear: float = 0.75,
    length: int = 40,
) -> Array:
    """MNIST-1D signals of the digits ``y``, not yet standardised: the procedure of
    Greydanus and Kobak (2024); the defaults are theirs.

    Each signal starts as its digit's row of ``MNIST1D_TEMPLATES`` (12 points). Then:

    1. pad: p zeros are appended (p uniform in padding[0]..padding[1]) and the whole is
       stretched by linear interpolation onto a canvas of W = 12 + padding[1] points,
       so that less padding leaves a wider digit;
    2. scale: the canvas is multiplied by a factor uniform in [1 - scale/2, 1 + scale/2);
    3. translate: it is rotated right by a shift uniform in 0..max_translation - 1
       points (what leaves the end comes back at the start);
    4. correlated noise: the points outside the digit are replaced by Gaussian noise of
       standard deviation corr_noise, smoothed by a Gaussian of standard deviation 2
       points;
    5. iid noise: Gaussian noise of standard deviation iid_noise is added everywhere;
    6. shear: a line rising from -c/2 to c/2 across the canvas is subtracted, with c
       uniform in [-shear/2, shear/2);
    7. resample: the W points are linearly interpolated down to ``length``.

    y: (N,) integer digits in 0..9.
    rng: numpy Generator for every random draw.
    padding: (low, high), the range of the padding p, 0 <= low <= high.
    returns X: (N, length) float64. Noise so large that a signal leaves float64's range
    is refused with a ValueError naming it.
    """
    y, rng, (low, high) = _digits(y), check_rng(rng), _padding(padding)
    scale = _non_negative(scale, "scale", below=2.0)
    corr_noise = _non_negative(corr_noise, "corr_noise")
    iid_noise = _non_negative(iid_noise, "iid_noise")
    shear = _non_negative(shear, "shear")
    max_translation = as_positive_int(max_translation, "max_translation")
    length = as_positive_int(length, "length")
    (n_digits, k), n = MNIST1D_TEMPLATES.shape, y.size
    width, pads = k + high, np.arange(low, high + 1)
    # 1. canvas point i reads the padded signal (k + p points) at i (k + p - 1) / (W - 1);
    # a stretched digit depends on (digit, p) alone, so all of them are made once
    where = np.arange(width) * ((k - 1 + pads) / (width - 1))[:, None]  # (P, W)
    padded = np.zeros((n_digits * pads.size, width))
    padded[:, :k] = np.repeat(MNIST1D_TEMPLATES, pads.size, axis=0)
    stretched = _interpolate(padded, np.tile(where, (n_digits, 1)))
    pad = rng.integers(0, pads.size, size=n)
    X = stretched[y * pads.size + pad]
    # the digit ends where the padding's first zero is read
    digit = where[pad] < k
    X *= 1 + scale * (rng.random(n) - 0.5)[:, None]
    source = (np.arange(width) - rng.integers(0, max_translation, size=n)[:, None]) % width
    X, digit = np.take_along_axis(X, source, axis=1), np.take_along_axis(digit, source, axis=1)
    # smoothing and resampling are linear maps, the same for every row: each is one
    # matrix, the map applied to the rows of the identity
    smooth = _smooth(np.eye(width), sigma=2.0)
    with np.errstate(over="ignore", invalid="ignore"):  # noise beyond float64: refused below
        X = np.where(digit, X, corr_noise * rng.standard_normal((n, width)) @ smooth)
        X += iid_noise * rng.standard_normal((n, width))
        X -= (shear * (rng.random(n) - 0.5))[:, None] * np.linspace(-0.5, 0.5, width)
        X = X @ _interpolate(np.eye(width), np.linspace(0, width - 1, length))
    return check_result(X, "a signal", "corr_noise, iid_noise or shear")


class MNIST1D(NamedTuple):
    """MNIST-1D split three ways, as :func:`mnist1d` returns it.

    X_train: (N_train, L) float64 signals, y_train: (N_train,) int64 digits 0..9, and the
    same for the validation (``_val``) and test (``_test``) sets. It unpacks as
    ``X_train, y_train, X_val, y_val, X_test, y_test = data.mnist1d(rng)``, and
    ``.train``, ``.val`` and ``.test`` give each (X, y) pair.
    """

    X_train: Array
    y_train: Array
    X_val: Array
    y_val: Array
    X_test: Array
    y_test: Array

    @property
    def train(self) -> tuple[Array, Array]:
        return self.X_train, self.y_train

    @property
    def val(self) -> tuple[Array, Array]:
        return self.X_val, self.y_val

    @property
    def test(self) -> tuple[Array, Array]:
        return self.X_test, self.y_test

    def __repr__(self) -> str:
        return (
            f"MNIST1D(train={len(self.y_train)}, val={len(self.y_val)}, "
            f"test={len(self.y_test)}, length={self.X_train.shape[1]})"
        )


def mnist1d(
    rng: np.random.Generator,
    *,
    n_train: int = 3500,
    n_val: int = 500,
    n_test: int = 1000,
    **params: Any,
) -> MNIST1D:
    """MNIST-1D (Greydanus and Kobak, 2024): the default train / validation / test split.

    MNIST-1D is a small benchmark of 1-D signals of 40 points, each a noisy, shifted,
    stretched and sheared copy of one of ten digit-like templates; a classifier must tell
    the digit. It sets models far apart that MNIST does not: the authors report 32 %
    test accuracy for logistic regression and 68 % for an MLP (94 % and over 99 % on
    MNIST).
    Every signal is generated here, by :func:`mnist1d_signals`, which says how; nothing
    is downloaded.

    The split: the authors generate 5,000 signals and keep 4,000 to train on and 1,000
    to test. We keep the 1,000 test signals and carve the validation set out of their
    training set: 3,500 train and 500 validation signals by default. Each set holds
    every digit equally often (to within one) in a random order. The test set is drawn
    first, then the validation set, then the training set, so the same seed with other
    n_train or n_val gives the same test signals.

    All three sets are standardised with the training set's mean and standard deviation
    (one number each, over all its points), so nothing of the validation or test signals
    leaks into training; the authors use all 5,000 signals' statistics instead.

    rng: numpy Generator for every random draw.
    n_train, n_val, n_test: the sizes of the three sets.
    params: keyword arguments of :func:`mnist1d_signals` (``shear=0.0``, ...).
    returns an :class:`MNIST1D`: X_train (N_train, 40) float64, y_train (N_train,)
    int64, and likewise for val and test.
    """
    rng = check_rng(rng)
    sizes = [as_positive_int(n_test, "n_test"), as_positive_int(n_val, "n_val")]
    sizes.append(as_positive_int(n_train, "n_train"))
    sets = []
    for size in sizes:  # test, validation, train
        y = rng.permutation(np.arange(size, dtype=np.int64) % 10)
        sets.append((mnist1d_signals(y, rng, **params), y))
    (X_te, y_te), (X_val, y_val), (X_tr, y_tr) = sets
    # first scaled by a power of two (exact, so the result is the same), so that the
    # variance's squares stay finite however large the noise
    k = math.frexp(np.max(np.abs(X_tr)))[1]
    X_tr, X_val, X_te = (np.ldexp(X, -k) for X in (X_tr, X_val, X_te))
    mean, std = X_tr.mean(), X_tr.std()
    if not std > 0:
        raise ValueError(
            f"the training set cannot be standardised: its n_train={len(X_tr)} signals of "
            f"length={X_tr.shape[1]} hold one value only"
        )
    X_tr, X_val, X_te = ((X - mean) / std for X in (X_tr, X_val, X_te))
    return MNIST1D(X_tr, y_tr, X_val, y_val, X_te, y_te)

"""Normalisation layers: batch, layer, instance and group normalisation as one idea.

Every layer here follows the protocol of :mod:`helpers.layers` (``params``, ``grads``,
``training``, ``forward``, ``backward``) and computes, per channel c,

    out = gamma_c * x_hat + beta_c,    x_hat = (x - mean) / sqrt(var + eps),

where mean and the biased variance var are taken over a set of axes. The four layers
differ only in that set. Shapes: x: (N, C) or (N, C, H, W); spatial positions are
flattened, S = H * W (S = 1 for (N, C) input), and the channels are split into G
groups of C / G. In the view (N, G, C/G, S) of the input:

==============  ======  =========================  ==========================
layer           G       averaged over view axes    i.e. over
==============  ======  =========================  ==========================
BatchNorm       C       (0, 2, 3)                  N, H, W   (one stat per channel)
LayerNorm       1       (2, 3)                     C, H, W   (one stat per sample)
InstanceNorm    C       (2, 3)                     H, W      (per sample and channel)
GroupNorm(G)    G       (2, 3)                     C/G, H, W (per sample and group)
RMSNorm         1       (2, 3)                     C, H, W   (no mean, no beta)
==============  ======  =========================  ==========================

So :func:`normalize` and :func:`normalize_backward` (the analytic backward pass) are
the only numerical code; each layer picks G and whether the batch axis is averaged.
RMSNorm is layer norm with the mean taken as 0: it divides x by its root mean square,
sqrt(mean(x**2) + eps), and its backward pass removes only the component of the
upstream gradient along x_hat.

gamma and beta: (C,), initialised to ones and zeros. eps = 1e-5.

BatchNorm also keeps running estimates of each channel's mean and variance for
evaluation: running <- (1 - momentum) * running + momentum * batch_statistic, with
momentum 0.1, the biased variance to normalise and the unbiased variance (divided by
m - 1, m the number of values averaged) in the running estimate, as common frameworks
do. In eval mode (``layer.eval()``) it normalises with the running estimates, so its
output for one sample no longer depends on the rest of the batch.

A set of one value would normalise to exactly 0 whatever the input, so a layer refuses
it with a ValueError (BatchNorm training on a batch of 1 of (N, C) input, InstanceNorm
on (N, C) input, LayerNorm or RMSNorm with C = 1 on (N, C) input).

Large inputs: the squared deviations of values near 1e200 overflow float64, so when a
variance overflows, :func:`normalize` scales each set whose largest |x| reaches 2**500
(about 3e150) by a power of two that brings it below, and squares only then. Scaling
by a power of two is exact: LayerNorm of [1e200, -1e200, 0] is [1.22, -1.22, 0] as it
should be, and inputs in the usual range, never scaled, get the textbook formula bit
for bit. Like every layer,
these refuse NaN and infinity (see :mod:`helpers.layers`); BatchNorm in training
refuses a batch whose variance (above about 1.8e308) its running estimate cannot hold.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import (
    ArgumentTypeError,
    NonFiniteError,
    as_finite_array,
    as_fraction,
    as_int,
    as_positive,
    as_positive_int,
)
from .layers import LayerBase

Array = np.ndarray

EPS = 1e-5
MOMENTUM = 0.1
#: A set is scaled before squaring when its largest |x| reaches 2**SCALE_FROM.
SCALE_FROM = 500

#: The view axes each kind of normalisation averages over, in the (N, G, C/G, S) view.
VIEW_AXES_OVER_BATCH = (0, 2, 3)
VIEW_AXES_PER_SAMPLE = (2, 3)


def normalize(
    x: Array, axes: tuple[int, ...], eps: float = EPS
) -> tuple[Array, tuple[Array, Array, Array, Array]]:
    """x_hat = (x - mean) / sqrt(var + eps), mean and biased var over ``axes``.

    x: any shape, finite; axes: the axes averaged over (a tuple of distinct ints);
    eps: a positive number.
    returns (x_hat shaped like x, cache) where cache = (x_hat, inv_std, mean, var);
    inv_std, mean and var have x's shape with size 1 along ``axes`` (var is inf when
    it exceeds float64's range, which only the statistics of values near 1e154 do).
    """
    x = as_finite_array(x, "x")
    axes = _check_axes(axes, x.ndim)
    eps = as_positive(eps, "eps")
    if math.prod(x.shape[a] for a in axes) == 0:
        raise ValueError(f"x must have values along axes {axes} to average, got shape {x.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        x_hat, cache = _normalize(x, axes, eps)
    return x_hat.copy(), cache


def _normalize(
    x: Array, axes: tuple[int, ...], eps: float, centre: bool = True
) -> tuple[Array, tuple[Array, Array, Array, Array]]:
    """:func:`normalize` on checked arguments, inside an errstate that ignores overflow.

    The textbook formula first; if a variance overflowed (squares of values near
    1e154), the sets whose largest |x| reaches 2**SCALE_FROM (about 3e150) are scaled
    by 2**-k to below it and the formula is taken again: exact, since k is an integer.
    centre=False takes the mean as 0 (RMS normalisation): var is then the mean square.
    """
    mean = _mean(x, axes, centre)
    centred = x - mean
    var = np.mean(centred**2, axis=axes, keepdims=True)
    if not np.isfinite(var).all():
        largest = np.max(np.abs(x), axis=axes, keepdims=True, initial=0.0)
        k = np.maximum(np.frexp(largest)[1] - SCALE_FROM, 0)
        x_s = np.ldexp(x, -k)
        mean_s = _mean(x_s, axes, centre)
        centred = x_s - mean_s
        var_s = np.mean(centred**2, axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var_s + np.ldexp(eps, -2 * k))  # 2**k / sqrt(var + eps)
        x_hat = centred * inv_std
        stats = (np.ldexp(inv_std, -k), np.ldexp(mean_s, k), np.ldexp(var_s, 2 * k))
        return x_hat, (x_hat, *stats)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centred * inv_std
    return x_hat, (x_hat, inv_std, mean, var)


def _mean(x: Array, axes: tuple[int, ...], centre: bool) -> Array:
    """The mean over ``axes`` (keepdims), or zeros of that shape when not centring."""
    if centre:
        return x.mean(axis=axes, keepdims=True)
    averaged = {a % x.ndim for a in axes}
    return np.zeros([1 if a in averaged else n for a, n in enumerate(x.shape)])


def _check_axes(axes: object, ndim: int) -> tuple[int, ...]:
    if not isinstance(axes, tuple) or not axes:
        raise ArgumentTypeError(f"axes must be a non-empty tuple of ints, got {axes!r}")
    out = tuple(as_int(a, f"axes[{i}]") for i, a in enumerate(axes))
    if any(not -ndim <= a < ndim for a in out) or len({a % ndim for a in out}) < len(out):
        raise ValueError(f"axes must be distinct axes of x with {ndim} dimensions, got {axes}")
    return out


def normalize_backward(
    dx_hat: Array, cache: tuple[Array, Array, Array, Array], axes: tuple[int, ...]
) -> Array:
    """dL/dx from dL/dx_hat for :func:`normalize` over ``axes``.

    With s = sqrt(var + eps) and means over the set that x_i belongs to,

        dx_i = (dx_hat_i - mean_j(dx_hat_j) - x_hat_i * mean_j(dx_hat_j x_hat_j)) / s:

    the upstream gradient minus its projection on the two directions, the constant and
    x_hat itself, along which the normalised output cannot move.
    dx_hat: shaped like x, finite; cache: what :func:`normalize` returned with x_hat;
    returns dx: shaped like x.
    """
    if not (isinstance(cache, tuple) and len(cache) == 4):
        raise ArgumentTypeError("cache must be the 4-tuple that normalize returned")
    x_hat, inv_std = cache[:2]
    dx_hat = as_finite_array(dx_hat, "dx_hat")
    if dx_hat.shape != np.shape(x_hat):
        raise ValueError(f"dx_hat must have x's shape {np.shape(x_hat)}, got {dx_hat.shape}")
    axes = _check_axes(axes, dx_hat.ndim)
    with np.errstate(over="ignore", invalid="ignore"):
        dx = _projected(dx_hat, x_hat, inv_std, axes)
    if not np.isfinite(dx).all():
        raise NonFiniteError("dx overflows float64 (beyond about 1.8e308): dx_hat is too large")
    return dx


def _projected(
    dx_hat: Array, x_hat: Array, inv_std: Array, axes: tuple[int, ...], centre: bool = True
) -> Array:
    """The formula of :func:`normalize_backward`, on arguments already checked; with
    centre=False (RMS normalisation) only the component along x_hat is removed."""
    mean_dx_hat = _mean(dx_hat, axes, centre)
    mean_dx_hat_x_hat = np.mean(dx_hat * x_hat, axis=axes, keepdims=True)
    return inv_std * (dx_hat - mean_dx_hat - x_hat * mean_dx_hat_x_hat)


class _Normalization(LayerBase):
    """The shared layer: checks, the (N, G, C/G, S) view, the affine part, backward.

    A subclass with ``centre = False`` divides by the root mean square instead of the
    standard deviation (the mean is taken as 0) and learns no beta.
    """

    centre = True

    def __init__(self, num_channels: int, groups: int, over_batch: bool, eps: float) -> None:
        super().__init__()
        self.num_channels = as_positive_int(num_channels, "C")
        self.groups = as_positive_int(groups, "G")
        if self.num_channels % self.groups:
            raise ValueError(
                f"C must be divisible by G: got C={self.num_channels}, G={self.groups}"
            )
        self.over_batch = over_batch
        self.eps = as_positive(eps, "eps")
        self.params["gamma"] = np.ones(self.num_channels)
        if self.centre:
            self.params["beta"] = np.zeros(self.num_channels)
        self.zero_grad()

    # -- shapes -----------------------------------------------------------------
    def _check_input(self, x: Array) -> Array:
        c = self.num_channels
        if x.ndim not in (2, 4):
            raise ValueError(
                f"x must have shape (N, {c}) or (N, {c}, H, W) for {self!r}, got shape {x.shape}"
            )
        if x.shape[1] != c:
            raise ValueError(
                f"x must have {c} channels on axis 1 for {self!r}, got shape {x.shape}"
            )
        if x.size == 0:
            raise ValueError(f"x must not be empty, got shape {x.shape}")
        return x

    def _check_shape(self, shape: object) -> tuple[int, ...]:
        """An input shape (N, C) or (N, C, H, W) with this layer's C, as a tuple of ints."""
        if not isinstance(shape, tuple | list) or len(shape) not in (2, 4):
            raise ArgumentTypeError(
                f"shape must be (N, C) or (N, C, H, W), a tuple of ints, got {shape!r}"
            )
        sizes = tuple(as_int(n, f"shape[{i}]", minimum=0) for i, n in enumerate(shape))
        if sizes[1] != self.num_channels:
            raise ValueError(f"shape must have {self.num_channels} channels, got {sizes}")
        return sizes

    def view_shape(self, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        """(N, C) or (N, C, H, W) -> (N, G, C/G, S) with S = H * W (1 for 2-D input)."""
        n, c = self._check_shape(shape)[:2]
        return (n, self.groups, c // self.groups, math.prod(shape[2:]))

    @property
    def axes(self) -> tuple[int, ...]:
        """The axes of the (N, G, C/G, S) view that one mean and variance average over."""
        return VIEW_AXES_OVER_BATCH if self.over_batch else VIEW_AXES_PER_SAMPLE

    def group_size(self, shape: tuple[int, ...]) -> int:
        """m: how many values of an input of this shape share one mean and variance."""
        view = self.view_shape(shape)
        return math.prod(view[a] for a in self.axes)

    def statistic_index(self, shape: tuple[int, ...]) -> Array:
        """For an input shape, an int array of that shape: equal entries share statistics."""
        shape = self._check_shape(shape)
        view = self.view_shape(shape)
        kept = [size if a not in self.axes else 1 for a, size in enumerate(view)]
        ids = np.arange(math.prod(kept)).reshape(kept)
        return np.broadcast_to(ids, view).reshape(shape)

    def _channel_shape(self, ndim: int) -> tuple[int, ...]:
        # gamma, beta: (C,) -> broadcastable against (N, C) or (N, C, H, W)
        return (1, self.num_channels) + (1,) * (ndim - 2)

    # -- forward and backward -------------------------------------------------------
    def _batch_statistics(self, x: Array) -> tuple[Array, tuple[Array, Array, Array, Array]]:
        """Normalise x with its own statistics: returns x_hat (x's shape) and the cache."""
        if self.group_size(x.shape) < 2:
            raise ValueError(
                f"{self!r} would average over a single value for x of shape {x.shape}, "
                f"which normalises every output to {'0' if self.centre else 'its sign'}; "
                f"{self._single_value_hint}"
            )
        view = x.reshape(self.view_shape(x.shape))
        x_hat, cache = _normalize(view, self.axes, self.eps, self.centre)
        return x_hat.reshape(x.shape), cache

    _single_value_hint = "it needs more than one value per group"

    def _affine(self, x_hat: Array) -> Array:
        shape = self._channel_shape(x_hat.ndim)
        out = self.params["gamma"].reshape(shape) * x_hat
        return out + self.params["beta"].reshape(shape) if self.centre else out

    def _forward(self, x: Array) -> Array:
        """x: (N, C) or (N, C, H, W) -> out of the same shape."""
        x = self._check_input(x)
        x_hat, cache = self._batch_statistics(x)
        self._cache = ("batch", x_hat, cache)
        return self._affine(x_hat)

    def _backward(self, dout: Array) -> Array:
        """dout: shaped like x -> dx: shaped like x; fills grads gamma (C,), beta (C,)."""
        mode, x_hat, cache = self._cache
        not_channel = (0,) + tuple(range(2, dout.ndim))
        self.grads["gamma"] = np.sum(dout * x_hat, axis=not_channel)
        if self.centre:
            self.grads["beta"] = np.sum(dout, axis=not_channel)
        dx_hat = dout * self.params["gamma"].reshape(self._channel_shape(dout.ndim))
        if mode == "running":  # x_hat = (x - running_mean) * inv_std: affine in x
            return dx_hat * cache
        view = dx_hat.reshape(self.view_shape(x_hat.shape))
        x_hat_view, inv_std = cache[:2]
        dx = _projected(view, x_hat_view, inv_std, self.axes, self.centre)
        return dx.reshape(x_hat.shape)


class BatchNorm(_Normalization):
    """Batch normalisation: one mean and variance per channel, over N (and H, W).

    C: channels. momentum: weight of the newest batch in the running statistics.
    Attributes running_mean, running_var: (C,), start at 0 and 1.
    Training: normalise with the batch's statistics and update the running ones.
    Evaluation: normalise with running_mean and running_var.
    """

    def __init__(self, C: int, momentum: float = MOMENTUM, eps: float = EPS) -> None:
        super().__init__(C, C, over_batch=True, eps=eps)
        self.momentum = as_fraction(momentum, "momentum", one=True)
        self.running_mean = np.zeros(self.num_channels)
        self.running_var = np.ones(self.num_channels)

    _single_value_hint = "batch norm in training needs a batch of at least 2 (or call .eval())"

    def _update_running(self, cache: tuple[Array, Array, Array, Array], m: int) -> None:
        _, _, mean, biased_var = cache
        unbiased_var = biased_var.reshape(self.num_channels) * m / (m - 1)
        keep = 1.0 - self.momentum
        running_var = keep * self.running_var + self.momentum * unbiased_var
        if not np.isfinite(running_var).all():
            raise NonFiniteError(
                f"{self!r}: the batch variance of x overflows float64, so the running "
                "variance cannot hold it: x is too large for batch norm's statistics"
            )
        self.running_mean = keep * self.running_mean + self.momentum * mean.reshape(-1)
        self.running_var = running_var

    def _forward(self, x: Array) -> Array:
        """x: (N, C) or (N, C, H, W) -> out of the same shape."""
        x = self._check_input(x)
        if self.training:
            x_hat, cache = self._batch_statistics(x)
            self._update_running(cache, self.group_size(x.shape))
            self._cache = ("batch", x_hat, cache)
        else:
            shape = self._channel_shape(x.ndim)
            inv_std = (1.0 / np.sqrt(self.running_var + self.eps)).reshape(shape)
            x_hat = (x - self.running_mean.reshape(shape)) * inv_std
            self._cache = ("running", x_hat, inv_std)
        return self._affine(x_hat)

    def __repr__(self) -> str:
        return f"BatchNorm(C={self.num_channels}, momentum={self.momentum:g}, eps={self.eps:g})"


class LayerNorm(_Normalization):
    """Layer normalisation: one mean and variance per sample, over C (and H, W).

    C: channels. Same computation in training and evaluation.
    """

    def __init__(self, C: int, eps: float = EPS) -> None:
        super().__init__(C, 1, over_batch=False, eps=eps)

    _single_value_hint = "layer norm needs more than one value per sample"

    def __repr__(self) -> str:
        return f"LayerNorm(C={self.num_channels}, eps={self.eps:g})"


class InstanceNorm(_Normalization):
    """Instance normalisation: one mean and variance per sample and channel, over H, W.

    C: channels. Needs (N, C, H, W) input with H * W > 1.
    """

    def __init__(self, C: int, eps: float = EPS) -> None:
        super().__init__(C, C, over_batch=False, eps=eps)

    _single_value_hint = (
        "instance norm averages over H and W, so give it (N, C, H, W) with H * W > 1"
    )

    def __repr__(self) -> str:
        return f"InstanceNorm(C={self.num_channels}, eps={self.eps:g})"


class GroupNorm(_Normalization):
    """Group normalisation: channels split into G groups of C / G; one mean and variance
    per sample and group, over the group's channels (and H, W).

    G: groups, must divide C. G = 1 is LayerNorm; G = C is InstanceNorm.
    """

    def __init__(self, G: int, C: int, eps: float = EPS) -> None:
        super().__init__(C, G, over_batch=False, eps=eps)

    _single_value_hint = "group norm needs C / G * H * W > 1"

    def __repr__(self) -> str:
        return f"GroupNorm(G={self.groups}, C={self.num_channels}, eps={self.eps:g})"


class RMSNorm(_Normalization):
    """Root-mean-square normalisation: layer norm without the mean, and without beta.

    Per sample, over C (and H, W): out = gamma * x / sqrt(mean(x**2) + eps). It keeps
    layer norm's division by a scale and drops its subtraction of the mean, so a
    constant added to every feature of a sample is no longer removed, and it learns
    only gamma: (C,). Same computation in training and evaluation. Like layer norm it
    refuses a sample of one value ((N, 1) input), which it would map to sign(x).
    """

    centre = False
    _single_value_hint = "RMS norm needs more than one value per sample"

    def __init__(self, C: int, eps: float = EPS) -> None:
        super().__init__(C, 1, over_batch=False, eps=eps)

    def __repr__(self) -> str:
        return f"RMSNorm(C={self.num_channels}, eps={self.eps:g})"

"""Per-layer statistics: the data behind the histograms and gradient-norm plots.

This module only measures: the networks it measures are built by
:func:`helpers.experiments.mlp`.

``trace(model, x, dout)`` runs one forward and one backward pass through a
``Sequential`` and keeps, for every layer, its output and the gradient arriving at its
output. ``layer_stats`` and ``grad_norms_per_layer`` summarise them. ``LayerMonitor`` records
per-layer gradient norms and update-to-data ratios at every step of a training run,
through the training loop's hooks.

A trace holds arrays of its own: changing ``dout`` (or an output) after the call
changes nothing in it. Like the layers, these refuse NaN and infinity.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import (
    ArgumentTypeError,
    NonFiniteError,
    as_finite_array,
    as_instance,
    as_nonnegative,
    as_positive_int,
    as_real,
    as_str,
    check_not_empty,
)
from .layers import Layer, Linear, Residual, Sequential, as_layer

Array = np.ndarray


@dataclass
class Trace:
    """What one forward/backward pass left in each layer of a Sequential.

    outputs[i]: output of layer i, e.g. (N, M_l).
    grads_out[i]: dL/d(output of layer i), same shape (None without a backward pass).
    names[i]: repr of layer i.
    """

    names: list[str]
    outputs: list[Array]
    grads_out: list[Array | None]


def trace(model: Sequential, x: Array, dout: Array | None = None) -> Trace:
    """Forward x through ``model`` layer by layer; if ``dout`` (dL/d final output) is
    given, run the backward pass too and keep each layer's output gradient."""
    return _trace(model, x, dout, "dout")


def _trace(model: Sequential, x: Array, dout: Array | None, dout_name: str) -> Trace:
    """:func:`trace`, naming ``dout`` as its caller calls it."""
    model = as_instance(model, "model", Sequential, "a Sequential")
    x = as_finite_array(x, "x")
    outputs = []
    for layer in model.layers:
        x = layer.forward(x)
        outputs.append(x)
    grads_out: list[Array | None] = [None] * len(outputs)
    if dout is not None:
        dout = as_finite_array(dout, dout_name).copy()  # the trace's own, not the caller's
        if dout.shape != x.shape:
            raise ValueError(
                f"{dout_name} must have the output's shape {x.shape}, got {dout.shape}"
            )
        for i in range(len(model.layers) - 1, -1, -1):
            grads_out[i] = dout
            dout = model.layers[i].backward(dout)
    return Trace([repr(layer) for layer in model.layers], outputs, grads_out)


def layer_stats(arrays: list[Array], saturation: float = 0.99) -> list[dict[str, float]]:
    """mean, std, fraction of exact zeros and fraction with |value| > saturation, per array.

    arrays: a list of finite, non-empty arrays (any shapes); saturation: >= 0.
    """
    if not isinstance(arrays, list | tuple):
        raise ArgumentTypeError(f"arrays must be a list of arrays, got {type(arrays).__name__}")
    saturation = as_nonnegative(saturation, "saturation")
    stats = []
    for i, a in enumerate(arrays):
        if a is None:
            raise ValueError(f"arrays[{i}] is None: run the backward pass first")
        a = check_not_empty(as_finite_array(a, f"arrays[{i}]"), f"arrays[{i}]")
        # mean and std of a * 2**-k, times 2**k: exact, and no sum overflows
        k = max(math.frexp(float(np.max(np.abs(a))))[1], 0)
        scaled = np.ldexp(a, -k)
        stats.append(
            {
                "mean": math.ldexp(float(scaled.mean()), k),
                "std": math.ldexp(float(scaled.std()), k),
                "frac_zero": float(np.mean(a == 0)),
                "frac_saturated": float(np.mean(np.abs(a) > saturation)),
            }
        )
    return stats


def grad_norms_per_layer(model: Sequential, param: str = "W") -> list[float]:
    """The L2 norm of d loss / d W for each Linear layer in model, input side first.

    Call after a backward pass. The layers are found inside Residual blocks too.
    """
    param = as_str(param, "param")
    if param not in ("W", "b"):
        raise ValueError(f"param must be 'W' or 'b', got {param!r}")
    norms = [l2_norm(layer.grads[param]) for layer in linear_layers(model)]
    if not norms:
        raise ValueError("model has no Linear layers")
    return norms


def l2_norm(a: Array) -> float:
    """The L2 norm of all of ``a``'s entries, ``np.linalg.norm(a)``, without overflow.

    a: any shape, finite. ``a`` is scaled by a power of two that brings its largest
    entry near 1 before squaring: exact, so the value is numpy's bit for bit, and the
    norm of entries near 1e200 is finite. A norm beyond float64's range is refused.
    """
    a = as_finite_array(a, "a")
    largest = float(np.max(np.abs(a), initial=0.0))
    if largest == 0.0:
        return 0.0
    k = math.frexp(largest)[1]
    try:
        return math.ldexp(float(np.linalg.norm(np.ldexp(a, -k))), k)
    except OverflowError:
        raise NonFiniteError("the norm of a overflows float64: a is too large") from None


def linear_layers(model: Layer) -> list[Linear]:
    """Every Linear layer in ``model``, in forward order, searching nested containers."""
    return _linears(as_layer(model, "model"))


def _linears(model: Layer) -> list[Linear]:
    if isinstance(model, Linear):
        return [model]
    if isinstance(model, Sequential):
        children: list[Layer] = list(model.layers)
    elif isinstance(model, Residual):
        children = [model.block]
    else:
        return []
    return [linear for child in children for linear in _linears(child)]


def histograms(
    arrays: list[Array], bins: int, value_range: tuple[float, float]
) -> tuple[Array, Array]:
    """Per-array histograms on shared bins, as fractions of each array's entries.

    arrays: L arrays of any shapes. bins: number of equal bins on value_range = (lo, hi).
    Values outside the range are counted in the first or last bin, so every row sums
    to 1 and nothing disappears from the picture.
    returns edges: (bins + 1,), fractions: (L, bins).
    """
    if not isinstance(arrays, list | tuple):
        raise ArgumentTypeError(f"arrays must be a list of arrays, got {type(arrays).__name__}")
    bins = as_positive_int(bins, "bins")
    if not (isinstance(value_range, tuple | list) and len(value_range) == 2):
        raise ArgumentTypeError(f"value_range must be a pair (lo, hi), got {value_range!r}")
    lo, hi = (as_real(v, "value_range") for v in value_range)
    if not lo < hi:
        raise ValueError(f"value_range must be (lo, hi) with lo < hi, got {value_range}")
    if not math.isfinite(hi - lo):
        raise ValueError(f"value_range is wider than float64 holds, got {value_range}")
    edges = np.linspace(lo, hi, bins + 1)
    fractions = np.zeros((len(arrays), bins))
    for i, a in enumerate(arrays):
        a = check_not_empty(as_finite_array(a, f"arrays[{i}]"), f"arrays[{i}]").ravel()
        scaled = (np.clip(a, lo, hi) - lo) * (bins / (hi - lo))
        # intp, not int64: bincount takes the platform's index type (32 bits in the browser).
        index = np.minimum(scaled.astype(np.intp), bins - 1)
        fractions[i] = np.bincount(index, minlength=bins) / a.size
    return edges, fractions


class LayerMonitor:
    """Per-layer numbers of a training run, recorded through the hooks of
    :func:`helpers.experiments.train`::

        monitor = probes.LayerMonitor(model)
        experiments.train(model, ..., **monitor.hooks)

    At every ``every``-th step it records, for each Linear layer l of ``model`` (input
    side first, as :func:`linear_layers` finds them):

    - ``grad_norms``: (T, L) ||dL/dW^(l)||, the gradient the step uses (after
      clipping and penalties, as ``after_backward`` sees it);
    - ``update_ratios``: (T, L) the update-to-data ratio ||W_new - W_old|| / ||W_old||,
      how far the step moved the weights relative to their size; inf when W_old is
      zero and the step moved it, 0 when neither;
    - ``steps``: (T,) the steps recorded.

    every: record every k-th step (1: every step); recording copies the weights.
    A monitor belongs to one model: its hooks refuse another.
    """

    def __init__(self, model: Layer, every: int = 1) -> None:
        self.model = as_layer(model, "model")
        self.every = as_positive_int(every, "every")
        self.layers = linear_layers(self.model)
        if not self.layers:
            raise ValueError("model has no Linear layers to monitor")
        self._steps: list[int] = []
        self._grad_norms: list[list[float]] = []
        self._ratios: list[list[float]] = []
        self._before: list[Array] | None = None

    @property
    def hooks(self) -> dict[str, Callable[[Layer, int], None]]:
        """The keyword arguments for train: ``after_backward`` and ``after_step``."""
        return {"after_backward": self.after_backward, "after_step": self.after_step}

    def after_backward(self, model: Layer, step: int) -> None:
        """train's hook: the gradient is final, the weights not yet changed."""
        self._check(model)
        if step % self.every:
            self._before = None
            return
        self._steps.append(int(step))
        self._grad_norms.append([l2_norm(layer.grads["W"]) for layer in self.layers])
        self._before = [layer.params["W"].copy() for layer in self.layers]

    def after_step(self, model: Layer, step: int) -> None:
        """train's hook: the weights have moved."""
        self._check(model)
        if self._before is None:
            return
        ratios = []
        for layer, old in zip(self.layers, self._before, strict=True):
            moved, size = l2_norm(layer.params["W"] - old), l2_norm(old)
            ratios.append(moved / size if size else (math.inf if moved else 0.0))
        self._ratios.append(ratios)
        self._before = None

    def _check(self, model: Layer) -> None:
        if model is not self.model:
            raise ValueError(
                f"model must be the model this monitor watches, {self.model!r}; got "
                f"another ({type(model).__name__})"
            )

    @property
    def steps(self) -> Array:
        return np.array(self._steps[: len(self._ratios)], dtype=np.int64)

    @property
    def grad_norms(self) -> Array:
        return np.array(self._grad_norms[: len(self._ratios)]).reshape(-1, len(self.layers))

    @property
    def update_ratios(self) -> Array:
        return np.array(self._ratios).reshape(-1, len(self.layers))

    def __repr__(self) -> str:
        return f"LayerMonitor({len(self.layers)} Linear layers, {len(self._ratios)} steps recorded)"

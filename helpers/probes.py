"""Per-layer statistics: the data behind the histograms and gradient-norm plots.

This module only measures: the networks it measures are built by
:func:`helpers.experiments.mlp`.

``trace(model, x, dout)`` runs one forward and one backward pass through a
``Sequential`` and keeps, for every layer, its output and the gradient arriving at its
output. ``layer_stats`` and ``grad_norms_per_layer`` summarise them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import (
    ArgumentTypeError,
    as_float_array,
    as_positive_int,
    as_real,
    check_finite,
)
from .layers import Layer, Linear, Residual, Sequential

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
    if not isinstance(model, Sequential):
        raise ArgumentTypeError(f"model must be a Sequential, got {type(model).__name__}")
    x = as_float_array(x, "x")
    outputs = []
    for layer in model.layers:
        x = layer.forward(x)
        outputs.append(x)
    grads_out: list[Array | None] = [None] * len(outputs)
    if dout is not None:
        dout = as_float_array(dout, "dout")
        if dout.shape != x.shape:
            raise ValueError(f"dout must have the output's shape {x.shape}, got {dout.shape}")
        for i in range(len(model.layers) - 1, -1, -1):
            grads_out[i] = dout
            dout = model.layers[i].backward(dout)
    return Trace([repr(layer) for layer in model.layers], outputs, grads_out)


def layer_stats(arrays: list[Array], saturation: float = 0.99) -> list[dict[str, float]]:
    """mean, std, fraction of exact zeros and fraction with |value| > saturation, per array."""
    stats = []
    for i, a in enumerate(arrays):
        if a is None:
            raise ValueError(f"arrays[{i}] is None: run the backward pass first")
        a = np.asarray(a)
        stats.append(
            {
                "mean": float(a.mean()),
                "std": float(a.std()),
                "frac_zero": float(np.mean(a == 0)),
                "frac_saturated": float(np.mean(np.abs(a) > saturation)),
            }
        )
    return stats


def grad_norms_per_layer(model: Sequential, param: str = "W") -> list[float]:
    """The L2 norm of d loss / d W for each Linear layer in model, input side first.

    Call after a backward pass. The layers are found inside Residual blocks too.
    """
    norms = [float(np.linalg.norm(layer.grads[param])) for layer in linear_layers(model)]
    if not norms:
        raise ValueError("model has no Linear layers")
    return norms


def linear_layers(model: Layer) -> list[Linear]:
    """Every Linear layer in ``model``, in forward order, searching nested containers."""
    if isinstance(model, Linear):
        return [model]
    if isinstance(model, Sequential):
        children: list[Layer] = list(model.layers)
    elif isinstance(model, Residual):
        children = [model.block]
    else:
        return []
    return [linear for child in children for linear in linear_layers(child)]


def histograms(
    arrays: list[Array], bins: int, value_range: tuple[float, float]
) -> tuple[Array, Array]:
    """Per-array histograms on shared bins, as fractions of each array's entries.

    arrays: L arrays of any shapes. bins: number of equal bins on value_range = (lo, hi).
    Values outside the range are counted in the first or last bin, so every row sums
    to 1 and nothing disappears from the picture.
    returns edges: (bins + 1,), fractions: (L, bins).
    """
    bins = as_positive_int(bins, "bins")
    lo, hi = (as_real(v, "value_range") for v in value_range)
    if not lo < hi:
        raise ValueError(f"value_range must be (lo, hi) with lo < hi, got {value_range}")
    edges = np.linspace(lo, hi, bins + 1)
    fractions = np.zeros((len(arrays), bins))
    for i, a in enumerate(arrays):
        a = as_float_array(a, f"arrays[{i}]").ravel()
        if a.size == 0:
            raise ValueError(f"arrays[{i}] is empty")
        check_finite(a, f"arrays[{i}]")
        scaled = (np.clip(a, lo, hi) - lo) * (bins / (hi - lo))
        # intp, not int64: bincount takes the platform's index type (32 bits in the browser).
        index = np.minimum(scaled.astype(np.intp), bins - 1)
        fractions[i] = np.bincount(index, minlength=bins) / a.size
    return edges, fractions

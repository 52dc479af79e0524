"""Per-layer statistics: the data behind the histograms and gradient-norm plots.

``trace(model, x, dout)`` runs one forward and one backward pass through a
``Sequential`` and keeps, for every layer, its output and the gradient arriving at its
output. ``layer_stats`` and ``grad_norms_per_layer`` summarise them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import ArgumentTypeError, as_float_array
from .layers import Layer, Linear, Sequential

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
    found: list[Linear] = []
    for child in getattr(model, "layers", None) or [getattr(model, "block", None)]:
        if child is not None:
            found.extend(linear_layers(child))
    return found

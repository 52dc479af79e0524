"""Chapter 6's explorer: how the gradient's size changes from layer to layer.

A deep fully connected network (``deep_mlp``) is run forward and backward once on a
small fixed regression problem (``demo_data``); the figure shows, on a log scale, the norm of the
gradient that reaches each layer's weights, ||dL/dW^(l)||, and the norm of the
gradient flowing back through each layer's output, ||dL/da^(l)||. The controls are
the activation, the number of hidden layers and the init gain g (hidden weights are
drawn from N(0, g^2 / fan_in)).

``deep_mlp`` and ``gradient_profile`` are the same functions the chapter uses for its
static figures, so the explorer and the text always agree. :func:`describe_gradient_flow`
puts a frame into words for its alt text, from the same pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from .. import layers, losses, plots, probes
from .._checks import as_float_array, as_positive_int, as_real, check_rng
from ._core import Choice, Explorer, Slider, reuse

Array = np.ndarray

#: Activations offered by the explorer.
ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu")
#: The smallest norm drawn: exact zeros (dead ReLU units) would sit at minus infinity.
FLOOR = 1e-30


def deep_mlp(
    activation: str,
    depth: int,
    width: int,
    gain: float,
    rng: np.random.Generator,
    d_in: int = 1,
    d_out: int = 1,
    residual: bool = False,
) -> layers.Sequential:
    """A fully connected network with ``depth`` hidden layers of ``width`` units.

    Layout: ``Sequential(block_1, ..., block_depth, Linear(width -> d_out))`` with
    ``block_l = Sequential(Linear, activation)``. Every weight matrix is drawn from
    N(0, gain^2 / fan_in), biases start at zero. With ``residual=True`` blocks 2..depth
    become ``Residual(block_l)``, out = a + block_l(a); block 1 changes the width, so it
    has no identity path. x: (N, d_in) -> (N, d_out).
    """
    depth, width = as_positive_int(depth, "depth"), as_positive_int(width, "width")
    gain = as_real(gain, "gain")
    if gain <= 0:
        raise ValueError(f"gain must be positive, got {gain}")
    check_rng(rng)

    def linear(n_in: int, n_out: int) -> layers.Linear:
        return layers.Linear(n_in, n_out, init="normal", rng=rng, std=gain / math.sqrt(n_in))

    blocks: list[layers.Layer] = []
    for i in range(depth):
        block = layers.Sequential(
            linear(d_in if i == 0 else width, width), layers.ActivationLayer(activation)
        )
        blocks.append(layers.Residual(block) if residual and i > 0 else block)
    return layers.Sequential(*blocks, linear(width, d_out))


@dataclass
class GradientProfile:
    """One forward/backward pass of a ``deep_mlp``, summarised per layer.

    loss: the MSE loss.
    weight_grad_norms: (depth + 1,) ||dL/dW^(l)|| for l = 1 .. depth + 1 (output layer last).
    activation_grad_norms: (depth,) ||dL/da^(l)|| for the hidden outputs l = 1 .. depth.
    """

    loss: float
    weight_grad_norms: Array
    activation_grad_norms: Array


def gradient_profile(model: layers.Sequential, x: Array, y: Array) -> GradientProfile:
    """Run ``model`` on x: (N, d_in), take the MSE loss against y: (N, d_out) and
    backpropagate; return the per-layer gradient norms (``model.grads`` stays filled)."""
    x, y = as_float_array(x, "x"), as_float_array(y, "y")
    # The loss gradient is needed before the traced pass, so the forward pass runs twice.
    loss, dy_hat = losses.mse(model.forward(x), y)
    tr = probes.trace(model, x, dy_hat)
    act_norms = np.array([np.linalg.norm(g) for g in tr.grads_out[:-1]])
    weight_norms = np.array(probes.grad_norms_per_layer(model))
    return GradientProfile(loss, weight_norms, act_norms)


def demo_data(rng: np.random.Generator, n: int = 32, d: int = 32) -> tuple[Array, Array]:
    """A small regression problem: x: (n, d) standard normal, y: (n, 1) = sin(3 x[:, 0]).

    d defaults to the explorer's width, so that every hidden weight matrix, the first
    one included, is square and their gradient norms compare like with like.
    """
    x = check_rng(rng).standard_normal((as_positive_int(n, "n"), as_positive_int(d, "d")))
    return x, np.sin(3.0 * x[:, :1])


def _build(fig: Figure) -> dict[str, Any]:
    # Room on the left for "1e-12" tick labels and on the right for the legend.
    fig.subplots_adjust(left=0.1, right=0.76)
    ax = fig.subplots()
    (weights,) = ax.plot(
        [1, 2], [1, 1], "o-", ms=3, lw=1.8, color=plots.COLORS[0], label="weights\n||dL/dW^(l)||"
    )
    (outputs,) = ax.plot(
        [1, 2],
        [1, 1],
        "s--",
        ms=3,
        lw=1.2,
        color=plots.COLORS[1],
        label="layer outputs\n||dL/da^(l)||",
    )
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    # Plain-text tick labels ("1e-8"): mathtext labels would triple the redraw time.
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(_tick_label))
    plots.finish(ax, "gradient flow", "layer l (input side first)", "gradient norm")
    ax.legend(
        loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, fontsize=8, labelspacing=1.2
    )
    return {"ax": ax, "weights": weights, "outputs": outputs}


def _tick_label(value: float, _pos: int) -> str:
    return f"1e{round(math.log10(value))}"


def _decades(values: Array) -> tuple[float, float]:
    lo = math.floor(math.log10(max(float(values.min()), FLOOR)))
    hi = math.ceil(math.log10(max(float(values.max()), FLOOR)))
    if hi - lo < 3:  # keep a flat profile looking flat, not zoomed into noise
        lo, hi = lo - 1, max(hi, lo + 2)
    return 10.0**lo, 10.0**hi


def draw_gradient_flow(
    fig: Figure,
    activation: str,
    depth: float,
    gain: float,
    width: int = 32,
    seed: int = 0,
) -> None:
    """Draw the per-layer gradient norms of a fresh ``deep_mlp`` (a pure function of
    its arguments: the network and data come from ``seed``).

    activation: "sigmoid", "tanh" or "relu".
    depth: number of hidden layers, >= 1 (a float from a slider is rounded).
    gain: init gain g > 0; hidden weights ~ N(0, g^2 / fan_in).
    width: hidden units per layer. seed: seeds the weights and the data.
    """
    depth_int, w_norms, a_norms = _floored_profile(activation, depth, gain, width, seed)
    art = reuse(fig, "gradient_flow", _build)
    art["weights"].set_data(np.arange(1, depth_int + 2), w_norms)
    art["outputs"].set_data(np.arange(1, depth_int + 1), a_norms)
    ax = art["ax"]
    ax.set_xlim(0.5, depth_int + 1.5)
    ax.set_ylim(*_decades(np.concatenate([w_norms, a_norms])))
    ratio = a_norms[0] / a_norms[-1]
    ax.set_title(
        f"{activation}, {depth_int} layers, gain {gain:.2f}: "
        f"||dL/da^(1)|| / ||dL/da^({depth_int})|| = {ratio:.1e}"
    )


def _floored_profile(
    activation: str, depth: float, gain: float, width: int, seed: int
) -> tuple[int, Array, Array]:
    """(depth, ||dL/dW^(l)|| for l = 1 .. depth + 1, ||dL/da^(l)|| for l = 1 .. depth),
    norms raised to FLOOR, for a fresh ``deep_mlp`` built from seed."""
    if activation not in ACTIVATION_CHOICES:
        raise ValueError(f"activation must be one of {ACTIVATION_CHOICES}, got {activation!r}")
    depth = as_real(depth, "depth")
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    depth_int = int(round(depth))
    rng = np.random.default_rng(seed)
    x, y = demo_data(rng, d=width)
    model = deep_mlp(activation, depth_int, width, gain, rng, d_in=width)
    profile = gradient_profile(model, x, y)
    w_norms = np.maximum(profile.weight_grad_norms, FLOOR)
    a_norms = np.maximum(profile.activation_grad_norms, FLOOR)
    return depth_int, w_norms, a_norms


def describe_gradient_flow(
    activation: str, depth: float, gain: float, width: int = 32, seed: int = 0
) -> str:
    """The frame in words: its axes, the norms at both ends, and whether they vanish."""
    depth_int, w_norms, a_norms = _floored_profile(activation, depth, gain, width, seed)
    ratio = a_norms[0] / a_norms[-1]
    if ratio < 0.1:
        verdict = "the gradient vanishes on its way back to the input"
    elif ratio > 10:
        verdict = "the gradient explodes on its way back to the input"
    else:
        verdict = "the gradient keeps its size within a factor of 10 across the layers"
    return (
        f"Gradient norm (log scale) against layer l, from 1 at the input to "
        f"{depth_int + 1} at the output, in a {activation} network of {depth_int} hidden "
        f"layers with init gain {gain:.2f}. The weight gradient ||dL/dW^(l)|| is "
        f"{w_norms[0]:.1e} at layer 1 and {w_norms[-1]:.1e} at the output layer; the "
        f"layer-output gradient ||dL/da^(l)|| is {a_norms[0]:.1e} at layer 1 and "
        f"{a_norms[-1]:.1e} at layer {depth_int}, a ratio of {ratio:.1e}: {verdict}."
    )


def gradient_flow_explorer() -> Explorer:
    """activation x depth x init gain, for chapter 6."""
    return Explorer(
        name="gradient_flow",
        draw=draw_gradient_flow,
        controls=[
            Choice("activation", list(ACTIVATION_CHOICES), "activation", default="sigmoid"),
            Slider("depth", [10, 30], "hidden layers", step=1, fmt="{:.0f}", default=10),
            Slider("gain", [0.5, 1.0, 1.4, 2.0], "init gain", step=0.05, fmt="{:.2f}", default=1.0),
        ],
        height=3.2,
        title="Gradient-flow explorer: the gradient norm of every layer",
        describe=describe_gradient_flow,
    )

"""Chapter 6's explorer: how the gradient's size changes from layer to layer.

A deep fully connected network is run forward and backward once on a small fixed
regression problem (:func:`helpers.data.sine_of_first`); the figure shows, on a log
scale, the norm of the gradient that reaches each layer's weights, ||dL/dW^(l)||, and
the norm of the gradient flowing back through each layer's output, ||dL/da^(l)||. The
controls are the activation, the number of hidden layers and the init gain g (every
weight matrix is drawn from N(0, g^2 / fan_in), ``he_normal`` with that gain).

The network is :func:`helpers.experiments.mlp` and the pass is
:func:`helpers.experiments.gradient_profile`, the functions the chapter uses for its
static figures, so the explorer and the text always agree. :func:`describe_gradient_flow`
puts a frame into words for its alt text, from the same pass.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from .. import data, experiments, plots
from .._checks import as_real
from ._cache import last_result, reuse
from ._model import Choice, Explorer, Slider

Array = np.ndarray

#: Activations offered by the explorer.
ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu")
#: The smallest norm drawn: exact zeros (dead ReLU units) would sit at minus infinity.
FLOOR = 1e-30
#: Samples of the regression problem.
N_SAMPLES = 32
#: The static frames' depths and gains (1.4 is close to He's sqrt(2)); the live sliders
#: move through every depth and every step of 0.05 in gain in between.
DEPTHS = (5, 10, 20, 30, 60)
GAINS = (0.5, 1.0, 1.4, 2.0, 4.0)


def _build(fig: Figure) -> dict[str, Any]:
    # Room on the left for "1e-12" tick labels and on the right for the legend.
    fig.subplots_adjust(left=0.1, right=0.76)
    ax = fig.add_subplot()
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
    """Draw the per-layer gradient norms of a fresh network (a pure function of its
    arguments: the network and data come from ``seed``).

    activation: "sigmoid", "tanh" or "relu".
    depth: number of hidden layers, >= 1 (a float from a slider is rounded).
    gain: init gain g > 0; weights ~ N(0, g^2 / fan_in).
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


@last_result
def _floored_profile(
    activation: str, depth: float, gain: float, width: int, seed: int
) -> tuple[int, Array, Array]:
    """(depth, ||dL/dW^(l)|| for l = 1 .. depth + 1, ||dL/da^(l)|| for l = 1 .. depth),
    norms raised to FLOOR, for a fresh network of ``depth`` hidden blocks of ``width``
    units and a linear output, drawn from seed after the data. The arrays are read-only:
    the last call's are returned again for the same arguments (a frame, then its alt
    text)."""
    if activation not in ACTIVATION_CHOICES:
        raise ValueError(f"activation must be one of {ACTIVATION_CHOICES}, got {activation!r}")
    depth = as_real(depth, "depth")
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    depth_int = int(round(depth))
    rng = np.random.default_rng(seed)
    # d = width: every hidden weight matrix, the first one included, is square, so
    # their gradient norms compare like with like
    x, y = data.sine_of_first(N_SAMPLES, rng, d=width)
    model = experiments.mlp(
        [width] + [width] * depth_int + [1],
        activation,
        rng,
        init="he_normal",
        gain=gain,
        blocks=True,
    )
    profile = experiments.gradient_profile(model, x, y)
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
            Slider("depth", DEPTHS, "hidden layers", step=1, fmt="{:.0f}", default=10),
            Slider("gain", GAINS, "init gain", step=0.05, fmt="{:.2f}", default=1.0),
        ],
        height=3.2,
        title="Gradient-flow explorer: the gradient norm of every layer",
        describe=describe_gradient_flow,
    )

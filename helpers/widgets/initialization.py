"""Chapter 5's explorer: initialisation scale x scheme x activation, seen layer by layer.

A 10-layer network of the chapter's shape, but smaller so that a slider redraws in tens
of milliseconds: a fixed sample of ``LIVE_ROWS`` standard normal inputs and widths
``LIVE_WIDTHS`` (128 down to 68, where the chapter's full-size run uses 800 down to 300).
The left panel stacks each layer's histogram of activations, the right panel each
layer's histogram of log10 |dL/da|, the gradient arriving at the layer's output for an
upstream gradient of standard normal entries.

The network is :func:`helpers.experiments.mlp` (no biases, every layer hidden) with
the weights of a :mod:`helpers.init` scheme, and
:func:`helpers.experiments.activation_profile` runs it forward and backward. The
scheme control picks the init scheme; ``scale`` is its argument, so the weights of
layer l have the standard deviation

- scheme "fixed":  ``normal`` with std = scale;
- scheme "xavier": ``xavier_normal`` with gain = scale, scale * sqrt(2 / (M_{l-1} + M_l));
- scheme "he":     ``he_normal`` with gain = scale * sqrt(2), scale * sqrt(2 / M_{l-1}).

So ``scale`` is the standard deviation itself for "fixed", and the gain over the
textbook scheme for the other two (1 gives the textbook schemes). The inputs, the
weights at scale 1 and the upstream gradient are drawn once, in that order, from a
generator seeded ``SEED``; a frame multiplies those weights by its scale. So the
weights of layer l are ``std_l * Z_l`` with the same standard normal ``Z_l`` in every
frame, and frames differ only by the parameters. :func:`describe_init` puts
a frame into words for its alt text, from the same forward and backward pass.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter

from .. import experiments, layers, probes
from .._checks import as_real
from ._cache import last_result, reuse
from ._model import Choice, Explorer, Slider

Array = np.ndarray

LIVE_ROWS = 128
LIVE_WIDTHS = tuple(128 - 6 * i for i in range(11))
NUM_LAYERS = len(LIVE_WIDTHS) - 1
SEED = 0
#: The scheme control's choices: each is a helpers.init scheme and its arguments for a scale.
SCHEME_CHOICES = {
    "fixed": ("normal", lambda scale: {"std": scale}),
    "xavier": ("xavier_normal", lambda scale: {"gain": scale}),
    "he": ("he_normal", lambda scale: {"gain": scale * math.sqrt(2.0)}),
}
ACTIVATION_NAMES = ("tanh", "relu", "sigmoid")
#: Where each activation's values lie; ReLU values beyond 4 go to the last bin.
ACTIVATION_RANGE = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "relu": (0.0, 4.0)}
GRAD_RANGE = (-10.0, 10.0)  # log10 |dL/da|
BINS = 40
GRAD_BINS = 60
#: The static frames' scales (1.67 stands for the frameworks' tanh gain 5/3); the live
#: sliders move through every step of 0.01 in between.
SCALES = (0.01, 0.1, 0.5, 1.0, 1.67, 4.0)
# On a busy machine, handing a product to a second BLAS thread costs more than these
# small products themselves. Row blocks of 32 keep each product (at most 32 x 128 x 122
# multiply-adds) on one OpenBLAS thread; of 16, 32, 64 and 128 rows, 32 redrew fastest.
_BLOCK_ROWS = 32


def live_network(
    activation: str, scheme: str, scale: float, rng: np.random.Generator
) -> layers.Sequential:
    """The explorer's network, LIVE_WIDTHS[0] -> LIVE_WIDTHS[-1]: Linear (no bias) and
    activation, 10 times, with the weights of ``scheme`` at ``scale`` drawn from rng."""
    if activation not in ACTIVATION_NAMES:
        raise ValueError(f"activation must be one of {ACTIVATION_NAMES}, got {activation!r}")
    if scheme not in SCHEME_CHOICES:
        raise ValueError(f"scheme must be one of {tuple(SCHEME_CHOICES)}, got {scheme!r}")
    init, init_kwargs = SCHEME_CHOICES[scheme]
    return experiments.mlp(
        list(LIVE_WIDTHS),
        activation,
        rng,
        init=init,
        bias=False,
        head=False,
        **init_kwargs(scale),
    )


@functools.lru_cache(maxsize=1)
def _unit_sample(
    activation: str, scheme: str
) -> tuple[Array, layers.Sequential, tuple[Array, ...], Array]:
    """(X, the live network at scale 1, its weights, G), drawn in that order from SEED.

    The weights of a scheme at scale s are s times its weights at scale 1, so a slider
    move rescales these instead of drawing the network again.
    """
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((LIVE_ROWS, LIVE_WIDTHS[0]))
    model = live_network(activation, scheme, 1.0, rng)
    G = rng.standard_normal((LIVE_ROWS, LIVE_WIDTHS[-1]))
    unit = tuple(linear.params["W"].copy() for linear in probes.linear_layers(model))
    return X, model, unit, G


def live_sample(
    activation: str, scheme: str, scale: float
) -> tuple[Array, layers.Sequential, Array]:
    """The fixed sample and the network of a frame: X: (LIVE_ROWS, M_0), the live
    network with the weights of ``scheme`` at ``scale``, and G: (LIVE_ROWS, M_L).

    The network is shared by all frames of one activation and scheme: each call sets
    all its weights anew.
    """
    scale = as_real(scale, "scale")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    X, model, unit, G = _unit_sample(activation, scheme)
    for linear, W in zip(probes.linear_layers(model), unit, strict=True):
        np.multiply(W, scale, out=linear.params["W"])
    return X, model, G


@last_result
def live_pass(activation: str, scheme: str, scale: float) -> tuple[list[Array], list[Array]]:
    """Forward and backward through the live network, on the fixed sample.

    returns (a, g): a[l] = activations of layer l + 1, (LIVE_ROWS, M_{l+1});
    g[l] = dL/da[l], same shape, for L = sum(a[-1] * G). The arrays are read-only: the
    last call's are returned again for the same arguments (a frame, then its alt text).
    """
    X, model, G = live_sample(activation, scheme, scale)
    # Rows do not interact, so profiling the sample in row blocks gives the same values.
    blocks = [
        experiments.activation_profile(model, X[i : i + _BLOCK_ROWS], G[i : i + _BLOCK_ROWS])
        for i in range(0, LIVE_ROWS, _BLOCK_ROWS)
    ]
    acts = [np.concatenate([b.activations[k] for b in blocks]) for k in range(NUM_LAYERS)]
    grads = [np.concatenate([b.gradients[k] for b in blocks]) for k in range(NUM_LAYERS)]
    return acts, grads


def _build(fig: Figure) -> dict[str, Any]:
    # Few text objects on purpose: drawing text is most of the cost of a frame.
    # No sharey: sharing makes every label placement measure the sibling's tick labels.
    ax_a, ax_g = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    fig.subplots_adjust(left=0.15, right=0.98, top=0.83, bottom=0.13, wspace=0.12)
    colors = colormaps["viridis"](np.linspace(0.0, 0.85, NUM_LAYERS))
    art: dict[str, Any] = {"axes": (ax_a, ax_g), "lines": ([], [])}
    for k, ax in enumerate((ax_a, ax_g)):
        ax.grid(False)
        for layer in range(NUM_LAYERS):
            base = NUM_LAYERS - 1 - layer  # layer 1 on top, as data flows downwards
            (line,) = ax.plot(
                [0, 1], [base, base], color=colors[layer], lw=1.3, drawstyle="steps-mid"
            )
            art["lines"][k].append(line)
        ax.set_ylim(-0.2, NUM_LAYERS)
        ax.title.set_y(1.0)  # a fixed title position skips a layout pass per frame
    art["std_labels"] = FixedFormatter([""] * NUM_LAYERS)
    ax_a.set_yticks(range(NUM_LAYERS))
    ax_a.yaxis.set_major_formatter(art["std_labels"])
    ax_a.tick_params(axis="y", labelsize=8)
    ax_a.set_ylabel("std of a, layers 1 (top) to 10", fontsize=9)
    ax_g.set_yticks([])
    ax_g.set_xlim(*GRAD_RANGE)
    ax_g.set_xticks([-8, -4, 0, 4, 8])
    ax_g.set_xlabel("log10 |dL/da|")
    ax_g.set_title("gradients", fontsize=10, y=1.0)
    fig.suptitle(
        f"live sample: {LIVE_ROWS} rows, widths {LIVE_WIDTHS[0]} to {LIVE_WIDTHS[-1]}",
        fontsize=9,
        y=0.985,
    )
    return art


def draw_init(fig: Figure, activation: str, scheme: str, scale: float) -> None:
    """Per-layer histograms of activations (left) and of log10 |gradients| (right).

    activation: "tanh", "relu" or "sigmoid".
    scheme: "fixed" (weight std = scale), "xavier" or "he" (scale = gain).
    scale: > 0.
    Each histogram is scaled to its own peak; the left tick labels give each layer's
    standard deviation of activations.
    """
    acts, grads = live_pass(activation, scheme, scale)
    art = reuse(fig, "init", _build)
    lo, hi = ACTIVATION_RANGE[activation]
    a_centres = lo + (np.arange(BINS) + 0.5) * (hi - lo) / BINS
    g_lo, g_hi = GRAD_RANGE
    g_centres = g_lo + (np.arange(GRAD_BINS) + 0.5) * (g_hi - g_lo) / GRAD_BINS
    # ReLU's exact zeros (about half the values) would dwarf the rest: leave them out.
    shown = [a[a > 0] if activation == "relu" else a for a in acts]
    log_grads = [np.log10(np.maximum(np.abs(g), 1e-300)) for g in grads]
    panels = (
        (probes.histograms(shown, BINS, (lo, hi))[1], a_centres),
        (probes.histograms(log_grads, GRAD_BINS, GRAD_RANGE)[1], g_centres),
    )
    for k, (fractions, centres) in enumerate(panels):
        heights = 0.9 * fractions / np.maximum(fractions.max(axis=1, keepdims=True), 1e-12)
        for layer in range(NUM_LAYERS):
            base = NUM_LAYERS - 1 - layer
            art["lines"][k][layer].set_data(centres, base + heights[layer])
    art["std_labels"].seq = [f"{acts[NUM_LAYERS - 1 - i].std():.2g}" for i in range(NUM_LAYERS)]
    ax_a, _ = art["axes"]
    ax_a.set_xlim(lo, hi)
    ax_a.set_xticks([lo, (lo + hi) / 2, hi])
    ax_a.set_xlabel("activation a" + (" (positive values)" if activation == "relu" else ""))
    names = {
        "fixed": f"weight std {scale:.3g}",
        "xavier": f"Xavier x {scale:.3g}",
        "he": f"He x {scale:.3g}",
    }
    ax_a.set_title(f"{activation}, {names[scheme]}", fontsize=10, y=1.0)


#: Where tanh and sigmoid count as saturated: within 0.1 of a limit of their range.
SATURATED_WITHIN = 0.1


def _spread_words(ratio: float) -> str:
    if ratio < 0.5:
        return "shrinks with depth"
    if ratio > 2.0:
        return "grows with depth"
    return "stays within a factor of 2"


def describe_init(activation: str, scheme: str, scale: float) -> str:
    """The frame in words: both panels, the spread of layers 1 and 10, and its verdict."""
    acts, grads = live_pass(activation, scheme, scale)
    first, last = float(acts[0].std()), float(acts[-1].std())
    lo, hi = ACTIVATION_RANGE[activation]
    text = (
        f"Two panels, one histogram per layer, layer 1 at the top to layer {NUM_LAYERS} at "
        f"the bottom. Left: the activations a, from {lo:g} to {hi:g}; their standard "
        f"deviation goes from {first:.2g} in layer 1 to {last:.2g} in layer {NUM_LAYERS}, "
        f"so the spread {_spread_words(last / max(first, 1e-300))}."
    )
    if activation == "relu":
        zeros = float((acts[-1] == 0).mean())
        text += f" {zeros:.0%} of layer {NUM_LAYERS}'s values are exactly 0 (not drawn)."
    else:
        near = SATURATED_WITHIN * (hi - lo) / 2
        share = float(((acts[-1] < lo + near) | (acts[-1] > hi - near)).mean())
        text += f" {share:.0%} of layer {NUM_LAYERS}'s values are within {near:g} of a limit"
        text += " (saturated)." if share > 0.5 else "."
    medians = [float(np.median(np.log10(np.maximum(np.abs(g), 1e-300)))) for g in grads]
    text += (
        f" Right: log10 |dL/da| from {GRAD_RANGE[0]:g} to {GRAD_RANGE[1]:g}; its median is "
        f"{medians[0]:.2g} at layer 1 and {medians[-1]:.2g} at layer {NUM_LAYERS}."
    )
    return text


def init_explorer() -> Explorer:
    """scale x scheme x activation, for chapter 5."""
    return Explorer(
        name="initialization",
        draw=draw_init,
        controls=[
            Choice("activation", list(ACTIVATION_NAMES), "activation"),
            Choice("scheme", list(SCHEME_CHOICES), "scheme", default="xavier"),
            Slider(
                "scale", list(SCALES), "scale (std or gain)", step=0.01, fmt="{:.3g}", default=1.0
            ),
        ],
        height=4.0,
        static_dpi=90,
        title="Initialization explorer: per-layer histograms of activations and gradients",
        describe=describe_init,
    )

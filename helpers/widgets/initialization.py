"""Chapter 5's explorer: initialisation scale x scheme x activation, seen layer by layer.

A 10-layer network of the chapter's shape, but smaller so that a slider redraws in tens
of milliseconds: a fixed sample of ``LIVE_ROWS`` standard normal inputs and widths
``LIVE_WIDTHS`` (128 down to 68, where the chapter's full-size run uses 800 down to 300).
The left panel stacks each layer's histogram of activations, the right panel each
layer's histogram of log10 |dL/da|, the gradient arriving at the layer's output for an
upstream gradient of standard normal entries.

The weights of layer l are ``std_l * Z_l`` with ``Z_l`` standard normal entries drawn
once (the same for every frame, so frames differ only by the parameters) and

- scheme "fixed":  std_l = scale;
- scheme "xavier": std_l = scale * sqrt(2 / (M_{l-1} + M_l));
- scheme "he":     std_l = scale * sqrt(2 / M_{l-1}).

So ``scale`` is the standard deviation itself for "fixed", and the gain for the other
two (1 gives the textbook schemes). :func:`describe_init` puts a frame into words for
its alt text, from the same forward and backward pass.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter

from .. import probes
from ..activations import ACTIVATIONS
from ._core import Choice, Explorer, Slider, reuse

LIVE_ROWS = 128
LIVE_WIDTHS = tuple(128 - 6 * i for i in range(11))
NUM_LAYERS = len(LIVE_WIDTHS) - 1
SCHEMES = ("fixed", "xavier", "he")
ACTIVATION_NAMES = ("tanh", "relu", "sigmoid")
#: Where each activation's values lie; ReLU values beyond 4 go to the last bin.
ACTIVATION_RANGE = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "relu": (0.0, 4.0)}
GRAD_RANGE = (-10.0, 10.0)  # log10 |dL/da|
BINS = 40
GRAD_BINS = 60
#: The static frames' scales; the live slider moves through every value in between.
SCALES = (0.01, 1.0, 4.0)
# OpenBLAS runs a product on one thread when m * k * n <= 65536 * 4. On a busy machine
# handing work to a second thread costs more than these small products themselves.
_ONE_THREAD_SIZE = 65536 * 4


@functools.cache
def _live_sample() -> tuple[np.ndarray, tuple[np.ndarray, ...], np.ndarray]:
    """Inputs X: (LIVE_ROWS, M_0), unit-normal weight directions Z_l: (M_{l-1}, M_l)
    and the upstream gradient G: (LIVE_ROWS, M_L), all drawn once from a fixed seed."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((LIVE_ROWS, LIVE_WIDTHS[0]))
    Z = tuple(
        rng.standard_normal((m_in, m_out))
        for m_in, m_out in zip(LIVE_WIDTHS[:-1], LIVE_WIDTHS[1:], strict=True)
    )
    G = rng.standard_normal((LIVE_ROWS, LIVE_WIDTHS[-1]))
    return X, Z, G


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b computed in row blocks small enough to stay on one BLAS thread."""
    rows = max(1, _ONE_THREAD_SIZE // (a.shape[1] * b.shape[1]))
    if a.shape[0] <= rows:
        return a @ b
    return np.concatenate([a[i : i + rows] @ b for i in range(0, a.shape[0], rows)])


def layer_stds(scheme: str, scale: float, widths: tuple[int, ...] = LIVE_WIDTHS) -> list[float]:
    """The weight standard deviation of each layer for a scheme and a scale (see module doc)."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    pairs = zip(widths[:-1], widths[1:], strict=True)
    if scheme == "fixed":
        return [float(scale)] * (len(widths) - 1)
    if scheme == "xavier":
        return [scale * math.sqrt(2.0 / (m_in + m_out)) for m_in, m_out in pairs]
    return [scale * math.sqrt(2.0 / m_in) for m_in, _ in pairs]


def propagate(activation: str, scheme: str, scale: float) -> tuple[list[np.ndarray], ...]:
    """Forward and backward through the live network.

    returns (a, g): a[l] = activations of layer l + 1, (LIVE_ROWS, M_{l+1});
    g[l] = dL/da[l], same shape, for L = sum(a[-1] * G).
    """
    if activation not in ACTIVATION_NAMES:
        raise ValueError(f"activation must be one of {ACTIVATION_NAMES}, got {activation!r}")
    act = ACTIVATIONS[activation]
    X, Z, G = _live_sample()
    stds = layer_stds(scheme, scale)
    pre, acts = [], []
    a = X
    for z_dir, std in zip(Z, stds, strict=True):
        z = _matmul(a, z_dir) * std
        a = act.fn(z)
        pre.append(z)
        acts.append(a)
    grads = [G]
    for layer in range(NUM_LAYERS - 1, 0, -1):
        delta = grads[0] * act.grad(pre[layer])  # dL/dz of this layer
        grads.insert(0, _matmul(delta, Z[layer].T) * stds[layer])
    return acts, grads


def _build(fig: Figure) -> dict[str, Any]:
    # Few text objects on purpose: drawing text is most of the cost of a frame.
    # No sharey: sharing makes every label placement measure the sibling's tick labels.
    ax_a, ax_g = fig.subplots(1, 2)
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
    acts, grads = propagate(activation, scheme, scale)
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
    acts, grads = propagate(activation, scheme, scale)
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
            Choice("scheme", list(SCHEMES), "scheme", default="xavier"),
            Slider(
                "scale", list(SCALES), "scale (std or gain)", step=0.01, fmt="{:.3g}", default=1.0
            ),
        ],
        height=4.0,
        static_dpi=90,
        title="Initialization explorer: per-layer histograms of activations and gradients",
        describe=describe_init,
    )

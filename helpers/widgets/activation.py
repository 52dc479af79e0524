"""Chapter 2's explorer: an activation function and its derivative.

Grey bands mark where the derivative is below 0.05 in magnitude: the saturated
region, where almost no gradient passes back through the unit. The figure has no
legend (the titles name both panels), which keeps a redraw cheap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import plots
from ..activations import ACTIVATIONS
from ._core import Choice, Explorer, Slider, reuse

#: Activations whose negative slope or scale is the ``alpha`` slider.
HAS_ALPHA = ("leaky_relu", "prelu", "elu")
SATURATION = 0.05
NUM_POINTS = 401


def _build(fig: Figure) -> dict[str, Any]:
    ax_f, ax_g = fig.subplots(1, 2)
    art: dict[str, Any] = {"axes": (ax_f, ax_g), "bands": [None, None]}
    x = np.linspace(-1, 1, NUM_POINTS)
    for k, (ax, what) in enumerate(((ax_f, "f(x)"), (ax_g, "f'(x)"))):
        (art[what],) = ax.plot(x, x, color=plots.COLORS[k], lw=2, label=what)
        ax.axhline(0, color="0.4", lw=0.8)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        plots.finish(ax, what, "x", what, legend=False)
    return art


def draw_activation(fig: Figure, activation: str, alpha: float, x_range: float) -> None:
    """Draw activation(x) and its derivative on [-x_range, x_range].

    activation: a name in helpers.activations.ACTIVATIONS.
    alpha: the negative slope (leaky_relu, prelu) or scale (elu); ignored by the rest.
    x_range: half-width of the input interval, > 0.
    """
    if x_range <= 0:
        raise ValueError(f"x_range must be positive, got {x_range}")
    act = ACTIVATIONS[activation]
    params = {"alpha": alpha} if activation in HAS_ALPHA else {}
    x = np.linspace(-x_range, x_range, NUM_POINTS)
    y, dy = act.fn(x, **params), act.grad(x, **params)
    art = reuse(fig, "activation", _build)
    shown = activation + (f", alpha = {alpha:g}" if params else "")
    saturated = np.abs(dy) < SATURATION
    for k, (values, what) in enumerate(((y, "f(x)"), (dy, "f'(x)"))):
        ax = art["axes"][k]
        art[what].set_data(x, values)
        if art["bands"][k] is not None:
            art["bands"][k].remove()
        art["bands"][k] = ax.fill_between(
            x,
            0,
            1,
            where=saturated,
            transform=ax.get_xaxis_transform(),
            color="0.85",
            zorder=0,
        )
        ax.set_xlim(-x_range, x_range)
        lo, hi = min(values.min(), 0.0), max(values.max(), 1.0 if k else 0.0)
        pad = 0.08 * (hi - lo) + 1e-9
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_title(f"{what}: {shown}", y=1.0)  # fixed: no title layout pass per frame


def _canonical(params: dict[str, Any]) -> dict[str, Any]:
    if params["activation"] not in HAS_ALPHA:
        params.pop("alpha")
    return params


def activation_explorer() -> Explorer:
    """activation x alpha x input range, for chapter 2."""
    return Explorer(
        name="activation",
        draw=draw_activation,
        controls=[
            Choice(
                "activation",
                ["leaky_relu", "elu", "relu", "sigmoid", "tanh", "gelu", "silu", "softplus"],
            ),
            Slider(
                "alpha", [0.0, 0.01, 0.1, 0.3, 1.0], "alpha", step=0.01, fmt="{:.2f}", default=0.1
            ),
            Slider("x_range", [2.0, 5.0, 10.0], "input range ±", step=0.5, default=5.0),
        ],
        height=3.2,
        canonical=_canonical,
    )

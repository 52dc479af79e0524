"""Chapter 2's explorer: an activation function and its derivative.

Grey bands mark where the derivative is below 0.05 in magnitude: the saturated
region, where almost no gradient passes back through the unit. The figure has no
legend (the titles name both panels), which keeps a redraw cheap.
:func:`describe_activation` puts the same curves into words for the frames' alt text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import plots
from ..activations import ACTIVATIONS
from ._cache import reuse
from ._model import Choice, Explorer, Slider

#: Activations whose negative slope or scale is the ``alpha`` slider.
HAS_ALPHA = ("leaky_relu", "prelu", "elu")
SATURATION = 0.05
NUM_POINTS = 401


def _build(fig: Figure) -> dict[str, Any]:
    ax_f, ax_g = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
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


def curves(
    activation: str, alpha: float, x_range: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, float]]:
    """The plotted curves: (x, f(x), f'(x), params), x: (NUM_POINTS,) on [-x_range, x_range].

    params holds alpha for the activations that take it, and is empty otherwise.
    """
    if x_range <= 0:
        raise ValueError(f"x_range must be positive, got {x_range}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    act = ACTIVATIONS[activation]
    params = {"alpha": alpha} if activation in HAS_ALPHA else {}
    x = np.linspace(-x_range, x_range, NUM_POINTS)
    return x, act.fn(x, **params), act.grad(x, **params), params


def draw_activation(fig: Figure, activation: str, alpha: float, x_range: float) -> None:
    """Draw activation(x) and its derivative on [-x_range, x_range].

    activation: a name in helpers.activations.ACTIVATIONS.
    alpha: the negative slope (leaky_relu, prelu) or scale (elu); ignored by the rest.
    x_range: half-width of the input interval, > 0.
    """
    x, y, dy, params = curves(activation, alpha, x_range)
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


def _intervals(x: np.ndarray, mask: np.ndarray) -> list[str]:
    """The runs of x where mask holds, in words: "x < -2.1", "-1 < x < 1", "x > 3"."""
    runs, start = [], None
    for i, inside in enumerate([*mask, False]):
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            runs.append((start, i - 1))
            start = None
    words = []
    for lo, hi in runs:
        left, right = lo == 0, hi == len(x) - 1
        if left and right:
            words.append("the whole range")
        elif left:
            words.append(f"x < {x[hi]:.2g}")
        elif right:
            words.append(f"x > {x[lo]:.2g}")
        else:
            words.append(f"{x[lo]:.2g} < x < {x[hi]:.2g}")
    return words


def describe_activation(activation: str, alpha: float, x_range: float) -> str:
    """The frame in words: its two panels, their axes and values, and where it saturates."""
    x, y, dy, params = curves(activation, alpha, x_range)
    shown = f"{activation}(x)" + (f" with alpha {alpha:g}" if params else "")
    saturated = np.abs(dy) < SATURATION
    where = _intervals(x, saturated)
    text = (
        f"Two panels over the input x from {-x_range:g} to {x_range:g}. Left: {shown}, "
        f"from {y.min():.3g} to {y.max():.3g}. Right: its derivative f'(x), from "
        f"{dy.min():.3g} to {dy.max():.3g}. "
    )
    if where:
        share = saturated.mean()
        text += (
            f"Grey bands mark where |f'(x)| < {SATURATION:g}, the saturated region "
            f"({share:.0%} of the range): {' and '.join(where)}."
        )
    else:
        text += f"No saturated region: |f'(x)| stays at or above {SATURATION:g} everywhere."
    return text


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
            Slider("x_range", [2.0, 3.0, 5.0, 7.5, 10.0], "input range ±", step=0.1, default=5.0),
        ],
        height=3.2,
        canonical=_canonical,
        title="Activation explorer: an activation function and its derivative",
        describe=describe_activation,
    )

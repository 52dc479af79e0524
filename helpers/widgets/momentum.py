"""Chapter 5's explorer: gradient descent with momentum on a badly conditioned quadratic.

The loss is L(e) = (e_1^2 + e_2^2 / kappa) / 2 in terms of the error e = w - w*: its
curvatures (the Hessian's eigenvalues) are 1 along e_1 and 1/kappa along e_2, with
condition number kappa = 100. The controls are the learning rate (in units of
1 / lambda_max = 1) and the momentum beta of
:class:`helpers.optim.Momentum`. The left panel shows the first steps on the loss's
contours; the right one the distance |e| to the minimum per step, on a log scale.
Momentum is stable for lr < 2 (1 + beta) (beta = 0 is gradient descent, stable for
lr < 2); the figure's title says which side of that limit the frame is on.

The path is :func:`helpers.experiments.descend`, the function the chapter uses, so the
explorer and the text agree. :func:`describe_momentum` puts a frame into words for its
alt text, from the same path.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from .. import experiments, optim, plots
from .._checks import as_fraction, as_positive
from ._cache import last_result, reuse
from ._model import Explorer, Slider

#: The quadratic's condition number: curvatures 1 and 1 / CONDITION.
CONDITION = 100.0
#: Where every path starts, in terms of the error e = w - w*.
START = (0.6, 1.0)
#: Steps computed, and steps drawn on the contours.
STEPS, SHOWN = 150, 40
#: The distances drawn: below FLOOR a converged path leaves the panel, above CEILING a
#: diverging one.
FLOOR, CEILING = 1e-10, 1e4
#: The box of the contour panel.
BOX = ((-2.0, 2.0), (-1.6, 1.6))


def _build(fig: Figure) -> dict[str, Any]:
    ax_path, ax_dist = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    (e1, e2) = np.meshgrid(np.linspace(*BOX[0], 61), np.linspace(*BOX[1], 61))
    loss = 0.5 * (e1**2 + e2**2 / CONDITION)
    levels = _loss(np.array(START)) * np.array([0.02, 0.1, 0.3, 1.0, 3.0])
    ax_path.contour(e1, e2, loss, levels=levels, colors="0.75", linewidths=0.8)
    (path,) = ax_path.plot([0], [0], "o-", ms=2.5, lw=0.9, color=plots.COLORS[0])
    ax_path.plot([0], [0], "k+", ms=9)
    ax_path.set(xlim=BOX[0], ylim=BOX[1])
    title = f"first {SHOWN} steps"
    plots.finish(ax_path, title, "error e1 (steep)", "error e2 (flat)", legend=False)
    (dist,) = ax_dist.semilogy([0, 1], [1, 1], lw=1.6, color=plots.COLORS[0])
    ax_dist.set(xlim=(0, STEPS), ylim=(FLOOR, CEILING))
    # Plain-text tick labels ("1e-8"): mathtext labels would slow every redraw.
    ax_dist.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax_dist.yaxis.set_minor_locator(NullLocator())
    ax_dist.yaxis.set_major_formatter(FuncFormatter(_tick_label))
    plots.finish(ax_dist, "distance to the minimum", "step", "|w - w*|", legend=False)
    return {"path": path, "dist": dist, "axes": (ax_path, ax_dist)}


def _tick_label(value: float, _pos: int) -> str:
    return f"1e{round(math.log10(value))}"


def _loss(e: np.ndarray) -> float:
    return float(0.5 * (e[0] ** 2 + e[1] ** 2 / CONDITION))


@last_result
def momentum_path(lr: float, momentum: float) -> np.ndarray:
    """The path (STEPS + 1, 2) of the error e from START, by optim.Momentum(momentum)
    with learning rate lr; NaN from where it overflows (read-only: the last call's path
    is returned again for the same arguments)."""
    lr = as_positive(lr, "lr")
    momentum = as_fraction(momentum, "momentum")
    curvatures = np.array([1.0, 1.0 / CONDITION])
    return experiments.descend(
        lambda e: curvatures * e,
        np.array(START),
        lr=lr,
        steps=STEPS,
        optimizer=optim.Momentum(momentum),
    )


def limit(momentum: float) -> float:
    """The largest stable learning rate, 2 (1 + beta) / kappa_max with kappa_max = 1."""
    return 2.0 * (1.0 + momentum)


def draw_momentum(fig: Figure, lr: float, momentum: float) -> None:
    """Draw momentum's path and its distance to the minimum (a pure function of lr and
    momentum).

    lr: the learning rate, > 0, in units of 1 / kappa_max.
    momentum: beta in [0, 1); 0 is plain gradient descent.
    """
    path = momentum_path(lr, momentum)
    art = reuse(fig, "momentum", _build)
    shown = path[: SHOWN + 1]
    inside = np.all(np.abs(shown) < 10 * np.array([BOX[0][1], BOX[1][1]]), axis=1)
    art["path"].set_data(shown[inside, 0], shown[inside, 1])
    with np.errstate(over="ignore"):  # a diverging path's norm may pass float64's range
        distance = np.linalg.norm(np.nan_to_num(path, nan=np.inf), axis=1)
    art["dist"].set_data(np.arange(STEPS + 1), np.clip(distance, FLOOR / 10, CEILING * 10))
    stable = lr < limit(momentum)
    sign = "<" if stable else ">="
    title = f"{'stable' if stable else 'unstable'}: lr {lr:.2f} {sign} {limit(momentum):.2f}"
    art["axes"][1].set_title(title)


def describe_momentum(lr: float, momentum: float) -> str:
    """The frame in words: the axes, the distance after the last step, and the verdict."""
    path = momentum_path(lr, momentum)
    start = float(np.linalg.norm(path[0]))
    with np.errstate(over="ignore"):
        end = float(np.linalg.norm(np.nan_to_num(path[-1], nan=np.inf)))
    if end < 1e-6 * start:
        verdict = f"it converges, to {end:.1e} after {STEPS} steps"
    elif end < start:
        verdict = f"it converges slowly, still at {end:.1e} after {STEPS} steps"
    else:
        verdict = "it diverges: the distance grows step after step"
    side = "below" if lr < limit(momentum) else "above"
    return (
        f"Left: the first {SHOWN} steps on the elliptical contours of a quadratic whose "
        f"curvatures differ by a factor of {CONDITION:.0f}, error e1 (steep) against e2 "
        f"(flat). Right: the distance to the minimum on a log scale against the step, "
        f"from {start:.2f}: {verdict}. The learning rate is {side} the stability limit "
        f"2 (1 + momentum) = {limit(momentum):.2f}."
    )


def momentum_explorer() -> Explorer:
    """learning rate x momentum on a quadratic with condition number 100, for chapter 5."""
    return Explorer(
        name="momentum",
        draw=draw_momentum,
        controls=[
            Slider(
                "lr",
                [0.25, 0.5, 1.0, 1.5, 1.9, 2.5, 3.3, 3.9],
                "learning rate",
                step=0.05,
                fmt="{:.2f}",
                default=1.9,
            ),
            Slider(
                "momentum",
                [0.0, 0.5, 0.67, 0.9, 0.95],
                "momentum",
                step=0.01,
                fmt="{:.2f}",
                default=0.0,
            ),
        ],
        height=3.2,
        title="Momentum explorer: learning rate and momentum on a quadratic",
        describe=describe_momentum,
    )

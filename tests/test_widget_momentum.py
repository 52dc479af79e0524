"""Chapter 5's explorer: the path it draws is the toolkit's, the stability limit it
states is where paths start to diverge, and bad parameters are named."""

import numpy as np
import pytest

from helpers import experiments, optim, plots
from helpers.widgets.momentum import (
    CONDITION,
    START,
    STEPS,
    describe_momentum,
    draw_momentum,
    limit,
    momentum_explorer,
    momentum_path,
)
from tests.support.explorers import static_frames


@pytest.mark.parametrize(("lr", "momentum"), [(1.9, 0.0), (3.3, 0.67), (3.9, 0.5), (0.25, 0.95)])
def test_draw_shows_the_toolkits_path(lr, momentum):
    fig = plots.canvas()
    draw_momentum(fig, lr, momentum)
    ax_path, ax_dist = fig.axes
    curvatures = np.array([1.0, 1.0 / CONDITION])
    expected = experiments.descend(
        lambda e: curvatures * e, np.array(START), lr=lr, steps=STEPS,
        optimizer=optim.Momentum(momentum),
    )  # fmt: skip
    (path_line, _) = ax_path.get_lines()
    shown = path_line.get_xydata()
    np.testing.assert_allclose(shown[: min(len(shown), 3)], expected[: min(len(shown), 3)])
    (dist_line,) = ax_dist.get_lines()
    finite = np.isfinite(expected).all(axis=1)
    with np.errstate(over="ignore"):
        norms = np.linalg.norm(expected[finite], axis=1)
    np.testing.assert_allclose(
        dist_line.get_ydata()[finite], np.clip(norms, 1e-11, 1e5), rtol=1e-12
    )
    assert ax_dist.get_yscale() == "log" and ax_dist.get_title().startswith(
        "stable" if lr < limit(momentum) else "unstable"
    )
    assert len(plots.to_png(fig)) > 1000


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_the_stated_limit_is_where_paths_diverge(momentum):
    """Just below 2 (1 + beta) the distance falls over the path, just above it grows."""
    below = np.linalg.norm(momentum_path(0.97 * limit(momentum), momentum)[-1])
    above = np.linalg.norm(momentum_path(1.03 * limit(momentum), momentum)[-1])
    start = np.linalg.norm(START)
    assert below < start < above


def test_descriptions_state_the_verdict():
    assert "it converges, to" in describe_momentum(3.3, 0.67)
    assert "below the stability limit 2 (1 + momentum) = 3.34" in describe_momentum(3.3, 0.67)
    assert "it converges slowly" in describe_momentum(0.25, 0.0)
    diverging = describe_momentum(3.9, 0.0)
    assert "it diverges" in diverging and "above the stability limit" in diverging


def test_static_front_end_has_a_frame_for_every_grid_point():
    html = momentum_explorer().static_html()
    pngs, index = static_frames(html)
    assert len(index) == 8 * 5 and len(set(pngs)) == len(pngs)
    assert html.count('type="range"') == 2 and "<select" not in html


@pytest.mark.parametrize(
    ("lr", "momentum", "error", "match"),
    [
        (0.0, 0.5, ValueError, "lr must be positive"),
        (1.0, 1.0, ValueError, r"momentum must be in \[0, 1\)"),
        ("1", 0.5, TypeError, "lr must be a real number"),
        (1.0, None, TypeError, "momentum must be a real number"),
    ],
)
def test_bad_parameters_are_clear_errors(lr, momentum, error, match):
    with pytest.raises(error, match=match):
        draw_momentum(plots.canvas(), lr, momentum)

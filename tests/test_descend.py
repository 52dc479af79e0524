"""Tests for helpers.experiments.descend: gradient descent on a given gradient, written
out; many runs at once, each as alone; the optimisers' rules; divergence; and the
argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import experiments, optim, schedules


def quadratic_grad(curvatures):
    return lambda w: curvatures * w  # L = sum(c w^2) / 2


def test_descend_is_gradient_descent_written_out():
    c = np.array([2.0, 0.5])
    path = experiments.descend(quadratic_grad(c), np.array([1.0, -1.0]), lr=0.3, steps=4)
    expected = np.array([1.0, -1.0]) * (1 - 0.3 * c) ** np.arange(5)[:, None]
    np.testing.assert_allclose(path, expected, rtol=1e-14)


@pytest.mark.parametrize(
    "make", [optim.SGD, lambda: optim.Momentum(0.7), optim.Adam], ids=["sgd", "momentum", "adam"]
)
def test_descend_runs_many_runs_at_once_each_as_alone(make):
    """Rows are independent runs: the optimisers act entry by entry."""
    c = np.array([1.0, 0.1])
    starts = np.array([[1.0, 2.0], [-3.0, 0.5], [0.2, -0.1]])
    schedule = schedules.Warmup(3, schedules.Cosine(17))
    together = experiments.descend(
        quadratic_grad(c), starts, lr=0.5, steps=20, optimizer=make(), schedule=schedule
    )
    assert together.shape == (21, 3, 2)
    for s, w0 in enumerate(starts):
        alone = experiments.descend(
            quadratic_grad(c), w0, lr=0.5, steps=20, optimizer=make(), schedule=schedule
        )
        np.testing.assert_array_equal(together[:, s], alone)
    np.testing.assert_array_equal(starts, [[1.0, 2.0], [-3.0, 0.5], [0.2, -0.1]])


def test_descend_momentum_is_the_heavy_ball():
    """optim.Momentum's v <- mu v + g, w <- w - lr v is the heavy ball
    w_{k+1} = w_k - lr grad(w_k) + mu (w_k - w_{k-1})."""
    c, lr, mu = np.array([3.0, 0.03]), 0.4, 0.8
    path = experiments.descend(
        quadratic_grad(c), np.ones(2), lr=lr, steps=30, optimizer=optim.Momentum(mu)
    )
    w_prev, w = np.ones(2), np.ones(2)
    for k in range(30):
        w, w_prev = w - lr * c * w + mu * (w - w_prev), w
        np.testing.assert_allclose(path[k + 1], w, rtol=1e-12, atol=1e-15)


def test_descend_applies_an_optimisers_decoupled_decay():
    """With a zero gradient, AdamW and SGD(weight_decay) only shrink w by
    1 - lr weight_decay per step; Adam with no decay leaves it alone."""

    def zero(w):
        return np.zeros_like(w)

    w0 = np.array([[1.0, -2.0], [0.5, 3.0]])
    for optimizer in (optim.AdamW(weight_decay=0.1), optim.SGD(weight_decay=0.1)):
        path = experiments.descend(zero, w0, lr=0.5, steps=7, optimizer=optimizer)
        np.testing.assert_allclose(path[-1], w0 * 0.95**7, rtol=1e-12)
    path = experiments.descend(zero, w0, lr=0.5, steps=7, optimizer=optim.Adam())
    np.testing.assert_array_equal(path[-1], w0)


def test_a_diverging_path_turns_nan_without_a_warning():
    c = np.array([1.0])
    path = experiments.descend(quadratic_grad(c), np.ones(1), lr=3.0, steps=2000)
    finite = np.isfinite(path[:, 0])
    last = int(np.argmin(finite))
    assert last > 100 and finite[:last].all() and not finite[last:].any()
    assert np.all(np.abs(np.diff(np.abs(path[:last, 0]))) > 0)  # |w| doubles each step


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"grad": 5}, TypeError, "grad must be a function"),
        ({"w0": np.array([np.nan])}, ValueError, "w0 must be finite"),
        ({"w0": "w"}, TypeError, "w0"),
        ({"lr": 0.0}, ValueError, "lr must be positive"),
        ({"steps": -1}, ValueError, "steps must be an integer >= 0"),
        ({"steps": 2.0}, TypeError, "steps must be an integer"),
        ({"optimizer": "adam"}, TypeError, "optimizer must be None or an optimiser"),
        ({"schedule": schedules.Cosine(3)}, ValueError, "covers 3 steps, but the run takes 5"),
        ({"grad": lambda w: np.ones(3)}, ValueError, r"grad\(w\) must have the shape \(1,\)"),
        ({"grad": lambda w: w * np.nan}, ValueError, r"grad\(w0\) must be finite"),
        ({"grad": lambda w: "g"}, TypeError, r"grad\(w\)"),
    ],
)
def test_descend_refuses_bad_arguments_by_name(kwargs, error, match):
    args = {"grad": quadratic_grad(np.ones(1)), "w0": np.ones(1), "lr": 0.1, "steps": 5}
    with pytest.raises(error, match=match):
        experiments.descend(**{**args, **kwargs})

"""Tests for helpers.optim: each rule against its update written out, the interface
train relies on, the reuse of an optimiser, and gradients near 1e200."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from helpers import experiments, layers, losses, optim


def model(seed: int = 0) -> layers.Linear:
    lin = layers.Linear(3, 2, rng=np.random.default_rng(seed))
    lin.forward(np.random.default_rng([seed, 1]).standard_normal((4, 3)))
    lin.backward(np.random.default_rng([seed, 2]).standard_normal((4, 2)))
    return lin


@pytest.mark.parametrize("cls", [optim.SGD, optim.Momentum, optim.Adam, optim.AdamW])
def test_every_optimiser_follows_the_protocol(cls):
    assert isinstance(cls(), optim.Optimizer)


def test_sgd_and_sgd_step_are_the_same_step():
    a, b = model(), model()
    optim.SGD().step(a.params, a.grads, 0.1)
    layers.sgd_step(b, 0.1)
    expected = model()
    for name, p in a.params.items():
        np.testing.assert_array_equal(p, expected.params[name] - 0.1 * expected.grads[name])
        np.testing.assert_array_equal(p, b.params[name])


def test_momentum_written_out():
    lin, twin = model(), model()
    opt, velocity = optim.Momentum(mu=0.5), {k: 0.0 for k in twin.params}
    for _ in range(3):
        opt.step(lin.params, lin.grads, 0.1)
        for name, p in twin.params.items():
            velocity[name] = 0.5 * velocity[name] + twin.grads[name]
            p -= 0.1 * velocity[name]
    for name, p in lin.params.items():
        np.testing.assert_allclose(p, twin.params[name], rtol=1e-15)


def test_adamw_decays_weights_only_apart_from_adams_step():
    lin, twin = model(), model()
    optim.AdamW(weight_decay=0.5).step(lin.params, lin.grads, 0.1)
    optim.Adam().step(twin.params, twin.grads, 0.1)
    first = model()
    np.testing.assert_allclose(
        lin.params["W"] - twin.params["W"], -0.1 * 0.5 * first.params["W"], rtol=1e-12
    )
    np.testing.assert_array_equal(lin.params["b"], twin.params["b"])  # biases do not decay


def test_adam_through_train_matches_experiments_adam():
    """experiments.Adam is optim.Adam: the chapters' spelling keeps working."""
    assert experiments.Adam is optim.Adam
    X, y = np.ones((4, 3)), np.zeros((4, 2))
    a, b = model(), model()
    experiments.train(a, losses.mse, X, y, lr=0.01, steps=3, optimizer=optim.Adam())
    opt = optim.Adam()
    for _ in range(3):
        b.backward(losses.mse(b.forward(X), y)[1])
        opt.step(b.params, b.grads, 0.01)
    for name, p in a.params.items():
        np.testing.assert_array_equal(p, b.params[name])


def test_adam_steps_are_right_for_huge_and_tiny_gradients():
    """Adam's first step is g / (|g| + eps): about -1 for 1e200 (v = g^2 would overflow
    without the scaling) and g / eps for 1e-200 (where v underflows harmlessly)."""
    params = {"W": np.zeros(3)}
    optim.Adam().step(params, {"W": np.array([1e200, -1e-200, 1e308])}, 1.0)
    np.testing.assert_allclose(params["W"], [-1.0, 1e-192, -1.0], rtol=1e-12)


def test_adams_scaling_leaves_ordinary_steps_bit_for_bit():
    lin, twin = model(), model()
    optim.Adam().step(lin.params, lin.grads, 0.1)
    for name, p in twin.params.items():
        g = twin.grads[name]
        m, v = 0.1 * g, 0.001 * g**2
        p -= 0.1 * (m / 0.1 / (np.sqrt(v / 0.001) + 1e-8))
        np.testing.assert_array_equal(lin.params[name], p)


@pytest.mark.parametrize("cls", [optim.Momentum, optim.Adam, optim.AdamW])
def test_one_optimiser_on_another_model_is_a_clear_error(cls):
    opt, first, second = cls(), model(0), model(1)
    opt.step(first.params, first.grads, 0.1)
    before = copy.deepcopy(second.params)
    with pytest.raises(ValueError, match=r"another model's parameters.*params\['W'\]"):
        opt.step(second.params, second.grads, 0.1)
    for name, p in second.params.items():
        np.testing.assert_array_equal(p, before[name])


def test_sgd_has_no_memory_and_serves_any_model():
    sgd, first, second = optim.SGD(), model(0), model(1)
    sgd.step(first.params, first.grads, 0.1)
    sgd.step(second.params, second.grads, 0.1)


@pytest.mark.parametrize(
    ("params", "grads", "error", "match"),
    [
        (
            {"W": np.array([3, -2])},
            {"W": np.ones(2)},
            TypeError,
            r"params\['W'\] must be a float64",
        ),
        (
            {"W": np.ones(2)},
            {"W": np.array([np.nan, 1.0])},
            ValueError,
            r"grads\['W'\] must be finite",
        ),
        ({"W": np.ones(2)}, {"W": np.ones(3)}, ValueError, r"grads\['W'\] must have the shape"),
        ({"W": np.ones(2)}, {"V": np.ones(2)}, ValueError, "grads must have the keys"),
        ({"W": np.full(2, 1e308)}, {"W": np.full(2, -1e308)}, ValueError, "overflows"),
    ],
)
def test_bad_steps_are_refused_before_any_change(params, grads, error, match):
    before = copy.deepcopy(params)
    with pytest.raises(error, match=match):
        optim.SGD().step(params, grads, 10.0)
    for name, p in params.items():
        np.testing.assert_array_equal(p, before[name])


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: optim.Momentum(mu=1.0), "mu"),
        (lambda: optim.Adam(beta1=1.0), "beta1"),
        (lambda: optim.Adam(eps=0.0), "eps"),
        (lambda: optim.AdamW(weight_decay=-0.1), "weight_decay"),
        (lambda: optim.SGD().step({"W": np.ones(1)}, {"W": np.ones(1)}, 0.0), "lr"),
        (
            lambda: optim.SGD(weight_decay=2.0).step({"W": np.ones(1)}, {"W": np.ones(1)}, 0.5),
            "weight_decay",
        ),
    ],
)
def test_bad_hyperparameters_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_nesterov_is_sutskevers_look_ahead_form():
    """Momentum(nesterov=True) keeps the look-ahead points p_t = w_t + mu v'_t of
    v'_{t+1} = mu v'_t - lr grad(w_t + mu v'_t), w_{t+1} = w_t + v'_{t+1}."""
    curvatures, lr, mu = np.array([2.0, 0.1, 0.5]), 0.3, 0.8
    p = np.array([1.0, -2.0, 0.5])
    opt = optim.Momentum(mu, nesterov=True)
    w, v = p.copy(), np.zeros(3)
    for _ in range(25):
        opt.step({"w": p}, {"w": curvatures * p}, lr)
        v = mu * v - lr * curvatures * (w + mu * v)
        w = w + v
        np.testing.assert_allclose(p, w + mu * v, rtol=1e-12, atol=1e-15)
    assert repr(opt) == "Momentum(mu=0.8, nesterov=True)"
    with pytest.raises(TypeError, match="nesterov must be True or False"):
        optim.Momentum(nesterov=1)

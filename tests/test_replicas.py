"""Tests for helpers.experiments.train_replicas: many networks trained at once, each
replica step for step as train would train it alone, a diverged or overflowing
replica stopped without disturbing the others, and the argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import experiments, layers, losses
from helpers.experiments import mlp, train


def _replica_data(seeds, n=16, widths=(2, 6, 5, 1)):
    """Each replica's data, then its generator, left where the weights are drawn."""
    gens = [np.random.default_rng(s) for s in seeds]
    X = np.stack([g.standard_normal((n, widths[0])) for g in gens])
    y = np.sin(X.sum(axis=2, keepdims=True)) + 0.1 * np.stack(
        [g.standard_normal((n, widths[-1])) for g in gens]
    )
    return X, y, gens


@pytest.mark.parametrize(
    ("activation", "act_params", "make_layer"),
    [
        ("relu", None, layers.ReLU),
        ("leaky_relu", {"alpha": 0.05}, lambda: layers.LeakyReLU(0.05)),
        ("sigmoid", None, layers.Sigmoid),
    ],
)
def test_each_replica_follows_train_step_for_step(activation, act_params, make_layer):
    widths, lrs, seeds = [2, 6, 5, 1], np.array([0.02, 0.1, 0.3, 3.0]), [3, 4, 5, 6]
    X, y, gens = _replica_data(seeds)
    runs = experiments.train_replicas(
        widths,
        activation,
        X,
        y,
        lr=lrs,
        steps=30,
        rngs=gens,
        init="he_normal",
        stop_above=1e3,
        act_params=act_params,
    )
    for s, seed in enumerate(seeds):
        twin_X, twin_y, (gen,) = _replica_data([seed])
        net = mlp(widths, make_layer, gen, init="he_normal")
        negative = []

        def record(net, _step, x=twin_X[0], flags=negative):
            z1 = net[0](x)
            flags.append([np.all(z1 <= 0, axis=0), np.all(net[2](net[1](z1)) <= 0, axis=0)])

        record(net, -1)
        history = train(
            net,
            losses.mse,
            twin_X[0],
            twin_y[0],
            lr=lrs[s],
            steps=30,
            stop_above=1e3,
            after_step=record,
        )
        steps = len(history.step_loss)
        np.testing.assert_allclose(runs.loss[s, :steps], history.step_loss, rtol=1e-12)
        assert runs.diverged[s] == history.diverged
        if history.diverged:  # the replica stopped where train stopped
            assert np.all(np.isnan(runs.loss[s, steps:]))
        else:
            final = losses.mse(net.forward(twin_X[0]), twin_y[0])[0]
            assert runs.loss[s, -1] == pytest.approx(final, rel=1e-12)
            for layer in (0, 1):
                flags = np.array([step[layer] for step in negative])
                np.testing.assert_array_equal(runs.negative[layer][s], flags)
            hidden = runs.hidden(X)[-1][s]
            np.testing.assert_allclose(hidden, net[3](net[2](net[1](net[0](twin_X[0])))))
        W1 = runs.weights[0][s]
        np.testing.assert_allclose(W1, net[0].params["W"], rtol=1e-12, atol=1e-14)
    assert runs.diverged.tolist() == [False, False, False, True]  # lr 3 diverges


def test_a_diverged_replica_stops_without_a_warning_and_leaves_the_others_alone():
    X, y, gens = _replica_data([1, 2], widths=(2, 8, 1))
    with np.errstate(all="raise"):  # nothing may overflow outside the replica's freeze
        runs = experiments.train_replicas(
            [2, 8, 1], "relu", X, y, lr=np.array([0.05, 1e3]), steps=50, rngs=gens
        )
    alone = experiments.train_replicas(
        [2, 8, 1],
        "relu",
        X[:1],
        y[:1],
        lr=0.05,
        steps=50,
        rngs=_replica_data([1], widths=(2, 8, 1))[2],
    )
    assert runs.diverged.tolist() == [False, True]
    np.testing.assert_array_equal(runs.loss[0], alone.loss[0])
    last = np.flatnonzero(~np.isnan(runs.loss[1]))[-1]
    assert not runs.loss[1, last] < np.inf  # overflowed: stopped there
    assert "diverged=1" in repr(runs)
    with pytest.raises(ValueError, match="X must have shape"):
        runs.hidden(X[:1])


def test_a_replica_whose_update_overflows_stops_before_it_as_train_does():
    # targets of 100 and a rate of 1e308: the first update leaves float64's range
    X, y, gens = _replica_data([7, 8], widths=(2, 8, 1))
    runs = experiments.train_replicas(
        [2, 8, 1], "relu", X, 100 * y, lr=np.array([0.01, 1e308]), steps=5, rngs=gens
    )
    twin_X, twin_y, (gen,) = _replica_data([8], widths=(2, 8, 1))
    net = mlp([2, 8, 1], "relu", gen)
    history = train(
        net, losses.mse, twin_X[0], 100 * twin_y[0], lr=1e308, steps=5, stop_above=np.inf
    )
    assert history.diverged and len(history.step_loss) == 1  # train refused the update
    assert runs.diverged.tolist() == [False, True]
    assert runs.loss[1, 0] == pytest.approx(history.step_loss[0], rel=1e-12)
    assert np.all(np.isnan(runs.loss[1, 1:]))
    for W, layer in zip(runs.weights, (net[0], net[2]), strict=True):
        assert np.all(np.isfinite(W))
        np.testing.assert_allclose(W[1], layer.params["W"], rtol=1e-12)


def test_hidden_outputs_beyond_float64_are_refused_by_name():
    ones = experiments.Replicas(
        loss=np.zeros((1, 1)),
        diverged=np.zeros(1, dtype=bool),
        negative=[np.zeros((1, 1, 3), dtype=bool)],
        weights=[np.ones((1, 2, 3)), np.ones((1, 3, 1))],
        biases=[np.zeros((1, 3)), np.zeros((1, 1))],
        activation="relu",
        act_params={},
    )
    with pytest.raises(ValueError, match="a hidden output is not finite .* X is too large"):
        ones.hidden(np.full((1, 4, 2), 1e308))  # relu(1e308 + 1e308)
    np.testing.assert_array_equal(ones.hidden(np.full((1, 4, 2), 5e307))[0], 1e308)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(X=np.ones((3, 4))), ValueError, "X must have shape"),
        (dict(X=np.ones((2, 0, 2)), y=np.ones((2, 0, 1))), ValueError, "X must not be empty"),
        (dict(y=np.ones((2, 4, 2))), ValueError, "y"),
        (dict(widths=[2]), ValueError, "widths"),
        (dict(activation="swish"), ValueError, "activation"),
        (dict(act_params={"beta": 1.0}), ValueError, "unknown parameter"),
        (dict(act_params="alpha"), TypeError, "act_params must be a dict, got str"),
        (dict(act_params=[("alpha", 0.1)]), TypeError, "act_params must be a dict, got list"),
        (dict(rngs=[np.random.default_rng(0)]), ValueError, "rngs"),
        (dict(rngs=[0, 1]), TypeError, "rngs"),
        (dict(lr=-0.1), ValueError, "lr"),
        (dict(lr=np.array([0.1, 0.2, 0.3])), ValueError, "lr"),
        (dict(steps=-1), ValueError, "steps"),
        (dict(steps=2.5), TypeError, "steps"),
        (dict(stop_above="big"), TypeError, "stop_above"),
        (dict(stop_above=float("nan")), ValueError, "stop_above"),
        (dict(init="lecun_normal"), ValueError, "lecun_normal"),
    ],
)
def test_train_replicas_refuses_bad_arguments_by_name(kwargs, error, match):
    args = dict(
        widths=[2, 3, 1],
        activation="relu",
        X=np.ones((2, 4, 2)),
        y=np.ones((2, 4, 1)),
        lr=0.1,
        steps=2,
        rngs=[np.random.default_rng(0), np.random.default_rng(1)],
    )
    args.update(kwargs)
    with pytest.raises(error, match=match):
        experiments.train_replicas(**args)

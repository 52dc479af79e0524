"""Tests for helpers.experiments: the builder against networks built layer by layer,
the loop against hand-computed gradient descent and Adam, the order of its gradient
transforms, early stopping on curves whose best epoch is known in advance, and the
argument checks."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import clipping, experiments, layers, losses, norm, optim, probes, schedules
from helpers.experiments import Adam, History, evaluate, gradient_profile, mlp, train
from helpers.regularization import Penalty, soft_threshold

# One weight, one sample: y_hat = w * x with x = 1. On the training target 2 the
# gradient of mse is 2 (w - 2), so with lr = 0.25 and w0 = 0 gradient descent gives
# w_t = 2 (1 - 0.5^t): 0, 1, 1.5, 1.75, ... On the validation target 1, the validation
# loss (w_t - 1)^2 is 1, 0, 0.25, 0.5625, ...: its minimum is at epoch 1, where w = 1.
X_ONE, Y_TRAIN, Y_VAL = np.ones((1, 1)), np.full((1, 1), 2.0), np.ones((1, 1))


def one_weight_model(w0: float = 0.0) -> layers.Linear:
    model = layers.Linear(1, 1, init="zeros", bias=False)
    model.params["W"][...] = w0
    return model


def test_known_curve_is_recorded_exactly():
    model = one_weight_model()
    history = train(model, losses.mse, X_ONE, Y_TRAIN, lr=0.25, epochs=4, X_val=X_ONE, y_val=Y_VAL)
    w = 2 * (1 - 0.5 ** np.arange(5))
    np.testing.assert_allclose(history.train_loss, (w - 2) ** 2, rtol=1e-14)
    np.testing.assert_allclose(history.val_loss, (w - 1) ** 2, atol=1e-14)
    assert history.best_epoch == 1 and history.epochs_run == 4
    assert not history.stopped_early and not history.restored
    assert model.params["W"][0, 0] == pytest.approx(1.875, rel=1e-14)  # not restored


@pytest.mark.parametrize("patience", [1, 2, 3, 5])
def test_early_stopping_restores_the_best_epochs_weights(patience):
    model = one_weight_model()
    history = train(
        model,
        losses.mse,
        X_ONE,
        Y_TRAIN,
        lr=0.25,
        epochs=50,
        X_val=X_ONE,
        y_val=Y_VAL,
        patience=patience,
    )
    assert history.best_epoch == 1
    assert history.stopped_early and history.restored
    assert history.epochs_run == 1 + patience  # every later epoch is worse
    assert model.params["W"][0, 0] == pytest.approx(1.0, rel=1e-14), model.params["W"]
    assert evaluate(model, losses.mse, X_ONE, Y_VAL) == pytest.approx(0.0, abs=1e-28)


def test_best_epoch_zero_restores_the_initial_weights():
    # starting at the validation optimum, every training step makes validation worse
    model = one_weight_model(w0=1.0)
    history = train(
        model, losses.mse, X_ONE, Y_TRAIN, lr=0.25, epochs=20, X_val=X_ONE, y_val=Y_VAL, patience=3
    )
    assert history.best_epoch == 0 and history.epochs_run == 3
    assert model.params["W"][0, 0] == 1.0


def test_restores_best_weights_of_a_network_with_several_layers(rng):
    X, X_val = rng.standard_normal((20, 3)), rng.standard_normal((50, 3))
    y, y_val = rng.standard_normal((20, 1)), rng.standard_normal((50, 1))  # pure noise
    net = layers.Sequential(
        layers.Linear(3, 16, rng=rng), layers.Tanh(), layers.Linear(16, 1, rng=rng)
    )
    initial = copy.deepcopy(net)
    history = train(
        net, losses.mse, X, y, lr=0.2, epochs=300, X_val=X_val, y_val=y_val, patience=10
    )
    assert history.stopped_early
    # replay the same deterministic full-batch run up to the best epoch, without stopping
    reference = copy.deepcopy(initial)
    if history.best_epoch > 0:
        train(reference, losses.mse, X, y, lr=0.2, epochs=history.best_epoch)
    for name, p in net.params.items():
        np.testing.assert_allclose(p, reference.params[name], rtol=1e-12, atol=1e-14, err_msg=name)
    assert evaluate(net, losses.mse, X_val, y_val) == pytest.approx(
        min(history.val_loss), rel=1e-12
    )


def test_one_full_batch_step_is_plain_gradient_descent_with_weight_decay(rng):
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    net = layers.Linear(3, 2, rng=rng)
    net.params["b"][:] = 0.5
    expected = copy.deepcopy(net)
    _, dout = losses.mse(expected.forward(X), y)
    expected.backward(dout)
    lr, lam = 0.1, 0.3
    w_expected = (1 - lr * lam) * expected.params["W"] - lr * expected.grads["W"]
    b_expected = expected.params["b"] - lr * expected.grads["b"]  # biases: no decay
    train(net, losses.mse, X, y, lr=lr, epochs=1, penalty=Penalty("l2", lam))
    np.testing.assert_allclose(net.params["W"], w_expected, rtol=1e-12)
    np.testing.assert_allclose(net.params["b"], b_expected, rtol=1e-12)


def test_proximal_l1_step_follows_the_gradient_step(rng):
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    net = layers.Linear(3, 1, rng=rng)
    expected = copy.deepcopy(net)
    expected.backward(losses.mse(expected.forward(X), y)[1])
    lr = 0.1
    w_step = expected.params["W"] - lr * expected.grads["W"]
    lam = 1.01 * np.min(np.abs(w_step)) / lr  # large enough to zero at least one weight
    w_expected = soft_threshold(w_step, lr * lam)
    train(net, losses.mse, X, y, lr=lr, epochs=1, penalty=Penalty("l1", lam, proximal=True))
    np.testing.assert_array_equal(net.params["W"], w_expected)
    assert np.any(net.params["W"] == 0.0)


@settings(deadline=None, max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), batch_size=st.integers(1, 12))
def test_minibatches_are_reproducible_from_the_rng(seed, batch_size):
    data_rng = np.random.default_rng(seed)
    X, y = data_rng.standard_normal((10, 2)), data_rng.integers(0, 3, size=10)
    net = layers.Sequential(layers.Linear(2, 3, rng=data_rng))
    runs = []
    for _ in range(2):
        model = copy.deepcopy(net)
        history = train(
            model,
            losses.softmax_cross_entropy,
            X,
            y,
            lr=0.5,
            epochs=3,
            batch_size=batch_size,
            rng=np.random.default_rng(seed),
        )
        runs.append((history.train_loss, model.params["0.W"].copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert all(np.isfinite(runs[0][0]))


def test_training_reduces_the_loss_and_leaves_eval_mode(rng):
    X = rng.standard_normal((30, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    net = layers.Sequential(
        layers.Linear(2, 8, rng=rng),
        layers.Tanh(),
        layers.Dropout(0.3, rng),
        layers.Linear(8, 2, rng=rng),
    )
    history = train(
        net, losses.softmax_cross_entropy, X, y, lr=0.5, epochs=40, batch_size=10, rng=rng
    )
    assert history.train_loss[-1] < 0.5 * history.train_loss[0], history.train_loss
    assert not net.training
    assert len(history.train_loss) == 41 and history.val_loss == [] and history.best_epoch is None
    assert "epochs_run=40" in repr(history)


def test_evaluate_uses_eval_mode_and_restores_the_mode(rng):
    net = layers.Sequential(layers.Linear(3, 4, rng=rng), layers.Dropout(0.5, rng))
    X, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    net.train()
    value = evaluate(net, losses.mse, X, y)
    assert net.training
    net.eval()
    assert value == losses.mse(net.forward(X), y)[0]


def test_diverging_training_raises(rng):
    X, y = 10 * rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(FloatingPointError, match="lr"),
    ):
        train(layers.Linear(2, 1, rng=rng), losses.mse, X, y, lr=100.0, epochs=200)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(lr=0.0), ValueError, "lr"),
        (dict(lr="0.1"), TypeError, "lr"),
        (dict(epochs=0), ValueError, "epochs"),
        (dict(batch_size=2), TypeError, "rng"),
        (dict(patience=3), ValueError, "validation"),
        (dict(X_val=np.ones((2, 1))), ValueError, "X_val and y_val"),
        (dict(penalty="l2"), TypeError, "penalty"),
        (dict(y=np.ones((3, 1))), ValueError, "same number"),
        (dict(steps=3), ValueError, "exactly one of epochs and steps"),
        (dict(epochs=None), ValueError, "exactly one of epochs and steps"),
        (dict(clip=clipping.clip_by_norm), TypeError, "clip"),
        (dict(optimizer="adam"), TypeError, "optimizer"),
        (dict(weight_decay=-1.0), ValueError, "weight_decay"),
        (dict(after_step=3), TypeError, "after_step"),
        (dict(epochs=None, steps=-1), ValueError, "steps"),
        (dict(epochs=None, steps=2.0), TypeError, "steps"),
        (dict(stop_above="big"), TypeError, "stop_above"),
        (dict(stop_above=float("nan")), ValueError, "stop_above"),
        (dict(record_train="no"), TypeError, "record_train must be True or False"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(kwargs, error, match):
    args = dict(
        model=one_weight_model(),
        loss_fn=losses.mse,
        X=np.ones((4, 1)),
        y=np.ones((4, 1)),
        lr=0.1,
        epochs=2,
    )
    args.update(kwargs)
    with pytest.raises(error, match=match):
        train(**args)


def test_history_repr_mentions_the_best_epoch():
    history = History(train_loss=[1.0, 0.5], val_loss=[2.0, 1.5], best_epoch=1, epochs_run=1)
    assert "best_epoch=1" in repr(history)


# --- the builder ------------------------------------------------------------------


def test_mlp_shape_and_repr(rng):
    model = mlp([6, 5, 4], "tanh", rng, bias=False, head=False)
    assert len(model) == 4
    assert repr(model[0]) == "Linear(6 -> 5, init=xavier_normal)"
    assert "b" not in model[0].params and model[2].params["W"].shape == (5, 4)
    assert model.forward(np.ones((3, 6))).shape == (3, 4)


def test_mlp_passes_init_arguments(rng):
    model = mlp([2000, 10], "relu", rng, init="normal", head=False, std=0.5)
    assert abs(model[0].params["W"].std() - 0.5) < 0.01


@pytest.mark.parametrize("widths", [[5], [], [3, 0, 2]])
def test_mlp_refuses_bad_widths(rng, widths):
    with pytest.raises(ValueError, match="widths"):
        mlp(widths, "tanh", rng)


def _same_params(a: layers.Layer, b: layers.Layer) -> None:
    assert list(a.params) == list(b.params)
    for name in a.params:
        assert np.array_equal(a.params[name], b.params[name]), name


def test_mlp_draws_the_weights_of_the_same_network_built_by_hand():
    """Same seed, same layers in the same order: the same weights, bit for bit."""
    built = mlp([3, 4, 4, 2], "tanh", np.random.default_rng(5), init="he_normal", gain=1.5)
    gen = np.random.default_rng(5)
    by_hand = layers.Sequential(
        layers.Linear(3, 4, init="normal", rng=gen, std=1.5 / np.sqrt(3)),
        layers.Tanh(),
        layers.Linear(4, 4, init="normal", rng=gen, std=1.5 / np.sqrt(4)),
        layers.Tanh(),
        layers.Linear(4, 2, init="normal", rng=gen, std=1.5 / np.sqrt(4)),
    )
    _same_params(built, by_hand)


def test_mlp_blocks_residual_norm_dropout_and_head_init(rng):
    net = mlp([3, 5, 5, 5, 2], "relu", rng, blocks=True, residual=True)
    assert len(net) == 4 and isinstance(net[0], layers.Sequential)
    assert isinstance(net[1], layers.Residual) and isinstance(net[2], layers.Residual)
    assert repr(net[3]) == "Linear(5 -> 2, init=xavier_normal)"
    x = rng.standard_normal((4, 3))
    a1 = net[0](x)
    np.testing.assert_array_equal(net[1](a1), a1 + net[1].block(a1))
    bn = mlp([3, 5, 2], layers.Tanh, rng, init="normal", bias=False, norm=norm.BatchNorm, std=0.1)
    assert [type(layer).__name__ for layer in bn.layers] == [
        "Linear",
        "BatchNorm",
        "ActivationLayer",
        "Linear",
    ]
    assert "b" not in bn[0].params and "b" in bn[3].params
    assert abs(bn[0].params["W"].std() - 0.1) < 0.1
    other = mlp([3, 5, 2], "tanh", rng, init="he_normal", head_init="zeros")
    assert not other[2].params["W"].any() and other[0].params["W"].any()
    scaled = mlp([3, 5, 2], "tanh", rng, head_init="constant", head_kwargs={"value": 0.25})
    assert np.all(scaled[2].params["W"] == 0.25)
    drop = mlp([3, 5, 1], "tanh", rng, dropout=0.5)
    assert isinstance(drop[2], layers.Dropout) and drop[2].p == 0.5


def test_mlp_refuses_bad_arguments(rng):
    with pytest.raises(ValueError, match="keep the width"):
        mlp([3, 5, 6, 2], "relu", rng, residual=True)
    with pytest.raises(TypeError, match="activation"):
        mlp([3, 2], 3, rng)
    with pytest.raises(TypeError, match="widths"):
        mlp(5, "tanh", rng)
    with pytest.raises(TypeError, match="rng"):
        mlp([3, 4, 1], "tanh", None, dropout=0.5)
    with pytest.raises(ValueError, match="head_init"):
        mlp([3, 4, 1], "tanh", rng, head_kwargs={"std": 1.0})


# --- the loop's steps ---------------------------------------------------------------


def test_steps_mode_records_every_step_and_matches_gradient_descent(rng):
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    net = mlp([3, 4, 1], "tanh", np.random.default_rng(1))
    twin = copy.deepcopy(net)
    history = train(net, losses.mse, X, y, lr=0.1, steps=5)
    expected_loss, expected_norm = [], []
    for _ in range(5):
        loss, d = losses.mse(twin.forward(X), y)
        twin.backward(d)
        expected_loss.append(loss)
        expected_norm.append(clipping.global_norm(twin.grads))
        layers.sgd_step(twin, 0.1)
    assert history.step_loss == expected_loss and history.grad_norm == expected_norm
    _same_params(net, twin)
    assert history.train_loss == [] and not history.diverged and not net.training


def test_stop_above_ends_before_the_gradient_without_an_error(rng):
    X, y = 10 * rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    with np.errstate(over="ignore", invalid="ignore"):
        history = train(
            layers.Linear(2, 1, rng=rng), losses.mse, X, y, lr=100.0, steps=200, stop_above=1e6
        )
    assert history.diverged and history.step_loss[-1] >= 1e6
    assert all(loss < 1e6 for loss in history.step_loss[:-1])
    assert len(history.grad_norm) == len(history.step_loss) - 1


def test_random_batches_are_drawn_without_replacement_from_rng(rng):
    X, y = np.arange(20.0)[:, None], np.zeros((20, 1))
    seen = []
    net = layers.Linear(1, 1, init="zeros")

    def forward(x, _forward=net.forward):
        seen.append(x[:, 0].copy())
        return _forward(x)

    net.forward = forward
    train(net, losses.mse, X, y, lr=0.1, steps=3, batch_size=4, rng=np.random.default_rng(2))
    gen = np.random.default_rng(2)
    for batch in seen:
        np.testing.assert_array_equal(batch, gen.choice(20, size=4, replace=False))


def test_transforms_apply_in_the_documented_order():
    """clip, then the penalty's gradient, then after_backward, then the update, then
    after_step: the decay is never clipped, the hooks see what the docstring says."""
    model = one_weight_model(w0=3.0)
    events = []
    lam, tau, lr = 0.5, 0.1, 0.25

    def after_backward(m, step):
        events.append(("grad", step, float(m.grads["W"][0, 0]), float(m.params["W"][0, 0])))

    def after_step(m, step):
        events.append(("step", step, float(m.params["W"][0, 0])))

    train(
        model,
        losses.mse,
        X_ONE,
        Y_TRAIN,
        lr=lr,
        steps=1,
        clip=(clipping.clip_by_value, tau),
        penalty=Penalty("l2", lam),
        after_backward=after_backward,
        after_step=after_step,
    )
    # data gradient 2 (3 - 2) = 2, clipped to 0.1, plus the unclipped decay 0.5 * 3
    assert events[0] == ("grad", 0, tau + lam * 3.0, 3.0)
    assert events[1] == ("step", 0, pytest.approx(3.0 - lr * (tau + lam * 3.0), rel=1e-15))


def test_adam_and_decoupled_decay_match_the_update_written_out(rng):
    X, y = rng.standard_normal((6, 2)), rng.standard_normal((6, 1))
    net = mlp([2, 3, 1], "tanh", np.random.default_rng(3))
    twin = copy.deepcopy(net)
    lr, wd, b1, b2 = 0.01, 0.1, 0.9, 0.999
    train(net, losses.mse, X, y, lr=lr, steps=4, optimizer=Adam(b1, b2), weight_decay=wd)
    m = dict.fromkeys(twin.params, 0.0)
    v = dict.fromkeys(twin.params, 0.0)
    for t in range(1, 5):
        twin.backward(losses.mse(twin(X), y)[1])
        for name, w in twin.params.items():
            g = twin.grads[name]
            m[name] = b1 * m[name] + (1 - b1) * g
            v[name] = b2 * v[name] + (1 - b2) * g**2
            step = m[name] / (1 - b1**t) / (np.sqrt(v[name] / (1 - b2**t)) + 1e-8)
            if name.endswith("W"):
                w *= 1 - lr * wd
            w -= lr * step
    _same_params(net, twin)
    with pytest.raises(ValueError, match="beta1"):
        Adam(beta1=1.0)


def test_gradient_profile_matches_the_trace(rng):
    net = mlp([4, 5, 5, 1], "tanh", rng, init="he_normal", blocks=True)
    x, y = rng.standard_normal((7, 4)), rng.standard_normal((7, 1))
    profile = gradient_profile(net, x, y)
    assert profile.loss == losses.mse(net.forward(x), y)[0]
    tr = probes.trace(net, x, losses.mse(net.forward(x), y)[1])
    np.testing.assert_allclose(
        profile.activation_grad_norms, [np.linalg.norm(g) for g in tr.grads_out[:2]]
    )
    np.testing.assert_allclose(profile.weight_grad_norms, probes.grad_norms_per_layer(net))
    assert profile.weight_grad_norms.shape == (3,)


def test_activation_profile_is_the_trace_of_each_layer(rng):
    net = mlp([5, 4, 3], "tanh", rng, bias=False, head=False)
    x, upstream = rng.standard_normal((6, 5)), rng.standard_normal((6, 3))
    profile = experiments.activation_profile(net, x, upstream)
    z1 = x @ net[0].params["W"]
    a1 = np.tanh(z1)
    z2 = a1 @ net[2].params["W"]
    np.testing.assert_array_equal(profile.pre[0], z1)
    np.testing.assert_allclose(profile.activations[1], np.tanh(z2), rtol=1e-15)
    np.testing.assert_array_equal(profile.gradients[1], upstream)  # L = sum(a2 * upstream)
    delta2 = upstream * (1 - np.tanh(z2) ** 2)
    np.testing.assert_allclose(profile.gradients[0], delta2 @ net[2].params["W"].T, rtol=1e-12)
    forward_only = experiments.activation_profile(net, x)
    assert forward_only.gradients == [None, None]
    with pytest.raises(ValueError, match="alternate Linear and activation"):
        experiments.activation_profile(mlp([5, 4, 3], "tanh", rng), x)
    with pytest.raises(TypeError, match="Sequential"):
        experiments.activation_profile(net[0], x)


# --- many networks at once ---------------------------------------------------------


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


# --- hostile data and divergence ---------------------------------------------------------


def test_targets_given_as_a_list_are_taken_as_an_array():
    as_list = train(one_weight_model(), losses.mse, X_ONE, Y_TRAIN.tolist(), lr=0.25, epochs=2)
    as_array = train(one_weight_model(), losses.mse, X_ONE, Y_TRAIN, lr=0.25, epochs=2)
    assert as_list.train_loss == as_array.train_loss


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(X=np.array([[np.nan]])), ValueError, "X must be finite"),
        (dict(y=np.array([[np.inf]])), ValueError, "y must be finite"),
        (dict(model="x"), TypeError, "model must be a layer"),
        (dict(loss_fn=5), TypeError, "loss_fn must be"),
        (dict(lr=1.0, weight_decay=1.0), ValueError, "lr \\* weight_decay"),
        (dict(optimizer=optim.AdamW(), weight_decay=0.1), ValueError, "weight decay once"),
    ],
)
def test_bad_data_is_named_not_blamed_on_the_learning_rate(kwargs, error, match):
    args = dict(model=one_weight_model(), loss_fn=losses.mse, X=X_ONE, y=Y_TRAIN, lr=0.25)
    with pytest.raises(error, match=match):
        train(**{**args, "epochs": 1, **kwargs})


def test_nan_weights_are_refused_before_training():
    model = one_weight_model()
    model.params["W"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"model.params\['W'\] must be finite"):
        train(model, losses.mse, X_ONE, Y_TRAIN, lr=0.1, steps=2)


def test_one_adam_reused_on_another_model_is_a_clear_error():
    adam = Adam()
    train(one_weight_model(), losses.mse, X_ONE, Y_TRAIN, lr=0.1, steps=1, optimizer=adam)
    with pytest.raises(ValueError, match="another model's parameters"):
        train(one_weight_model(), losses.mse, X_ONE, Y_TRAIN, lr=0.1, steps=1, optimizer=adam)


def test_an_overflow_is_divergence(rng):
    X, y = rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    history = train(
        layers.Linear(2, 1, rng=rng), losses.mse, X, y, lr=1e150, steps=10, stop_above=np.inf
    )
    assert history.diverged and len(history.step_loss) < 10
    assert all(np.isfinite(history.step_loss[:-1])), history.step_loss
    with pytest.raises(FloatingPointError, match="try a smaller lr"):
        train(layers.Linear(2, 1, rng=rng), losses.mse, X, y, lr=1e150, steps=10)


def test_data_too_large_for_the_first_pass_names_x(rng):
    X, y = 1e300 * rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    for mode in (dict(steps=2), dict(epochs=2)):
        with pytest.raises(ValueError, match="X is too large for the model"):
            train(layers.Linear(2, 1, rng=rng), losses.mse, X, y, lr=0.1, **mode)


def test_mlp_refuses_wrong_flags_and_unknown_activations_at_once(rng):
    with pytest.raises(TypeError, match="blocks must be True or False"):
        mlp([3, 4, 1], "tanh", rng, blocks="no")
    with pytest.raises(ValueError, match="unknown activation name 'bogus'"):
        mlp([3, 2], "bogus")


# --- schedules and descend -----------------------------------------------------------


def test_a_schedule_scales_every_step_and_the_decay_with_it(rng):
    """Step s moves with lr * schedule(s): the update and the decoupled decay alike."""
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    net = mlp([3, 4, 1], "tanh", np.random.default_rng(1))
    twin = copy.deepcopy(net)
    lr, wd = 0.2, 0.5
    schedule = schedules.Warmup(2, schedules.Cosine(4))
    history = train(net, losses.mse, X, y, lr=lr, steps=6, schedule=schedule, weight_decay=wd)
    for step in range(6):
        twin.backward(losses.mse(twin.forward(X), y)[1])
        rate = lr * schedule(step)
        for name, w in twin.params.items():
            if name.endswith("W"):
                w *= 1 - rate * wd
            w -= rate * twin.grads[name]
    _same_params(net, twin)
    np.testing.assert_allclose(history.lr, lr * schedule.values(6), rtol=1e-15)


def test_epochs_count_their_batches_against_the_schedule(rng):
    X, y = rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    net = mlp([2, 3, 1], "tanh", np.random.default_rng(2))
    # 10 samples in batches of 4: 3 steps per epoch, 6 in two epochs
    history = train(
        net, losses.mse, X, y, lr=0.1, epochs=2, batch_size=4, rng=rng,
        schedule=schedules.Cosine(6),
    )  # fmt: skip
    assert len(history.lr) == 6 and history.lr[0] == 0.1
    with pytest.raises(ValueError, match=r"covers 5 steps, but the run takes 6"):
        train(net, losses.mse, X, y, lr=0.1, epochs=2, batch_size=4, rng=rng,
              schedule=schedules.Cosine(5))  # fmt: skip


def test_a_run_without_a_schedule_records_its_constant_rate(rng):
    X, y = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    history = train(mlp([2, 3, 1], "tanh", rng), losses.mse, X, y, lr=0.3, steps=3)
    assert history.lr == [0.3, 0.3, 0.3]


@pytest.mark.parametrize(
    ("schedule", "error", "match"),
    [
        ("cosine", TypeError, "schedule must be a schedule"),
        (lambda step: 0.0, ValueError, r"positive finite factor.* gave 0.0 at step 0"),
        (lambda step: np.nan, ValueError, r"positive finite factor.* gave nan at step 0"),
        (lambda step: "1", ValueError, r"positive finite factor.* gave '1' at step 0"),
    ],
)
def test_a_bad_schedule_is_named(rng, schedule, error, match):
    X, y = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    net = mlp([2, 3, 1], "tanh", rng)
    before = copy.deepcopy(net.params)
    with pytest.raises(error, match=match):
        train(net, losses.mse, X, y, lr=0.1, steps=2, schedule=schedule)
    for name, p in net.params.items():
        np.testing.assert_array_equal(p, before[name])  # refused before any update


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


def test_accuracy_counts_the_largest_score_in_eval_mode_and_restores_the_mode(rng):
    dropout = layers.Dropout(0.9, rng)
    model = layers.Sequential(dropout)
    X = np.array([[0.0, 2.0, 1.0], [3.0, 0.0, 0.0], [0.0, 0.0, 5.0], [1.0, 4.0, 0.0]])
    y = np.array([1, 0, 1, 1])
    model.training = True
    assert experiments.accuracy(model, X, y) == 0.75  # no unit dropped: eval mode
    assert model.training
    model.training = False
    assert experiments.accuracy(model, X, list(y)) == 0.75 and not model.training


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (np.ones((3, 2)), np.array([0.0, 1.0, 1.0]), TypeError, r"y must be \(3,\) integer"),
        (np.ones((3, 2)), np.array([0, 1]), TypeError, r"y must be \(3,\) integer"),
        (np.ones((3, 2)), np.array([0, 1, 2]), ValueError, r"labels y must be in \[0, 2\)"),
        (np.ones((3, 2)), np.array([0, -1, 1]), ValueError, r"labels y must be in \[0, 2\)"),
        (np.ones((0, 2)), np.array([], dtype=int), ValueError, "X must hold at least one"),
        (np.ones(3), np.array([0, 1, 1]), ValueError, r"model must output \(N, K\)"),
    ],
)
def test_accuracy_refuses_bad_arguments_by_name(X, y, error, match):
    with pytest.raises(error, match=match):
        experiments.accuracy(layers.Sequential(layers.Tanh()), X, y)


def test_without_the_training_curve_the_run_and_its_validation_curve_are_the_same(rng):
    X, y = rng.standard_normal((30, 3)), rng.integers(0, 2, 30)
    X_val, y_val = rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    runs = {}
    for record_train in (True, False):
        model = mlp([3, 8, 2], "tanh", np.random.default_rng(5))
        history = train(
            model,
            losses.softmax_cross_entropy,
            X,
            y,
            lr=0.5,
            epochs=12,
            batch_size=10,
            rng=np.random.default_rng(6),
            X_val=X_val,
            y_val=y_val,
            patience=3,
            record_train=record_train,
        )
        runs[record_train] = (history, model.params)
    (full, full_params), (lean, lean_params) = runs[True], runs[False]
    assert len(full.train_loss) == full.epochs_run + 1 and lean.train_loss == []
    assert lean.val_loss == full.val_loss and lean.step_loss == full.step_loss
    assert (lean.best_epoch, lean.epochs_run, lean.stopped_early) == (
        full.best_epoch,
        full.epochs_run,
        full.stopped_early,
    )
    for name, p in full_params.items():
        np.testing.assert_array_equal(lean_params[name], p)


def test_without_the_training_curve_divergence_shows_in_the_validation_loss(rng):
    X, y = 10 * rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(FloatingPointError, match="lr"),
    ):
        train(
            layers.Linear(2, 1, rng=rng),
            losses.mse,
            X,
            y,
            lr=100.0,
            epochs=200,
            X_val=X,
            y_val=y,
            record_train=False,
        )
    with pytest.raises(ValueError, match="X_val is too large for the model"):
        train(
            layers.Linear(2, 1, rng=rng),
            losses.mse,
            X,
            y,
            lr=0.1,
            epochs=2,
            X_val=1e300 * X,
            y_val=y,
            record_train=False,
        )

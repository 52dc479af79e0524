"""Tests for helpers.experiments.train and its companions (evaluate, accuracy, the
profiles): the loop against hand-computed gradient descent and Adam, the order of its
gradient transforms, early stopping on curves whose best epoch is known in advance,
schedules, hostile data and the argument checks. The builder, the replicas and descend
have files of their own (test_mlp.py, test_replicas.py, test_descend.py)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import clipping, experiments, layers, losses, optim, probes, schedules
from helpers.experiments import Adam, History, evaluate, gradient_profile, mlp, train
from helpers.regularization import Penalty, soft_threshold
from tests.support.params import assert_same_params

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
    assert_same_params(net, twin)
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
    assert_same_params(net, twin)
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


# --- schedules ---------------------------------------------------------------------


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
    assert_same_params(net, twin)
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

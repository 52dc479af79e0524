"""Tests for helpers.experiments: the loop against hand-computed gradient descent, early
stopping on curves whose best epoch is known in advance, and the argument checks."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import layers, losses
from helpers.experiments import History, evaluate, train
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

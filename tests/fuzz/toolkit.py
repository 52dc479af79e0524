"""The fuzz catalogue: the experiment toolkit, gradient checks and probes."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import (
    clipping,
    experiments,
    gradcheck,
    layers,
    losses,
    norm,
    optim,
    probes,
    regularization,
    schedules,
)
from helpers.activations import ACTIVATIONS
from tests.fuzz import (
    Arr,
    Case,
    Choice,
    Entry,
    Fixed,
    Flag,
    Int,
    L,
    Real,
    Rng,
    Slot,
    Text,
    Thing,
    Variant,
    Widths,
    all_zero,
    assert_close,
    below,
    contains,
    equal,
    finite_array,
    long,
    normal,
    other_shapes,
    scenario,
    to_float,
    true,
)
from tests.fuzz.layers import _int_weights, _linear

# --- the experiment toolkit, gradient checks, probes ----------------------------------


def _model(rng: np.random.Generator) -> Any:
    return experiments.mlp([3, 4, 2], "tanh", rng)


def experiments_entries() -> Iterator[Entry]:
    def mlp_check(model: Any) -> None:
        assert model.forward(np.ones((2, model[0].n_in))).shape[0] == 2

    yield Entry(
        "experiments.mlp",
        experiments.mlp,
        {
            "widths": Widths([3, 4, 2]),
            "activation": Choice("tanh", names=("activation", "name")),
            "rng": Rng(),
            "bias": Flag(True),
            "head": Flag(True),
            "blocks": Flag(False),
            "residual": Flag(False),
            "dropout": Real(0.5, low=0.0, high=1.0, high_open=True, none_ok=True),
        },
        check=mlp_check,
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "experiments.mlp",
                "an unknown activation with no hidden layer",
                "range",
                lambda: experiments.mlp([3, 2], "bogus"),
                expect="error",
                names=("bogus", "name"),
            ),
            scenario(
                "experiments.mlp",
                "norm not callable",
                "type",
                lambda: experiments.mlp([3, 4, 2], "tanh", rng, norm=5),
                expect="error",
                names=("norm",),
            ),
            scenario(
                "experiments.mlp",
                "head_kwargs not a dict",
                "type",
                lambda: experiments.mlp(
                    [3, 4, 2], "tanh", rng, head_init="constant", head_kwargs=[1]
                ),
                expect="error",
                names=("head_kwargs",),
            ),
            scenario(
                "experiments.mlp",
                "activation factory returning junk",
                "type",
                lambda: experiments.mlp([3, 4, 2], lambda: "junk", rng),
                expect="error",
                names=("activation()",),
            ),
        ],
    )

    def evaluate_oracle(model: Any, X: Any, y: Any) -> float:
        out = long(model.forward(np.asarray(X, np.float64)))
        return to_float(np.mean((out - long(y)) ** 2))

    model_slot = Thing(_model, names=("model",))
    yield Entry(
        "experiments.evaluate",
        lambda model, X, y: experiments.evaluate(model, losses.mse, X, y),
        {
            "model": model_slot,
            "X": Arr(
                normal(5, 3),
                ndim=(2,),
                empty="refuse",
                shapes=other_shapes((5, 2)),
                names=("X", "x"),
            ),
            "y": Fixed(normal(5, 2)),
        },
        evaluate_oracle,
        lambda a, e: assert_close(a, e, rtol=1e-9),
    )

    def classifier(rng: np.random.Generator) -> Any:
        return experiments.mlp([3, 4], "tanh", rng)

    def accuracy_oracle(model: Any, X: Any, y: Any) -> float:
        scores = long(model.forward(np.asarray(X, np.float64)))
        return float(np.mean(np.argmax(scores, axis=1) == np.asarray(y)))

    yield Entry(
        "experiments.accuracy",
        experiments.accuracy,
        {
            "model": Thing(classifier, names=("model",)),
            "X": Arr(
                normal(5, 3),
                ndim=(2,),
                empty="refuse",
                shapes=other_shapes((5, 2)),
                names=("X", "x"),
            ),
            "y": Fixed(lambda rng: rng.integers(0, 4, size=5)),
        },
        accuracy_oracle,
        lambda a, e: assert_close(a, e, rtol=0),
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "experiments.accuracy",
                "a label out of range",
                "range",
                lambda: experiments.accuracy(classifier(rng), np.ones((2, 3)), np.array([0, 4])),
                expect="error",
                names=("y",),
            ),
            scenario(
                "experiments.accuracy",
                "float labels",
                "dtype",
                lambda: experiments.accuracy(classifier(rng), np.ones((2, 3)), np.ones(2)),
                expect="error",
                names=("y",),
            ),
        ],
    )

    def train(**kw: Any) -> Any:
        model = kw.pop("model")
        history = experiments.train(model, losses.mse, kw.pop("X"), kw.pop("y"), **kw)
        return history.step_loss

    yield Entry(
        "experiments.train",
        train,
        {
            "model": model_slot,
            "X": Arr(
                normal(6, 3),
                ndim=(2,),
                empty="refuse",
                shapes=other_shapes((6, 2)),
                names=("X", "x"),
            ),
            "y": Arr(
                normal(6, 2), empty="refuse", shapes=other_shapes((5, 2)), names=("y", "y_hat")
            ),
            "lr": Real(0.1, low=0.0, low_open=True),
            "steps": Int(3, low=0),
            "batch_size": Int(4, none_ok=True),
            "rng": Rng(),
            "weight_decay": Real(0.0, low=0.0),
            "optimizer": Thing(lambda rng: optim.Adam(), names=("optimizer",)),
            "schedule": Thing(
                lambda rng: schedules.Warmup(1, schedules.Cosine(2)),
                names=("schedule",),
                wrong=(("str", "abc"), ("int", 5), ("a short one", schedules.Cosine(2))),
            ),
            "penalty": Thing(lambda rng: regularization.Penalty("l2", 0.1), names=("penalty",)),
            "clip": Thing(lambda rng: (clipping.clip_by_norm, 1.0), names=("clip",)),
            "after_step": Thing(lambda rng: lambda model, step: None, names=("after_step",)),
        },
        check=lambda losses_: finite_array(np.array(losses_)),
        scenarios=train_scenarios,
        errors=(ValueError, TypeError, FloatingPointError),  # a diverged run: "try a smaller lr"
    )
    yield Entry(
        "experiments.gradient_profile",
        experiments.gradient_profile,
        {
            "model": Thing(
                lambda rng: experiments.mlp([3, 4, 4, 1], "tanh", rng, blocks=True),
                names=("model",),
            ),
            "x": Arr(normal(5, 3), ndim=(2,), shapes=other_shapes((5, 2)), empty="refuse"),
            "y": Arr(
                normal(5, 1), shapes=other_shapes((5, 2)), empty="refuse", names=("y", "y_hat")
            ),
        },
        check=lambda p: finite_array(p.weight_grad_norms),
        covers=("experiments.GradientProfile",),
    )
    yield Entry(
        "experiments.activation_profile",
        experiments.activation_profile,
        {
            "model": Thing(
                lambda rng: experiments.mlp([3, 4, 2], "tanh", rng, head=False), names=("model",)
            ),
            "x": Arr(
                normal(5, 3),
                ndim=(2,),
                shapes=other_shapes((5, 2)),
                empty="refuse",
                names=("x", "upstream"),
            ),
            "upstream": Arr(
                normal(5, 2),
                shapes=other_shapes((5, 3)),
                empty="refuse",
                none_ok=True,
                names=("upstream", "dout"),
            ),
        },
        covers=("experiments.ActivationProfile",),
    )
    yield Entry("experiments.History", lambda: repr(experiments.History()), finite=False)

    def descend_oracle(grad: Any, w0: Any, lr: float, steps: int) -> Any:
        """Gradient descent on sum(w^2) / 2 multiplies w by 1 - lr each step; from the
        first step beyond float64 on, the path is NaN."""
        path = long(w0) * (1 - L(lr)) ** np.arange(steps + 1).reshape(-1, 1, 1)
        beyond = np.cumsum(np.any(np.abs(path) > np.finfo(np.float64).max, axis=(1, 2))) > 0
        path[beyond] = np.nan
        return to_float(path)

    yield Entry(
        "experiments.descend",
        lambda grad, w0, lr, steps: experiments.descend(grad, w0, lr=lr, steps=steps),
        {
            "grad": Thing(lambda rng: lambda w: w, names=("grad",)),
            "w0": Arr(normal(3, 2), empty="ok", huge="either", names=("w0",)),
            "lr": Real(0.5, low=0.0, low_open=True),
            "steps": Int(4, low=0),
        },
        descend_oracle,
        lambda a, e: assert_close(a, e, rtol=1e-12, atol=1e-300),
        finite=False,  # a diverged path is NaN from there on, as documented
        scenarios=descend_scenarios,
    )


def descend_scenarios(rng: np.random.Generator) -> list[Case]:
    entry = "experiments.descend"

    def run(**kw: Any) -> Any:
        args = {"grad": lambda w: w, "w0": np.ones(2), "lr": 0.1, "steps": 3, **kw}
        return experiments.descend(**args)

    def expected_nan_tail(path: np.ndarray) -> None:
        finite = np.isfinite(path).all(axis=1)
        assert finite[0] and not finite[-1] and np.all(np.diff(finite.astype(int)) <= 0)

    return [
        scenario(
            entry, "a gradient of another shape", "shape", lambda: run(grad=lambda w: w[:1]),
            expect="error", names=("grad",),
        ),
        scenario(
            entry, "a NaN gradient at the start", "nan", lambda: run(grad=lambda w: w * np.nan),
            expect="error", names=("grad",),
        ),
        scenario(
            entry, "a run that diverges", "huge", lambda: run(lr=1e3, steps=200),
            check=expected_nan_tail,
        ),
        scenario(
            entry, "Adam and a schedule", "valid",
            lambda: run(optimizer=optim.Adam(), schedule=schedules.Cosine(3)),
            check=lambda p: finite_array(p),
        ),
        scenario(
            entry, "a schedule too short", "range",
            lambda: run(schedule=schedules.Cosine(2)), expect="error", names=("schedule",),
        ),
        scenario(
            entry, "an optimiser of another model", "reuse",
            lambda: [run(optimizer=opt) for opt in [optim.Momentum()] * 2],
            expect="error", names=("params['w']", "params"),
        ),
    ]  # fmt: skip


def train_scenarios(rng: np.random.Generator) -> list[Case]:
    X, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))

    def fit(**kw: Any) -> Any:
        args = {
            "model": _model(np.random.default_rng(1)),
            "loss_fn": losses.mse,
            "X": X,
            "y": y,
            "lr": 0.1,
            "epochs": 2,
            **kw,
        }
        return experiments.train(**args)

    entry = "experiments.train"
    return [
        scenario(
            entry,
            "y as a list",
            "dtype",
            lambda: fit(y=y.tolist()).train_loss,
            check=lambda r: finite_array(np.array(r)),
        ),
        scenario(
            entry,
            "the model a string",
            "type",
            lambda: fit(model="x"),
            expect="error",
            names=("model",),
        ),
        scenario(
            entry, "loss_fn = 5", "type", lambda: fit(loss_fn=5), expect="error", names=("loss_fn",)
        ),
        scenario(
            entry,
            "record_train = 'no'",
            "type",
            lambda: fit(record_train="no"),
            expect="error",
            names=("record_train",),
        ),
        scenario(
            entry,
            "record_train = False",
            "valid",
            lambda: fit(record_train=False, X_val=X, y_val=y).val_loss,
            check=lambda r: finite_array(np.array(r)),
        ),
        scenario(
            entry,
            "NaN in X",
            "nan",
            lambda: fit(X=np.where(np.arange(X.size).reshape(X.shape) == 4, np.nan, X)),
            expect="error",
            names=("X",),
        ),
        scenario(
            entry,
            "NaN in the weights",
            "nan",
            lambda: fit(model=_with_nan(_model(rng))),
            expect="error",
            names=("model.params['0.W']",),
        ),
        scenario(
            entry,
            "an integer weight",
            "dtype",
            lambda: fit(model=_int_weights(rng), X=X[:, :2], y=y),
            expect="error",
            names=("model.params['W']",),
        ),
        scenario(
            entry,
            "epochs and steps",
            "range",
            lambda: fit(steps=2),
            expect="error",
            names=("epochs", "steps"),
        ),
        scenario(
            entry,
            "patience without a validation set",
            "range",
            lambda: fit(patience=2),
            expect="error",
            names=("patience",),
        ),
        scenario(
            entry,
            "X_val without y_val",
            "range",
            lambda: fit(X_val=X),
            expect="error",
            names=("X_val", "y_val"),
        ),
        scenario(
            entry,
            "y_val of another length",
            "shape",
            lambda: fit(X_val=X, y_val=y[:3]),
            expect="error",
            names=("y_val",),
        ),
        scenario(
            entry,
            "stop_above NaN",
            "nan",
            lambda: fit(stop_above=math.nan),
            expect="error",
            names=("stop_above",),
        ),
        scenario(
            entry,
            "optimizer 'adam'",
            "type",
            lambda: fit(optimizer="adam"),
            expect="error",
            names=("optimizer",),
        ),
        scenario(
            entry,
            "decay given twice",
            "range",
            lambda: fit(optimizer=optim.AdamW(), weight_decay=0.1),
            expect="error",
            names=("weight_decay",),
        ),
        scenario(
            entry,
            "hook not callable",
            "type",
            lambda: fit(after_backward=3),
            expect="error",
            names=("after_backward",),
        ),
        scenario(
            entry,
            "overflow with stop_above=inf",
            "huge",
            lambda: fit(lr=1e150, stop_above=np.inf, epochs=None, steps=5),
            check=_stopped,
        ),
        scenario(
            entry,
            "overflow without stop_above",
            "huge",
            lambda: fit(lr=1e150, epochs=None, steps=5),
            expect="error",
            names=("lr", "diverged"),
            errors=(FloatingPointError,),
        ),
        scenario(
            entry,
            "X so large that step 0 overflows",
            "huge",
            lambda: fit(model=layers.Linear(3, 2, rng=rng), X=X * 1e300),
            expect="error",
            names=("X",),
        ),
    ]


def _with_nan(model: Any) -> Any:
    model[0].params["W"][0, 0] = np.nan
    return model


def _stopped(history: Any) -> None:
    """A diverged run: stopped, every loss finite but a last NaN (one it could not compute)."""
    losses_ = history.step_loss
    assert history.diverged and len(losses_) < 5, history
    assert all(math.isfinite(v) for v in losses_[:-1]) and not math.isinf(losses_[-1]), losses_


# --- many networks at once --------------------------------------------------------------

#: The replicas' shapes: S networks of widths M_0 .. M_L, N samples each.
S, N, WIDTHS = 3, 5, [2, 4, 3, 1]


def _network(
    widths: Any, activation: str, act_params: Any, init: str, rng: Any
) -> tuple[Any, Callable[[Any], Any]]:
    """The network ``train_replicas`` draws from ``rng``, and the activation it applies."""
    params = act_params or {}
    net = experiments.mlp(
        list(widths), lambda: layers.ActivationLayer(activation, **params), rng, init=init
    )
    return net, lambda z: ACTIVATIONS[activation].fn(z, **params)


def _pre_activations(net: Any, x: np.ndarray, act: Callable[[Any], Any]) -> list[np.ndarray]:
    """z^(1) .. z^(L) of ``net`` on x, in float64 as numpy computes them (inf and NaN
    kept: a diverged network's flags are read from them)."""
    zs, a = [], x
    with np.errstate(all="ignore"):
        for lin in probes.linear_layers(net):
            zs.append(a @ lin.params["W"] + lin.params["b"])
            a = act(zs[-1])
    return zs


def _dead(net: Any, x: np.ndarray, act: Callable[[Any], Any]) -> list[np.ndarray]:
    """Per hidden layer, (M_l,): whether each unit's pre-activation is <= 0 on every x."""
    return [np.all(z <= 0, axis=0) for z in _pre_activations(net, x, act)[:-1]]


def _replicas_oracle(
    widths: Any,
    activation: str,
    X: Any,
    y: Any,
    lr: Any,
    steps: int,
    rngs: Any,
    init: str,
    stop_above: float,
    act_params: Any,
) -> dict[str, Any]:
    """Each replica trained alone by experiments.train, step by step, as the network
    ``mlp`` draws from (a copy of) its generator: its losses, whether it diverged, its
    hidden units' flags (pre-activation <= 0 on every input) and its final weights.

    overflowed marks a loss train could not compute (NaN): the replica's must be
    infinite or NaN there. After a replica stops, its losses are NaN and its flags
    stay those of the weights it stopped with.
    """
    X, y = np.asarray(X, np.float64), np.asarray(y, np.float64)
    rates = np.broadcast_to(np.asarray(lr, np.float64), (len(X),))
    out: dict[str, Any] = {k: [] for k in ("loss", "overflowed", "diverged", "flags", "W", "b")}
    for s, gen in enumerate(rngs):
        net, act = _network(widths, activation, act_params, init, gen)
        flags = [_dead(net, X[s], act)]

        def record(net: Any, step: int, x: Any = X[s], flags: Any = flags, act: Any = act) -> None:
            flags.append(_dead(net, x, act))

        history = experiments.train(
            net, losses.mse, X[s], y[s], lr=float(rates[s]), steps=steps,
            stop_above=stop_above, after_step=record,
        )  # fmt: skip
        loss = list(history.step_loss)
        overflowed = [False] * len(loss)
        if history.diverged:
            overflowed[-1] = math.isnan(loss[-1])
        else:  # the loss after the last step, as the replicas take it
            with np.errstate(all="ignore"):
                loss.append(float(np.mean((_pre_activations(net, X[s], act)[-1] - y[s]) ** 2)))
            overflowed.append(False)
        pad = steps + 1 - len(loss)
        out["loss"].append(loss + [math.nan] * pad)
        out["overflowed"].append(overflowed + [False] * pad)
        out["diverged"].append(history.diverged or not loss[-1] < stop_above)
        out["flags"].append(flags + flags[-1:] * pad)
        out["W"].append([lin.params["W"] for lin in probes.linear_layers(net)])
        out["b"].append([lin.params["b"] for lin in probes.linear_layers(net)])
    return out


def _same_replicas(runs: Any, expected: dict[str, Any]) -> None:
    assert isinstance(runs, experiments.Replicas), type(runs)
    loss, overflowed = np.array(expected["loss"]), np.array(expected["overflowed"])
    assert runs.loss.shape == loss.shape, (runs.loss.shape, loss.shape)
    assert not np.isfinite(runs.loss[overflowed]).any(), runs.loss
    assert_close(runs.loss[~overflowed], loss[~overflowed], rtol=1e-9, atol=1e-300)
    assert runs.diverged.tolist() == expected["diverged"], (runs.diverged, expected["diverged"])
    for layer, negative in enumerate(runs.negative):
        want = np.array([[step[layer] for step in replica] for replica in expected["flags"]])
        assert np.array_equal(negative, want), f"negative[{layer}]: {negative} != {want}"
    for got, key in ((runs.weights, "W"), (runs.biases, "b")):
        for layer, arr in enumerate(got):
            want = np.stack([replica[layer] for replica in expected[key]])
            assert_close(arr, want, rtol=1e-9, atol=1e-12)
    assert "diverged=" in repr(runs), repr(runs)


def replicas_entries() -> Iterator[Entry]:
    X = Arr(
        normal(S, N, WIDTHS[0]),
        ndim=(3,),
        empty="refuse",
        shapes=other_shapes((S, N, WIDTHS[0] + 1), (S - 1, N, WIDTHS[0])),
    )
    y = Arr(
        normal(S, N, WIDTHS[-1]),
        ndim=(3,),
        empty="refuse",
        shapes=other_shapes((S, N, WIDTHS[-1] + 1), (S, N + 1, WIDTHS[-1])),
    )
    yield Entry(
        "experiments.train_replicas",
        lambda widths, activation, X, y, **kw: experiments.train_replicas(
            widths, activation, X, y, **kw
        ),
        {
            "widths": Widths(WIDTHS),
            "activation": Choice("leaky_relu", names=("activation",)),
            "X": X,
            "y": y,
            # one rate for all (an array of S rates is a scenario)
            "lr": Real(0.1, low=0.0, low_open=True),
            "steps": Int(3, low=0),
            "rngs": Rngs(S),
            "init": Choice("he_normal", names=("init",)),
            "stop_above": Real(1e6, low=0.0, low_open=True, policy="mask"),
            "act_params": ActParams({"alpha": 0.1}),
        },
        _replicas_oracle,
        _same_replicas,
        finite=False,  # the losses after a replica stops are NaN
        covers=("experiments.Replicas",),
        scenarios=replicas_scenarios,
    )

    def hidden_oracle(runs: Any, X: Any) -> list[np.ndarray]:
        """a^(l) replica by replica, in long double from the final weights: Overflow
        where it is beyond float64."""
        fn = ACTIVATIONS[runs.activation].fn
        outputs: list[list[np.ndarray]] = [[] for _ in runs.weights[:-1]]
        for s, x in enumerate(np.asarray(X, np.float64)):
            a = long(x)
            for layer, (W, b) in enumerate(zip(runs.weights[:-1], runs.biases[:-1], strict=True)):
                a = long(fn(to_float(a @ long(W[s]) + long(b[s])), **runs.act_params))
                outputs[layer].append(a)
        return [to_float(np.stack(out)) for out in outputs]

    yield Entry(
        "experiments.Replicas.hidden",
        lambda runs, X: runs.hidden(X),
        {
            "runs": Fixed(
                lambda rng: experiments.train_replicas(
                    WIDTHS,
                    "leaky_relu",
                    rng.standard_normal((S, N, WIDTHS[0])),
                    rng.standard_normal((S, N, WIDTHS[-1])),
                    lr=0.1,
                    steps=2,
                    rngs=rng.spawn(S),
                    act_params={"alpha": 0.1},
                )  # fmt: skip
            ),
            "X": Arr(
                normal(S, 6, WIDTHS[0]),
                ndim=(3,),
                empty="refuse",
                shapes=other_shapes((S, 6, WIDTHS[0] + 1), (S - 1, 6, WIDTHS[0])),
            ),
        },
        hidden_oracle,
        lambda a, e: assert_close(a, e, rtol=1e-9, atol=1e-12),
    )


def replicas_scenarios(rng: np.random.Generator) -> list[Case]:
    entry = "experiments.train_replicas"
    data_rng = np.random.default_rng(rng.integers(2**32))
    X, y = data_rng.standard_normal((S, N, WIDTHS[0])), data_rng.standard_normal((S, N, 1))
    seeds = rng.integers(2**32, size=S)

    def args(**kw: Any) -> dict[str, Any]:
        return {
            "widths": WIDTHS, "activation": "relu", "X": X, "y": y, "lr": 0.1, "steps": 4,
            "rngs": [np.random.default_rng(s) for s in seeds], **kw,
        }  # fmt: skip

    def fit(**kw: Any) -> Any:
        return experiments.train_replicas(**args(**kw))

    def follows(**kw: Any) -> Callable[[Any], None]:
        """The replicas' run is train's, replica by replica, for these arguments."""
        expected = args(**kw)
        full = {"init": "xavier_normal", "stop_above": np.inf, "act_params": None, **expected}
        return lambda runs: _same_replicas(runs, _replicas_oracle(**full))

    def unchanged_after_the_call() -> bool:
        params = {"alpha": 0.2}
        runs = fit(activation="leaky_relu", act_params=params)
        before = runs.hidden(X)
        params["alpha"] = 5.0
        return all(np.array_equal(a, b) for a, b in zip(runs.hidden(X), before, strict=True))

    return [
        scenario(
            entry,
            "one rate per replica",
            "valid",
            lambda: fit(lr=np.array([0.01, 0.1, 0.5])),
            check=follows(lr=np.array([0.01, 0.1, 0.5])),
        ),
        scenario(
            entry,
            "a rate that diverges beside two that do not",
            "huge",
            lambda: fit(lr=np.array([0.1, 1e3, 1e150]), steps=6),
            check=follows(lr=np.array([0.1, 1e3, 1e150]), steps=6),
        ),
        scenario(
            entry,
            "lr 1e308: the first update overflows",
            "huge",
            lambda: fit(lr=1e308),
            check=follows(lr=1e308),
        ),
        scenario(
            entry,
            "inputs near 1e-300, lr 1e308: only the biases' update overflows",
            "huge",
            lambda: fit(X=X * 1e-300, y=100 * y, lr=1e308),
            check=follows(X=X * 1e-300, y=100 * y, lr=1e308),
        ),
        scenario(
            entry,
            "a zero among the rates",
            "range",
            lambda: fit(lr=np.array([0.1, 0.0, 0.1])),
            expect="error",
            names=("lr",),
        ),
        scenario(
            entry,
            "a NaN among the rates",
            "nan",
            lambda: fit(lr=np.array([0.1, np.nan, 0.1])),
            expect="error",
            names=("lr",),
        ),
        scenario(
            entry,
            "rates of shape (S, 1)",
            "shape",
            lambda: fit(lr=np.full((S, 1), 0.1)),
            expect="error",
            names=("lr",),
        ),
        scenario(
            entry,
            "no samples",
            "empty",
            lambda: fit(X=X[:, :0], y=y[:, :0]),
            expect="error",
            names=("X", "N"),
        ),
        scenario(
            entry,
            "no steps",
            "range",
            lambda: fit(steps=0),
            check=follows(steps=0),
        ),
        scenario(
            entry,
            "act_params changed after the call",
            "alias",
            unchanged_after_the_call,
            check=true,
        ),
        scenario(
            "experiments.Replicas.hidden",
            "weights of ones, every input 1e308: the outputs overflow",
            "huge",
            lambda: _ones().hidden(np.full_like(X, 1e308)),
            expect="error",
            names=("X",),
        ),
        scenario(
            "experiments.Replicas.hidden",
            "called twice",
            "reuse",
            lambda: (
                lambda runs: [a - b for a, b in zip(runs.hidden(X), runs.hidden(X), strict=True)]
            )(fit()),
            check=lambda diffs: all_zero(dict(enumerate(diffs))),
        ),
    ]


def _ones() -> Any:
    """Replicas whose weights are all 1 and biases 0 (a^(1) = relu(x_1 + x_2))."""
    return experiments.Replicas(
        np.zeros((S, 1)),
        np.zeros(S, dtype=bool),
        [np.zeros((S, 1, m), dtype=bool) for m in WIDTHS[1:-1]],
        [np.ones((S, m, n)) for m, n in zip(WIDTHS[:-1], WIDTHS[1:], strict=True)],
        [np.zeros((S, n)) for n in WIDTHS[1:]],
        "relu",
        {},
    )


@dataclass
class Rngs(Slot):
    """One numpy Generator per replica."""

    n: int
    names: tuple[str, ...] = ("rngs",)

    def valid(self, rng: np.random.Generator) -> list[np.random.Generator]:
        return rng.spawn(self.n)

    def variants(self, good: Any, rng: np.random.Generator) -> Iterator[Variant]:
        def fresh() -> list[np.random.Generator]:  # each case draws from its own
            return copy.deepcopy(good)

        for label, value in (
            ("str", "abc"),
            ("None", None),
            ("one Generator", fresh()[0]),
            ("ints", list(range(self.n))),
            ("RandomStates", [np.random.RandomState(0) for _ in range(self.n)]),
        ):
            yield Variant(label, "type", value, "error")
        yield Variant("one too few", "shape", fresh()[:-1], "error")
        yield Variant("empty", "empty", [], "error")
        yield Variant("a tuple", "valid", tuple(fresh()), "result")
        yield Variant("one Generator for all", "alias", fresh()[:1] * self.n, "result")


@dataclass
class ActParams(Slot):
    """An activation's parameters, {"alpha": 0.1}; None means its defaults."""

    good: dict[str, float]
    names: tuple[str, ...] = ("act_params", "alpha", "parameter")

    def valid(self, rng: np.random.Generator) -> dict[str, float]:
        return dict(self.good)

    def variants(self, good: dict[str, float], rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("str", "abc"), ("int", 5), ("pairs", list(good.items()))):
            yield Variant(label, "type", value, "error")
        yield Variant("None", "valid", None, "result")
        yield Variant("empty", "empty", {}, "result")
        yield Variant("an unknown name", "range", {"beta": 1.0}, "error")
        yield Variant("alpha a string", "type", {"alpha": "0.1"}, "error")
        yield Variant("alpha NaN", "nan", {"alpha": math.nan}, "error")
        yield Variant("alpha inf", "inf", {"alpha": math.inf}, "error")
        yield Variant("alpha 1e308", "huge", {"alpha": 1e308}, "either")


def gradcheck_entries() -> Iterator[Entry]:
    def numerical(f: Any, x: Any, h: float) -> np.ndarray:
        return gradcheck.numerical_grad(f, x, h)

    yield Entry(
        "gradcheck.numerical_grad",
        numerical,
        {
            "f": Thing(lambda rng: lambda x: float(np.sum(np.sin(x))), names=("f",)),
            "x": Arr(normal(3, 2), inplace=True, huge="either"),
            "h": Real(1e-5, low=0.0, low_open=True),
        },
        _central_difference,
        lambda a, e: assert_close(a, e, rtol=1e-6, atol=1e-9),
        scenarios=lambda rng: [
            scenario(
                "gradcheck.numerical_grad",
                "f returns an array",
                "type",
                lambda: gradcheck.numerical_grad(lambda x: x, np.ones(3)),
                expect="error",
                names=("f",),
            ),
            scenario(
                "gradcheck.numerical_grad",
                "f fails: x restored",
                "alias",
                _restored_after_failure,
                check=true,
            ),
            scenario(
                "gradcheck.numerical_grad",
                "read-only x",
                "alias",
                lambda: gradcheck.numerical_grad(np.sum, _read_only(np.ones(3))),
                expect="error",
                names=("x",),
            ),
        ],
    )
    yield Entry(
        "gradcheck.rel_error",
        gradcheck.rel_error,
        {
            "a": Arr(normal(3, 2), shapes=other_shapes((2, 3)), empty="refuse"),
            "b": Arr(normal(3, 2), shapes=other_shapes((3,)), empty="refuse"),
            "floor": Real(1e-8, low=0.0, low_open=True),
        },
        _rel_error_oracle,
        lambda a, e: assert_close(a, e, rtol=1e-9),
    )
    yield Entry(
        "gradcheck.check_grad",
        lambda x, tol, name: _verdict(
            gradcheck.check_grad(
                lambda v: float(np.sum(np.sin(v))),
                _cos(x),
                x,
                tol,
                name=name,
                raise_on_failure=False,
            )
        ),
        {
            "x": Arr(normal(3, 2), huge="either"),
            "tol": Real(1e-6, low=0.0, low_open=True),
            "name": Text("x", empty_ok=True),
        },
        check=_consistent,
        finite=False,
        covers=("gradcheck.GradcheckReport", "gradcheck.GradcheckReport.passed"),
    )
    yield Entry(
        "gradcheck.check_layer",
        lambda layer, x, rng, tol, raise_on_failure: _verdict(
            gradcheck.check_layer(layer, x, rng, tol, raise_on_failure=raise_on_failure)
        ),
        {
            "layer": Thing(_linear, names=("layer",)),
            "x": Arr(normal(4, 3), ndim=(2,), shapes=other_shapes((4, 2))),
            "rng": Rng(required=False),
            "tol": Real(1e-6, low=0.0, low_open=True),
            "raise_on_failure": Flag(False),
        },
        check=_consistent,
        covers=("gradcheck.GradcheckReport.max_error", "gradcheck.GradcheckReport.failure_message"),
        scenarios=lambda rng: [
            scenario(
                "gradcheck.check_layer",
                "batch norm on data from default_rng(0)",
                "valid",
                lambda: (
                    gradcheck.check_layer(
                        norm.BatchNorm(4), np.random.default_rng(0).standard_normal((8, 4))
                    ).max_error
                ),
                check=lambda e: below(e, 1e-6),
            ),
            scenario(
                "gradcheck.check_layer",
                "layer norm on data from default_rng(0)",
                "valid",
                lambda: (
                    gradcheck.check_layer(
                        norm.LayerNorm(4), np.random.default_rng(0).standard_normal((8, 4))
                    ).max_error
                ),
                check=lambda e: below(e, 1e-6),
            ),
            scenario(
                "gradcheck.check_layer",
                "a wrong layer: the message",
                "valid",
                _wrong_layer_message,
                check=lambda m: contains(m, "analytic"),
            ),
        ],
    )


def _central_difference(f: Any, x: Any, h: float) -> np.ndarray:
    """(f(x + h e_i) - f(x - h e_i)) / 2h for f = sum(sin), in long double."""
    x = long(x)
    out = np.zeros(x.shape, dtype=L)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += L(h)
        down[i] -= L(h)
        out[i] = (np.sum(np.sin(up)) - np.sum(np.sin(down))) / (2 * L(h))
    return out.astype(np.float64)


def _cos(x: Any) -> Any:
    """cos(x), the gradient of sum(sin(x)), where x is a float array; else x itself."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "fiu":
        with np.errstate(invalid="ignore"):
            return np.cos(x)
    return x


def _verdict(report: Any) -> tuple[bool, float, float]:
    return report.passed, report.max_error, report.tol


def _consistent(verdict: tuple[bool, float, float]) -> None:
    """A report passes exactly when its largest error is within tol, and a correct
    gradient has a small error."""
    passed, error, tol = verdict
    assert passed == (error <= tol) and error < 1e-6, verdict


def _rel_error_oracle(a: Any, b: Any, floor: float) -> float:
    a, b = long(a), long(b)
    if a.size == 0:
        return 0.0
    scale = np.max(np.abs(a)) + np.max(np.abs(b))
    denom = np.maximum(np.maximum(np.abs(a) + np.abs(b), L(1e-3) * scale), L(floor))
    return to_float(np.max(np.abs(a - b) / denom))


def _restored_after_failure() -> bool:
    x = np.arange(3.0)

    def fails(v: np.ndarray) -> float:
        raise KeyError("inside f")

    try:
        gradcheck.numerical_grad(fails, x)
    except KeyError:
        pass
    return bool(np.array_equal(x, np.arange(3.0)))


def _read_only(x: np.ndarray) -> np.ndarray:
    x.flags.writeable = False
    return x


def _wrong_layer_message() -> str:
    class Wrong(layers.Linear):
        def _backward(self, dout: np.ndarray) -> np.ndarray:
            dx = super()._backward(dout)
            self.grads["W"] = 2 * self.grads["W"]
            return dx

    report = gradcheck.check_layer(
        Wrong(3, 2, rng=np.random.default_rng(0)), np.ones((2, 3)), raise_on_failure=False
    )
    return report.failure_message()


def probes_entries() -> Iterator[Entry]:
    def model(rng: np.random.Generator) -> Any:
        return layers.Sequential(_linear(rng), layers.Tanh())

    def trace(model: Any, x: Any, dout: Any) -> Any:
        return probes.trace(model, x, dout)

    def trace_check(tr: Any) -> None:
        assert len(tr.outputs) == len(tr.grads_out) == 2

    yield Entry(
        "probes.trace",
        trace,
        {
            "model": Thing(model, names=("model",)),
            "x": Arr(
                normal(4, 3),
                ndim=(2,),
                shapes=other_shapes((4, 2)),
                empty="refuse",
                names=("x", "dout"),
            ),
            "dout": Arr(normal(4, 2), shapes=other_shapes((4, 3)), empty="refuse", none_ok=True),
        },
        check=trace_check,
        covers=("probes.Trace",),
        scenarios=lambda rng: [
            scenario(
                "probes.trace",
                "dout changed after the trace",
                "alias",
                _trace_keeps_its_dout,
                check=true,
            )
        ],
    )
    yield Entry(
        "probes.layer_stats",
        probes.layer_stats,
        {"arrays": ArrayList(normal(4, 3)), "saturation": Real(0.99, low=0.0)},
        check=lambda stats: equal(len(stats), 2),
        finite=False,
    )

    def with_grads(rng: np.random.Generator) -> Any:
        m = model(rng)
        m.forward(np.ones((2, 3)))
        m.backward(np.ones((2, 2)))
        return m

    yield Entry(
        "probes.grad_norms_per_layer",
        probes.grad_norms_per_layer,
        {"model": Thing(with_grads, names=("model",)), "param": Choice("W", names=("param",))},
        lambda model, param: [float(np.sqrt(np.sum(long(model[0].grads[param]) ** 2)))],
        lambda a, e: assert_close(a, e, rtol=1e-12),
    )
    yield Entry(
        "probes.l2_norm",
        probes.l2_norm,
        {"a": Arr(normal(4, 3))},
        lambda a: to_float(np.sqrt(np.sum(long(a) ** 2))),
        lambda a, e: assert_close(a, e, rtol=1e-12),
    )
    yield Entry(
        "probes.linear_layers",
        lambda model: len(probes.linear_layers(model)),
        {"model": Thing(model, names=("model",))},
        check=lambda n: equal(n, 1),
        finite=False,
    )

    def histograms_oracle(arrays: Any, bins: int, value_range: tuple[float, float]) -> Any:
        edges = np.linspace(*value_range, bins + 1)
        rows = [
            np.histogram(np.clip(np.ravel(a), *value_range), edges)[0] / np.size(a) for a in arrays
        ]
        return edges, np.array(rows)

    yield Entry(
        "probes.LayerMonitor",
        probes.LayerMonitor,
        {"model": Thing(model, names=("model",)), "every": Int(1)},
        check=lambda monitor: equal(monitor.update_ratios.shape, (0, 1)),
        finite=False,
        covers=tuple(
            f"probes.LayerMonitor.{m}"
            for m in ("hooks", "after_backward", "after_step", "steps", "grad_norms")
        )
        + ("probes.LayerMonitor.update_ratios",),
        scenarios=lambda rng: [
            scenario(
                "probes.LayerMonitor",
                "three steps of training, checked against the weights",
                "valid",
                lambda: _monitor_ratios_are_the_moves(rng),
                check=true,
            ),
            scenario(
                "probes.LayerMonitor.after_backward",
                "another model",
                "reuse",
                lambda: probes.LayerMonitor(model(rng)).after_backward(model(rng), 0),
                expect="error",
                names=("model",),
            ),
            scenario(
                "probes.LayerMonitor",
                "a model without Linear layers",
                "valid",
                lambda: probes.LayerMonitor(layers.Sequential(layers.Tanh())),
                expect="error",
                names=("model", "Linear"),
            ),
        ],
    )
    yield Entry(
        "probes.histograms",
        probes.histograms,
        {"arrays": ArrayList(normal(4, 3)), "bins": Int(5), "value_range": Pair((-2.0, 2.0))},
        histograms_oracle,
        lambda a, e: assert_close(a, e, rtol=1e-12),
    )


def _monitored(rng: np.random.Generator, steps: int = 3) -> tuple[Any, list[Any]]:
    """A monitor over a short run, and the weights before each step and at the end."""
    model = experiments.mlp([3, 4, 2], "tanh", rng)
    monitor = probes.LayerMonitor(model)
    weights: list[Any] = []

    def before(model: Any, step: int) -> None:
        weights.append([model.params[k].copy() for k in ("0.W", "2.W")])
        monitor.after_backward(model, step)

    X, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    experiments.train(
        model,
        losses.mse,
        X,
        y,
        lr=0.1,
        steps=steps,
        after_backward=before,
        after_step=monitor.after_step,
    )
    weights.append([model.params[k].copy() for k in ("0.W", "2.W")])
    return monitor, weights


def _monitor_ratios_are_the_moves(rng: np.random.Generator) -> bool:
    monitor, weights = _monitored(rng)
    expected = [
        [
            float(np.sqrt(np.sum((long(new) - long(old)) ** 2) / np.sum(long(old) ** 2)))
            for old, new in zip(weights[t], weights[t + 1], strict=True)
        ]
        for t in range(3)
    ]
    assert_close(monitor.update_ratios, expected, rtol=1e-9)
    assert monitor.steps.tolist() == [0, 1, 2] and monitor.grad_norms.shape == (3, 2)
    return bool(np.all(monitor.grad_norms > 0))


def _trace_keeps_its_dout() -> bool:
    model = layers.Sequential(layers.Tanh())
    dout = np.ones((2, 2))
    tr = probes.trace(model, np.zeros((2, 2)), dout)
    dout[...] = 5.0
    return bool(np.all(tr.grads_out[-1] == 1.0))


@dataclass
class ArrayList(Slot):
    """A list of arrays (histograms, statistics)."""

    make: Callable[[np.random.Generator], np.ndarray]
    names: tuple[str, ...] = ("arrays",)

    def valid(self, rng: np.random.Generator) -> list[np.ndarray]:
        return [self.make(rng), self.make(rng)]

    def variants(self, good: list[np.ndarray], rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("str", "abc"), ("None", None), ("array", good[0])):
            yield Variant(label, "type", value, "error")
        yield Variant("strings inside", "type", [good[0], "abc"], "error")
        yield Variant("an empty array", "empty", [good[0], good[0][:0]], "error")
        for label, bad in (("nan", np.nan), ("+inf", np.inf)):
            value = [good[0], good[1].copy()]
            value[1].reshape(-1)[0] = bad
            yield Variant(label, "nan" if label == "nan" else "inf", value, "error")
        yield Variant(
            "1e308", "huge", [good[0], good[1] / np.max(np.abs(good[1])) * 1e308], "result"
        )


@dataclass
class Pair(Slot):
    """A (low, high) pair with low < high."""

    good: tuple[float, float]
    names: tuple[str, ...] = ("value_range",)

    def valid(self, rng: np.random.Generator) -> tuple[float, float]:
        return self.good

    def variants(self, good: Any, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("str", "ab"), ("one number", 1.0), ("three", (0.0, 1.0, 2.0))):
            yield Variant(label, "type", value, "error")
        yield Variant("reversed", "range", good[::-1], "error")
        yield Variant("NaN", "nan", (math.nan, 1.0), "error")
        yield Variant("wider than float64", "huge", (-1e308, 1e308), "error")

"""The fuzz catalogue: layers and normalisation layers. Constructors, forward and
backward of every kind against long double, and the scenarios of aliasing and reuse."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import (
    layers,
    norm,
)
from tests.fuzz import (
    ACT,
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
    Thing,
    Variant,
    all_zero,
    assert_close,
    equal,
    long,
    normal,
    off_kink,
    other_shapes,
    scenario,
    to_float,
)
from tests.fuzz.activations import ORACLE_FN, ORACLE_GRAD

# --- layers: constructors, forward and backward of every kind, and their scenarios ----


def _normalised(x: np.ndarray, axes: tuple[int, ...], eps: float = norm.EPS) -> np.ndarray:
    x = long(x)
    centred = x - x.mean(axis=axes, keepdims=True)
    return centred / np.sqrt((centred**2).mean(axis=axes, keepdims=True) + L(eps))


def _norm_backward(x: np.ndarray, dx_hat: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    x, dx_hat = long(x), long(dx_hat)
    centred = x - x.mean(axis=axes, keepdims=True)
    std = np.sqrt((centred**2).mean(axis=axes, keepdims=True) + L(norm.EPS))
    x_hat = centred / std
    mean_d = dx_hat.mean(axis=axes, keepdims=True)
    mean_dx = (dx_hat * x_hat).mean(axis=axes, keepdims=True)
    return (dx_hat - mean_d - x_hat * mean_dx) / std


def _view_axes(layer: Any, shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The (N, G, C/G, S) view of an input of a normalisation layer, and its axes."""
    return layer.view_shape(shape), layer.axes


@dataclass
class LayerKind:
    """One kind of layer: how to build one, a valid input, and its forward and backward
    computed independently (long double)."""

    name: str
    make: Callable[[np.random.Generator], Any]
    x: Callable[[np.random.Generator], np.ndarray]
    forward: Callable[[Any, np.ndarray], np.ndarray]
    backward: Callable[[Any, np.ndarray, np.ndarray], np.ndarray]
    ndim: tuple[int, ...] | None = (2,)
    shapes: Callable[[np.ndarray], list[np.ndarray]] | None = None
    empty: str = "ok"
    train_mode: bool = False  # forward in training mode (dropout, batch norm)
    out: tuple[int, ...] | None = None  # the output's shape, if not x's

    def build(self, seed: int) -> Any:
        return self.make(np.random.default_rng(seed))


def _norm_forward(layer: Any, x: np.ndarray) -> np.ndarray:
    view, axes = _view_axes(layer, x.shape)
    x_hat = _normalised(np.asarray(x, dtype=np.float64).reshape(view), axes).reshape(x.shape)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return long(layer.params["gamma"]).reshape(shape) * x_hat + long(layer.params["beta"]).reshape(
        shape
    )


def _norm_dx(layer: Any, x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    view, axes = _view_axes(layer, x.shape)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    dx_hat = long(dout) * long(layer.params["gamma"]).reshape(shape)
    return _norm_backward(
        np.asarray(x, np.float64).reshape(view), dx_hat.reshape(view), axes
    ).reshape(x.shape)


def _rms_forward(layer: Any, x: np.ndarray) -> np.ndarray:
    rows = long(x).reshape(x.shape[0], -1)
    x_hat = rows / np.sqrt((rows**2).mean(axis=1, keepdims=True) + L(norm.EPS))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return long(layer.params["gamma"]).reshape(shape) * x_hat.reshape(x.shape)


def _rms_dx(layer: Any, x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """dx of x_hat = x / rms: (dx_hat - x_hat * mean(dx_hat * x_hat)) / rms, per sample."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    dx_hat = (long(dout) * long(layer.params["gamma"]).reshape(shape)).reshape(x.shape[0], -1)
    rows = long(x).reshape(x.shape[0], -1)
    rms = np.sqrt((rows**2).mean(axis=1, keepdims=True) + L(norm.EPS))
    x_hat = rows / rms
    along = (dx_hat * x_hat).mean(axis=1, keepdims=True)
    return ((dx_hat - x_hat * along) / rms).reshape(x.shape)


def _mask(layer: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The mask a dropout layer draws next: from a copy of its generator."""
    rng = copy.deepcopy(layer.rng)
    return (rng.random(shape) >= layer.p) / (1 - layer.p)


def _rolled(a: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Each row of a rotated by its shift, one row at a time."""
    rows = [np.roll(row, s) for row, s in zip(a, shifts, strict=True)]
    return long(np.array(rows).reshape(np.shape(a)))


def _next_shifts(layer: Any, n: int) -> np.ndarray:
    """The shifts a shift layer draws next: from a copy of its generator."""
    return copy.deepcopy(layer.rng).integers(-layer.max_shift, layer.max_shift + 1, n)


def _gamma(layer: Any) -> Any:
    layer.params["gamma"][...] = [0.5, 2.0, 1.5, 1.0][: layer.num_channels]
    if "beta" in layer.params:  # RMSNorm learns no shift
        layer.params["beta"][...] = [0.1, -0.2, 0.3, 0.0][: layer.num_channels]
    return layer


def _linear(rng: np.random.Generator) -> layers.Linear:
    lin = layers.Linear(3, 2, rng=rng)
    lin.params["b"][...] = [0.5, -0.25]
    return lin


LAYER_KINDS = [
    LayerKind(
        "Linear",
        _linear,
        normal(4, 3),
        lambda lay, x: long(x) @ long(lay.params["W"]) + long(lay.params["b"]),
        lambda lay, x, d: long(d) @ long(lay.params["W"]).T,
        shapes=other_shapes((4, 2), (4, 4)),
        out=(4, 2),
    ),
    *(
        LayerKind(
            f"ActivationLayer[{name}]",
            lambda rng, name=name: layers.ActivationLayer(name),
            normal(4, 3, scale=3.0),
            lambda lay, x: ORACLE_FN[lay.name](x, **lay.act_params),
            lambda lay, x, d: long(d) * ORACLE_GRAD[lay.name](x, **lay.act_params),
            ndim=None,
        )
        for name in ACT
    ),
    LayerKind(
        "PReLU",
        lambda rng: layers.PReLU(3, alpha=0.2),
        off_kink(4, 3),
        lambda lay, x: np.where(long(x) > 0, x, 0.2 * long(x)),
        lambda lay, x, d: long(d) * np.where(long(x) > 0, 1, L(0.2)),
        shapes=other_shapes((4, 2)),
    ),
    LayerKind(
        "RReLU (eval)",
        lambda rng: layers.RReLU(rng).eval(),
        off_kink(4, 3),
        lambda lay, x: ORACLE_FN["rrelu"](x, lower=lay.lower, upper=lay.upper),
        lambda lay, x, d: long(d) * ORACLE_GRAD["rrelu"](x, lower=lay.lower, upper=lay.upper),
        ndim=None,
    ),
    LayerKind(
        "Dropout",
        lambda rng: layers.Dropout(0.5, rng),
        normal(4, 3),
        lambda lay, x: long(x) * _mask(lay, x.shape),
        lambda lay, x, d: long(d) * lay.mask,
        ndim=None,
        train_mode=True,
    ),
    LayerKind(
        "Dropout (eval)",
        lambda rng: layers.Dropout(0.5, rng).eval(),
        normal(4, 3),
        lambda lay, x: long(x),
        lambda lay, x, d: long(d),
        ndim=None,
    ),
    LayerKind(
        "RandomShift",
        lambda rng: layers.RandomShift(2, rng),
        normal(4, 5),
        lambda lay, x: _rolled(np.asarray(x, np.float64), _next_shifts(lay, len(x))),
        lambda lay, x, d: _rolled(np.asarray(d, np.float64), -lay.shifts),
        train_mode=True,
    ),
    LayerKind(
        "RandomShift (eval)",
        lambda rng: layers.RandomShift(2, rng).eval(),
        normal(4, 5),
        lambda lay, x: long(x),
        lambda lay, x, d: long(d),
    ),
    *(
        LayerKind(
            name,
            lambda rng, make=make: _gamma(make()),
            normal(*shape, scale=2.0),
            _norm_forward,
            _norm_dx,
            ndim=(2, 4),
            shapes=lambda g: [np.ones((5, 3)), np.ones((5, 4, 1))],
            empty="refuse",
            train_mode=True,
        )
        for name, make, shape in (
            ("BatchNorm", lambda: norm.BatchNorm(4), (5, 4)),
            ("BatchNorm 4-d", lambda: norm.BatchNorm(4), (3, 4, 2, 2)),
            ("LayerNorm", lambda: norm.LayerNorm(4), (5, 4)),
            ("InstanceNorm", lambda: norm.InstanceNorm(4), (3, 4, 2, 2)),
            ("GroupNorm", lambda: norm.GroupNorm(2, 4), (3, 4, 2, 2)),
        )
    ),
    LayerKind(
        "RMSNorm",
        lambda rng: _gamma(norm.RMSNorm(4)),
        normal(3, 4, 2, 2, scale=2.0),
        _rms_forward,
        _rms_dx,
        ndim=(2, 4),
        shapes=lambda g: [np.ones((5, 3)), np.ones((5, 4, 1))],
        empty="refuse",
    ),
    LayerKind(
        "BatchNorm (eval)",
        lambda rng: _gamma(norm.BatchNorm(4)).eval(),
        normal(5, 4),
        lambda lay, x: (
            (long(x) / np.sqrt(L(1) + L(norm.EPS))) * long(lay.params["gamma"])
            + long(lay.params["beta"])
        ),
        lambda lay, x, d: long(d) * long(lay.params["gamma"]) / np.sqrt(L(1) + L(norm.EPS)),
        ndim=(2, 4),
        shapes=lambda g: [np.ones((5, 3))],
        empty="refuse",
    ),
    LayerKind(
        "Sequential",
        lambda rng: layers.Sequential(_linear(rng), layers.Tanh()),
        normal(4, 3),
        lambda lay, x: np.tanh(long(x) @ long(lay[0].params["W"]) + long(lay[0].params["b"])),
        lambda lay, x, d: (
            (
                long(d)
                * (1 - np.tanh(long(x) @ long(lay[0].params["W"]) + long(lay[0].params["b"])) ** 2)
            )
            @ long(lay[0].params["W"]).T
        ),
        shapes=other_shapes((4, 2)),
        out=(4, 2),
    ),
    LayerKind(
        "Residual",
        lambda rng: layers.Residual(layers.Tanh()),
        normal(4, 3),
        lambda lay, x: long(x) + np.tanh(long(x)),
        lambda lay, x, d: long(d) * (2 - np.tanh(long(x)) ** 2),
        ndim=None,
    ),
]


def _forward(layer: Any, x: Any, train_mode: bool) -> Any:
    if train_mode:
        layer.train()
    return layer.forward(x)


def _backward(layer: Any, x: np.ndarray, dout: Any, train_mode: bool) -> Any:
    if train_mode:
        layer.train()
    layer.forward(x)
    return layer.backward(dout)


def _to_float_close(rtol: float = 1e-9) -> Callable[[Any, Any], None]:
    """Close to the oracle's answer, relatively, or absolutely next to the largest entry:
    a derivative such as 1 - tanh(x)^2 is only accurate to about 1e-16 absolutely."""

    def compare(actual: Any, expected: Any) -> None:
        e = to_float(long(expected))
        scale = float(np.max(np.abs(e), initial=0.0)) if np.isfinite(e).all() else 0.0
        assert_close(actual, e, rtol=rtol, atol=max(1e-14 * scale, 1e-290))

    return compare


CONTAINERS = ("Sequential", "Residual")


def layer_pass_entries() -> Iterator[Entry]:
    """Each layer is built from a seed inside the call, and again inside the oracle: a
    dropout layer draws the same mask in both."""
    seed = Fixed(lambda rng: int(rng.integers(2**32)))
    for kind in LAYER_KINDS:
        x_slot = Arr(kind.x, ndim=kind.ndim, shapes=kind.shapes, empty=kind.empty)
        yield Entry(
            f"layers.LayerBase.forward[{kind.name}]",
            lambda seed, x, kind=kind: _forward(kind.build(seed), x, kind.train_mode),
            {"seed": seed, "x": x_slot},
            lambda seed, x, kind=kind: kind.forward(kind.build(seed), np.asarray(x, np.float64)),
            _to_float_close(),
            scenarios=lambda rng, kind=kind: layer_scenarios(kind, rng),
            covers=(
                "layers.LayerBase.__call__",
                "layers.Layer.forward",
                "layers.LayerBase",
                # a container's forward checks its tree, then is LayerBase's
                *((f"layers.{kind.name}.forward",) if kind.name in CONTAINERS else ()),
            ),
        )
        x0 = kind.x(np.random.default_rng(0))
        out = kind.out or x0.shape
        yield Entry(
            f"layers.LayerBase.backward[{kind.name}]",
            lambda seed, x, dout, kind=kind: _backward(kind.build(seed), x, dout, kind.train_mode),
            {
                "seed": seed,
                "x": Fixed(kind.x),
                "dout": Arr(
                    normal(*out),
                    ndim=(len(out),),
                    shapes=lambda g: [g[:, :1], g[:1]],
                    empty="refuse",
                ),
            },
            lambda seed, x, dout, kind=kind: kind.backward(
                _after_forward(kind.build(seed), x, kind.train_mode),
                x,
                np.asarray(dout, np.float64),
            ),
            _to_float_close(1e-8),
            covers=("layers.Layer.backward",),
        )


def _after_forward(layer: Any, x: np.ndarray, train_mode: bool) -> Any:
    """The layer as its backward sees it: after a forward pass (a dropout mask drawn)."""
    _forward(layer, x, train_mode)
    return layer


def layer_scenarios(kind: LayerKind, rng: np.random.Generator) -> list[Case]:
    entry = f"layers.LayerBase.forward[{kind.name}]"
    seed = int(rng.integers(2**32))

    def fresh() -> tuple[Any, np.ndarray, np.ndarray]:
        gen = np.random.default_rng(seed)
        layer = kind.make(gen)
        x = kind.x(gen)
        return (
            layer,
            x,
            np.random.default_rng([seed, 1]).standard_normal(np.shape(layer.forward(x.copy()))),
        )

    def reference() -> tuple[np.ndarray, dict[str, np.ndarray]]:
        layer, x, dout = fresh()
        _forward(layer, x, kind.train_mode)
        dx = layer.backward(dout)
        return dx, {k: v.copy() for k, v in layer.grads.items()}

    def after(change: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        layer, x, dout = fresh()
        out = _forward(layer, x, kind.train_mode)
        if change == "x":
            x[...] = 7.0  # the caller reuses its array: the layer kept its own
        elif change == "out":
            out[...] = 7.0  # the caller changes the output it got
        dx = layer.backward(dout)
        if change == "twice":
            dx = layer.backward(dout)
        return dx, {k: v.copy() for k, v in layer.grads.items()}

    def same_as_reference(result: Any) -> None:
        assert_close(result, reference(), rtol=0)

    def twice_in_a_model() -> Any:
        layer, x, _ = fresh()
        return layers.Sequential(layer, layers.Tanh(), layer)

    def training_flag() -> Any:
        layer, _, _ = fresh()
        layer.training = "no"

    def backward_first() -> Any:
        layer, _, dout = fresh()
        kind.make(np.random.default_rng(seed)).backward(dout)

    return [
        scenario(
            entry, "x changed after forward", "alias", lambda: after("x"), check=same_as_reference
        ),
        scenario(
            entry,
            "output changed before backward",
            "alias",
            lambda: after("out"),
            check=same_as_reference,
        ),
        scenario(entry, "backward twice", "reuse", lambda: after("twice"), check=same_as_reference),
        scenario(
            entry,
            "one layer twice in a Sequential",
            "reuse",
            twice_in_a_model,
            expect="error",
            names=("layers[2]",),
        ),
        scenario(
            entry, "training = 'no'", "type", training_flag, expect="error", names=("training",)
        ),
        scenario(
            entry,
            "backward before forward",
            "reuse",
            backward_first,
            expect="error",
            names=("backward",),
            errors=(RuntimeError,),
        ),
    ]


def layer_constructor_entries() -> Iterator[Entry]:
    def linear_check(lin: Any) -> None:
        assert lin.params["W"].shape == (lin.n_in, lin.n_out) and np.isfinite(lin.params["W"]).all()

    yield Entry(
        "layers.Linear",
        layers.Linear,
        {
            "n_in": Int(3),
            "n_out": Int(2),
            "init": Choice("xavier_normal", names=("init", "scheme")),
            "rng": Rng(),
            "bias": Flag(True),
        },
        check=linear_check,
        finite=False,
    )
    yield Entry(
        "layers.ActivationLayer",
        layers.ActivationLayer,
        {"name": Choice("tanh", names=("name", "activation"))},
        finite=False,
    )
    for factory in (layers.Sigmoid, layers.Tanh, layers.ReLU):
        yield Entry(f"layers.{factory.__name__}", factory, finite=False)
    yield Entry("layers.LeakyReLU", layers.LeakyReLU, {"alpha": Real(0.01)}, finite=False)
    yield Entry(
        "layers.PReLU",
        layers.PReLU,
        {"num_features": Int(3, names=("num_features",), none_ok=True), "alpha": Real(0.25)},
        finite=False,
    )
    yield Entry(
        "layers.RReLU",
        layers.RReLU,
        {
            "rng": Rng(),
            "lower": Real(1 / 8, low=0.0, high=1 / 3),
            "upper": Real(1 / 3, low=1 / 8, high=1.0, high_open=True),
        },
        finite=False,
    )
    yield Entry(
        "layers.Dropout",
        layers.Dropout,
        {"p": Real(0.5, low=0.0, high=1.0, high_open=True), "rng": Rng()},
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "layers.Dropout.freeze_mask",
                "freeze_mask = 'yes'",
                "type",
                lambda: setattr(layers.Dropout(0.5, rng), "freeze_mask", "yes"),
                expect="error",
                names=("freeze_mask",),
            ),
        ],
        covers=("layers.Dropout.freeze_mask",),
    )
    yield Entry(
        "layers.RandomShift",
        layers.RandomShift,
        {"max_shift": Int(2, low=0), "rng": Rng()},
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "layers.RandomShift.freeze_shifts",
                "freeze_shifts = 'yes'",
                "type",
                lambda: setattr(layers.RandomShift(2, rng), "freeze_shifts", "yes"),
                expect="error",
                names=("freeze_shifts",),
            ),
            scenario(
                "layers.RandomShift",
                "max_shift of the signals' length",
                "range",
                lambda: layers.RandomShift(5, rng).forward(np.ones((2, 5))),
                expect="error",
                names=("max_shift",),
            ),
        ],
        covers=("layers.RandomShift.freeze_shifts",),
    )
    tanh = Thing(lambda rng: layers.Tanh(), names=("layers[0]", "layer", "block"))
    yield Entry(
        "layers.Sequential",
        lambda first: layers.Sequential(first, layers.Tanh()),
        {"first": tanh},
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "layers.Sequential",
                "no layers",
                "empty",
                lambda: layers.Sequential(),
                expect="error",
                names=("Sequential", "layer"),
            ),
            scenario(
                "layers.Sequential",
                "a replaced layer that is no layer",
                "type",
                _replaced_by_junk,
                expect="error",
                names=("layers[1]",),
            ),
            scenario(
                "layers.Sequential",
                "a nested layer twice",
                "reuse",
                _nested_twice,
                expect="error",
                names=("layers[0]", "layers[1]"),
            ),
            scenario(
                "layers.Sequential",
                "a container inside itself",
                "reuse",
                _inside_itself,
                expect="error",
                names=("Sequential",),
            ),
            scenario(
                "layers.Sequential",
                "forward of a string",
                "type",
                lambda: layers.Sequential(layers.Tanh()).forward("abc"),
                expect="error",
                names=("x",),
            ),
        ],
    )
    yield Entry(
        "layers.Residual",
        layers.Residual,
        {"block": tanh},
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "layers.Residual",
                "block that changes the width",
                "shape",
                lambda: layers.Residual(layers.Linear(3, 2, rng=rng)).forward(np.ones((2, 3))),
                expect="error",
                names=("Residual", "block"),
            ),
        ],
    )
    yield Entry(
        "layers.as_layer",
        layers.as_layer,
        {
            "layer": Thing(lambda rng: layers.Tanh(), names=("thing",)),
            "name": Fixed(lambda rng: "thing"),
        },
        finite=False,
        covers=("layers.Layer",),
    )


def _replaced_by_junk() -> Any:
    model = layers.Sequential(layers.Tanh(), layers.Tanh())
    model.layers[1] = "junk"
    return model.forward(np.ones((2, 2)))


def _nested_twice() -> Any:
    tanh = layers.Tanh()
    return layers.Sequential(layers.Sequential(tanh), layers.Residual(tanh))


def _inside_itself() -> Any:
    model = layers.Sequential(layers.Tanh())
    model.layers.append(model)
    return model.forward(np.ones((2, 2)))


def layer_bookkeeping_entries() -> Iterator[Entry]:
    containers = {
        "Sequential": lambda rng: layers.Sequential(_linear(rng), layers.Dropout(0.5, rng)),
        "Residual": lambda rng: layers.Residual(
            layers.Sequential(layers.Linear(2, 2, rng=rng), layers.Dropout(0.5, rng))
        ),
    }

    def modes(m: Any) -> tuple[bool, bool]:
        a = m.train().training
        b = m.eval().training
        return a, b

    def zeroed(m: Any) -> dict[str, np.ndarray]:
        n_in = 3 if isinstance(m, layers.Sequential) else 2
        out = m.forward(np.ones((2, n_in)))
        m.backward(np.ones_like(out))
        m.zero_grad()
        assert set(m.grads) == set(m.params)
        return m.grads

    for name, make in containers.items():
        yield Entry(
            f"layers.LayerBase.train[{name}]",
            modes,
            {"m": Fixed(make)},
            check=lambda r: equal(r, (True, False)),
            finite=False,
            covers=(
                "layers.LayerBase.eval",
                "layers.LayerBase.training",
                f"layers.{name}.training",
            ),
        )
        yield Entry(
            f"layers.LayerBase.zero_grad[{name}]",
            zeroed,
            {"m": Fixed(make)},
            check=lambda g: all_zero(g),
            finite=False,
            covers=(f"layers.{name}.zero_grad", f"layers.{name}.grads", f"layers.{name}.params"),
        )

    def sgd(layer: Any, lr: float) -> dict[str, np.ndarray]:
        layers.sgd_step(layer, lr)
        return {k: p.copy() for k, p in layer.params.items()}

    def sgd_oracle(layer: Any, lr: float) -> dict[str, Any]:
        return {k: long(p) - L(lr) * long(layer.grads[k]) for k, p in layer.params.items()}

    def with_grads(rng: np.random.Generator) -> Any:
        lin = _linear(rng)
        lin.forward(rng.standard_normal((4, 3)))
        lin.backward(rng.standard_normal((4, 2)))
        return lin

    yield Entry(
        "layers.sgd_step",
        sgd,
        {"layer": Thing(with_grads), "lr": Real(0.1, low=0.0, low_open=True)},
        sgd_oracle,
        lambda a, e: assert_close(
            a, {k: to_float(v) for k, v in e.items()}, rtol=1e-12, atol=1e-300
        ),
        scenarios=lambda rng: [
            scenario(
                "layers.sgd_step",
                "integer weights",
                "dtype",
                lambda: layers.sgd_step(_int_weights(rng), 0.1),
                expect="error",
                names=("params['W']",),
            ),
        ],
    )


def _int_weights(rng: np.random.Generator) -> Any:
    lin = layers.Linear(2, 2, init="zeros")
    lin.params["W"] = np.array([[3, -2], [1, 0]])
    return lin


def norm_index_entries() -> Iterator[Entry]:
    for cls, make in (
        (norm.BatchNorm, lambda: norm.BatchNorm(4)),
        (norm.LayerNorm, lambda: norm.LayerNorm(4)),
        (norm.InstanceNorm, lambda: norm.InstanceNorm(4)),
        (norm.GroupNorm, lambda: norm.GroupNorm(2, 4)),
        (norm.RMSNorm, lambda: norm.RMSNorm(4)),
    ):

        def index(shape: tuple[int, ...], make: Callable[[], Any] = make) -> tuple[Any, ...]:
            layer = make()
            ids = layer.statistic_index(shape)
            return layer.view_shape(shape), layer.axes, layer.group_size(shape), ids.shape

        def answer(shape: tuple[int, ...], make: Callable[[], Any] = make) -> tuple[Any, ...]:
            layer = make()
            n, c = shape[:2]
            view = (n, layer.groups, c // layer.groups, math.prod(shape[2:]))
            return view, layer.axes, math.prod(view[a] for a in layer.axes), shape

        name = f"norm.{cls.__name__}"
        yield Entry(
            f"{name}.statistic_index",
            index,
            {"shape": NormShape((3, 4, 2, 2))},
            answer,
            lambda a, e: equal(a, e),
            finite=False,
            covers=(f"{name}.view_shape", f"{name}.axes", f"{name}.group_size"),
        )


@dataclass
class NormShape(Slot):
    """An input shape (N, C) or (N, C, H, W) for a normalisation layer of 4 channels."""

    good: tuple[int, ...]
    names: tuple[str, ...] = ("shape",)

    def valid(self, rng: np.random.Generator) -> tuple[int, ...]:
        return self.good

    def variants(self, good: Any, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("str", "3"), ("None", None), ("one size", (3,))):
            yield Variant(label, "type", value, "error")
        yield Variant("other channels", "shape", (3, 5, 2, 2), "error")
        yield Variant("(N, C)", "valid", (3, 4), "result")

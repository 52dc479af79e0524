"""The fuzz catalogue: normalisation functions, losses, clipping, penalties,
optimisers and learning-rate schedules."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import (
    clipping,
    experiments,
    layers,
    losses,
    norm,
    optim,
    regularization,
    schedules,
)
from tests.fuzz import (
    Arr,
    Arrays,
    Case,
    Choice,
    Entry,
    Fixed,
    Flag,
    Int,
    L,
    Real,
    Slot,
    Thing,
    Variant,
    assert_close,
    finite_array,
    is_,
    long,
    normal,
    other_shapes,
    scenario,
    to_float,
)
from tests.fuzz.activations import _log_softmax
from tests.fuzz.layers import _norm_backward, _normalised, _to_float_close

# --- normalisation, losses, clipping, penalties, optimisers ----------------------------


def norm_entries() -> Iterator[Entry]:
    def normalize_oracle(x: Any, axes: tuple[int, ...], eps: float) -> np.ndarray:
        return _normalised(np.asarray(x, np.float64), axes, eps)

    yield Entry(
        "norm.normalize",
        lambda x, axes, eps: norm.normalize(x, axes, eps)[0],
        {
            "x": Arr(normal(5, 4, scale=2.0), huge="result", empty="refuse"),
            "axes": Axes_((0,)),
            "eps": Real(1e-5, low=0.0, low_open=True),
        },
        normalize_oracle,
        _to_float_close(1e-9),
    )

    def backward(dx_hat: Any, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        return norm.normalize_backward(dx_hat, norm.normalize(x, axes)[1], axes)

    yield Entry(
        "norm.normalize_backward",
        backward,
        {
            "dx_hat": Arr(normal(5, 4), shapes=lambda g: [g[:, :2]], empty="refuse"),
            "x": Fixed(normal(5, 4, scale=2.0)),
            "axes": Axes_((0,)),
        },
        lambda dx_hat, x, axes: _norm_backward(x, np.asarray(dx_hat, np.float64), axes),
        _to_float_close(1e-8),
        scenarios=lambda rng: [
            scenario(
                "norm.normalize_backward",
                "a cache that is no cache",
                "type",
                lambda: norm.normalize_backward(np.ones((2, 2)), "cache", (0,)),
                expect="error",
                names=("cache",),
            ),
        ],
    )
    for name, cls, extra in (
        ("BatchNorm", norm.BatchNorm, {"momentum": Real(0.1, low=0.0, high=1.0)}),
        ("LayerNorm", norm.LayerNorm, {}),
        ("InstanceNorm", norm.InstanceNorm, {}),
        ("RMSNorm", norm.RMSNorm, {}),
    ):
        yield Entry(
            f"norm.{name}",
            cls,
            {"C": Int(4), **extra, "eps": Real(1e-5, low=0.0, low_open=True)},
            finite=False,
        )
    yield Entry(
        "norm.GroupNorm",
        norm.GroupNorm,
        {
            "G": Int(2, names=("G",)),
            "C": Int(4, names=("C",)),
            "eps": Real(1e-5, low=0.0, low_open=True),
        },
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "norm.GroupNorm",
                "G does not divide C",
                "range",
                lambda: norm.GroupNorm(3, 4),
                expect="error",
                names=("G", "C"),
            ),
            scenario(
                "norm.BatchNorm",
                "a batch of one in training",
                "shape",
                lambda: norm.BatchNorm(2).forward(np.ones((1, 2))),
                expect="error",
                names=("x", "batch"),
            ),
            scenario(
                "norm.BatchNorm",
                "1e200: the running variance overflows",
                "huge",
                lambda: norm.BatchNorm(1).forward(np.array([[1e200], [-1e200], [0.0]])),
                expect="either",
                check=_layer_norm_values,
                names=("x",),
            ),
            scenario(
                "norm.LayerNorm",
                "[1e200, -1e200, 0]",
                "huge",
                lambda: norm.LayerNorm(3).forward(np.array([[1e200, -1e200, 0.0]])),
                check=_layer_norm_values,
            ),
            scenario(
                "norm.LayerNorm",
                "[1e-200, -1e-200, 0]: below eps",
                "tiny",
                lambda: norm.LayerNorm(3).forward(np.array([[1e-200, -1e-200, 0.0]])),
                check=lambda r: assert_close(
                    r,
                    [[1e-200 / math.sqrt(2e-400 / 3 + 1e-5), -1e-200 / math.sqrt(1e-5), 0]],
                    rtol=1e-6,
                ),
            ),
        ],
    )


def _layer_norm_values(out: np.ndarray) -> None:
    assert_close(out.ravel(), [math.sqrt(1.5), -math.sqrt(1.5), 0.0], rtol=1e-5)


@dataclass
class Axes_(Slot):
    """A tuple of axes of x."""

    good: tuple[int, ...]
    names: tuple[str, ...] = ("axes",)

    def valid(self, rng: np.random.Generator) -> tuple[int, ...]:
        return self.good

    def variants(self, good: Any, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("int", 0), ("list", [0]), ("str", "0"), ("empty", ())):
            yield Variant(label, "type", value, "error")
        yield Variant("out of range", "range", (5,), "error")
        yield Variant("repeated", "range", (0, -2), "error")
        yield Variant("float", "type", (0.0,), "error")


@dataclass
class Labels(Slot):
    """Integer labels (N,) in [0, K) for logits (N, K), or one-hot rows."""

    n: int
    k: int
    names: tuple[str, ...] = ("y",)

    def valid(self, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, self.k, size=self.n)

    def variants(self, good: np.ndarray, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("str", "abc"), ("None", None), ("dict", {"a": 1})):
            yield Variant(label, "type", value, "error")
        yield Variant("float labels", "dtype", good.astype(float), "error")
        yield Variant("bool labels", "dtype", good > 0, "error")
        yield Variant("list of ints", "dtype", good.tolist(), "result")
        yield Variant("label K", "range", np.full(self.n, self.k), "error")
        yield Variant("label -1", "range", np.full(self.n, -1), "error")
        yield Variant("too few", "shape", good[:-1], "error")
        yield Variant("empty", "empty", good[:0], "error")
        yield Variant("rank 3", "rank", np.zeros((self.n, self.k, 1), dtype=int), "error")
        one_hot = np.eye(self.k)[good]
        yield Variant("one-hot", "valid", one_hot, "result")
        yield Variant("rows not summing to 1", "range", 2 * one_hot, "error")
        yield Variant(
            "negative entry", "range", one_hot - 0.5 * np.eye(self.k)[(good + 1) % self.k], "error"
        )
        bad = one_hot.copy()
        bad[0, 0] = np.nan
        yield Variant("NaN one-hot", "nan", bad, "error")
        yield Variant("one-hot of another shape", "shape", one_hot[:, :-1], "error")


def loss_entries() -> Iterator[Entry]:
    def mse_oracle(y_hat: Any, y: Any) -> tuple[float, np.ndarray]:
        diff = long(y_hat) - long(y)
        return to_float(np.mean(diff**2)), to_float(2 * diff / diff.size)

    pair = other_shapes((4, 2), (3,))
    yield Entry(
        "losses.mse",
        losses.mse,
        {
            "y_hat": Arr(normal(4, 3), empty="refuse", shapes=pair),
            "y": Arr(normal(4, 3), empty="refuse", shapes=pair),
        },
        mse_oracle,
        lambda a, e: assert_close(a, e, rtol=1e-9, atol=1e-300),
    )

    def ce_oracle(logits: Any, y: Any) -> tuple[float, np.ndarray]:
        log_p = long(_log_softmax(np.asarray(logits, np.float64), 1))
        y = np.asarray(y)
        target = long(np.eye(log_p.shape[1])[y] if y.ndim == 1 else y)
        terms = np.where(target > 0, target * log_p, 0)
        return float(-terms.sum() / len(log_p)), ((np.exp(log_p) - target) / len(log_p)).astype(
            np.float64
        )

    yield Entry(
        "losses.softmax_cross_entropy",
        losses.softmax_cross_entropy,
        {
            # logits that span more than float64's range are refused (the loss overflows)
            "logits": Arr(normal(4, 3, scale=3.0), ndim=(2,), policy="mask", empty="refuse"),
            "y": Labels(4, 3),
        },
        ce_oracle,
        lambda a, e: assert_close(a, e, rtol=1e-9, atol=1e-300),
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "losses.softmax_cross_entropy",
                "masked logits [[0, -inf]], label 0",
                "inf",
                lambda: losses.softmax_cross_entropy(np.array([[0.0, -np.inf]]), np.array([0])),
                check=lambda r: assert_close(r, (0.0, [[0.0, 0.0]])),
            ),
            scenario(
                "losses.softmax_cross_entropy",
                "all masked but the label",
                "inf",
                lambda: losses.softmax_cross_entropy(
                    np.array([[-np.inf, 2.0, -np.inf]]), np.array([1])
                ),
                check=lambda r: assert_close(r, (0.0, [[0.0, 0.0, 0.0]])),
            ),
        ],
    )


def clipping_entries() -> Iterator[Entry]:
    def grads(rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {"0.W": rng.standard_normal((3, 2)), "0.b": rng.standard_normal(2)}

    def norm_of(grads: Mapping[str, Any]) -> Any:
        return np.sqrt(sum(np.sum(long(g) ** 2) for g in grads.values()))

    yield Entry(
        "clipping.global_norm",
        clipping.global_norm,
        {"grads": Arrays(grads)},
        lambda grads: to_float(norm_of(grads)),
        lambda a, e: assert_close(a, e, rtol=1e-12, atol=0),
    )

    def by_value(grads: Any, clip_value: float) -> tuple[float, Any]:
        return clipping.clip_by_value(grads, clip_value), grads

    yield Entry(
        "clipping.clip_by_value",
        by_value,
        {"grads": Arrays(grads, inplace=True), "clip_value": Real(0.5, low=0.0, low_open=True)},
        lambda grads, clip_value: (
            to_float(norm_of(grads)),
            {k: np.clip(v, -clip_value, clip_value) for k, v in grads.items()},
        ),
        lambda a, e: assert_close(a, e, rtol=1e-12),
        mutates=frozenset({"grads"}),
    )

    def by_norm(grads: Any, max_norm: float) -> tuple[float, Any]:
        return clipping.clip_by_norm(grads, max_norm), grads

    def by_norm_oracle(grads: Any, max_norm: float) -> tuple[Any, Any]:
        total = norm_of(grads)
        scale = min(L(1), L(max_norm) / total) if total > 0 else L(1)
        return to_float(total), {k: to_float(long(v) * scale) for k, v in grads.items()}

    yield Entry(
        "clipping.clip_by_norm",
        by_norm,
        {"grads": Arrays(grads, inplace=True), "max_norm": Real(1.0, low=0.0, low_open=True)},
        by_norm_oracle,
        lambda a, e: assert_close(a, e, rtol=1e-12, atol=1e-300),
        mutates=frozenset({"grads"}),
        scenarios=lambda rng: [
            scenario(
                "clipping.clip_by_norm",
                "{'W': [1e200, 1e200]}",
                "huge",
                lambda: by_norm({"W": np.array([1e200, 1e200])}, 1.0),
                check=lambda r: assert_close(
                    r, (math.sqrt(2) * 1e200, {"W": [2**-0.5, 2**-0.5]}), rtol=1e-14
                ),
            ),
            scenario(
                "clipping.global_norm",
                "1e-200",
                "tiny",
                lambda: clipping.global_norm({"W": np.array([1e-200])}),
                check=lambda r: assert_close(r, 1e-200, rtol=1e-15),
            ),
        ],
    )


def regularization_entries() -> Iterator[Entry]:
    def params(rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {
            "0.W": rng.standard_normal((3, 2)),
            "0.b": rng.standard_normal(2),
            "2.W": rng.standard_normal((2, 1)),
        }

    yield Entry(
        "regularization.is_weight",
        regularization.is_weight,
        {"name": Thing(lambda rng: "0.W", names=("name",), wrong=(("int", 5), ("None", None)))},
        lambda name: name.rsplit(".", 1)[-1] == "W",
        lambda a, e: is_(a, e),
        finite=False,
    )

    def penalty_oracle(kind: str) -> Callable[..., Any]:
        def answer(params: Mapping[str, Any], lam: float) -> tuple[Any, Any]:
            weights = {k: long(v) for k, v in params.items() if k.rsplit(".", 1)[-1] == "W"}
            if kind == "l2":
                value = sum((lam / 2 * np.sum(w * w) for w in weights.values()), L(0))
                grads = {k: lam * w for k, w in weights.items()}
            else:
                value = sum((lam * np.sum(np.abs(w)) for w in weights.values()), L(0))
                grads = {k: lam * np.sign(w) for k, w in weights.items()}
            return to_float(long(value)), {k: to_float(g) for k, g in grads.items()}

        return answer

    for kind, fn in (("l2", regularization.l2_penalty), ("l1", regularization.l1_penalty)):
        yield Entry(
            f"regularization.{fn.__name__}",
            fn,
            {"params": Arrays(params), "lam": Real(0.1, low=0.0)},
            penalty_oracle(kind),
            lambda a, e: assert_close(a, e, rtol=1e-9, atol=1e-300),
        )
    yield Entry(
        "regularization.soft_threshold",
        regularization.soft_threshold,
        {"w": Arr(normal(3, 2)), "threshold": Real(0.5, low=0.0)},
        lambda w, threshold: np.sign(long(w)) * np.maximum(np.abs(long(w)) - threshold, 0),
        _to_float_close(1e-12),
    )
    yield Entry(
        "regularization.Penalty",
        regularization.Penalty,
        {"kind": Choice("l1"), "lam": Real(0.1, low=0.0), "proximal": Flag(True)},
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "regularization.Penalty",
                "proximal l2",
                "range",
                lambda: regularization.Penalty("l2", 0.1, proximal=True),
                expect="error",
                names=("proximal",),
            ),
            scenario(
                "regularization.Penalty.proximal_step",
                "without proximal=True",
                "reuse",
                lambda: regularization.Penalty("l1", 0.1).proximal_step(params(rng), 0.1),
                expect="error",
                names=("proximal",),
            ),
            scenario(
                "regularization.Penalty.proximal_step",
                "integer weights [[3, -2]]",
                "dtype",
                lambda: regularization.Penalty("l1", 0.5, proximal=True).proximal_step(
                    {"W": np.array([[3, -2]])}, 1.0
                ),
                expect="error",
                names=("params['W']",),
            ),
        ],
    )
    yield Entry(
        "regularization.Penalty.__call__",
        lambda params, lam: regularization.Penalty("l2", lam)(params),
        {"params": Arrays(params), "lam": Real(0.1, low=0.0)},
        penalty_oracle("l2"),
        lambda a, e: assert_close(a, e, rtol=1e-9, atol=1e-300),
    )

    def proximal(params: Any, lr: float) -> Any:
        regularization.Penalty("l1", 0.5, proximal=True).proximal_step(params, lr)
        return params

    yield Entry(
        "regularization.Penalty.proximal_step",
        proximal,
        {"params": Arrays(params, inplace=True), "lr": Real(0.5, low=0.0, low_open=True)},
        lambda params, lr: {
            k: (
                np.sign(long(v)) * np.maximum(np.abs(long(v)) - lr * 0.5, 0)
                if k.endswith("W")
                else long(v)
            ).astype(np.float64)
            for k, v in params.items()
        },
        lambda a, e: assert_close(a, e, rtol=1e-12),
        mutates=frozenset({"params"}),
    )


def optim_entries() -> Iterator[Entry]:
    def params(rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {"0.W": rng.standard_normal((3, 2)), "0.b": rng.standard_normal(2)}

    def direction(kind: str, g: Any, hp: Mapping[str, float]) -> Any:
        """The first step's direction: the gradient, or Adam's g / (|g| + eps)."""
        g = long(g)
        return g / (np.abs(g) + L(hp.get("eps", 1e-8))) if kind in ("Adam", "AdamW") else g

    cases = (
        ("SGD", optim.SGD, {}),
        (
            "Momentum",
            optim.Momentum,
            {"mu": Real(0.9, low=0.0, high=1.0, high_open=True), "nesterov": Flag(False)},
        ),
        (
            "Adam",
            optim.Adam,
            {
                "beta1": Real(0.9, low=0.0, high=1.0, high_open=True),
                "beta2": Real(0.999, low=0.0, high=1.0, high_open=True),
                "eps": Real(1e-8, low=0.0, low_open=True),
            },
        ),
        ("AdamW", optim.AdamW, {"weight_decay": Real(0.01, low=0.0)}),
    )
    for kind, cls, hyper in cases:
        yield Entry(
            f"optim.{kind}",
            cls,
            {**hyper, **({"weight_decay": Real(0.0, low=0.0)} if kind != "AdamW" else {})},
            finite=False,
        )

        def step(params: Any, grads: Any, lr: float, cls: type = cls) -> Any:
            cls().step(params, grads, lr)
            return params

        def answer(params: Any, grads: Any, lr: float, kind: str = kind, cls: type = cls) -> Any:
            decay = getattr(cls(), "weight_decay", 0.0)
            out = {}
            for k, p in params.items():
                w = long(p) * (1 - L(lr) * L(decay)) if decay and k.endswith("W") else long(p)
                out[k] = to_float(w - L(lr) * direction(kind, grads[k], {}))
            return out

        yield Entry(
            f"optim.{kind}.step",
            step,
            {
                "params": Arrays(params, inplace=True, keys_fixed=True),
                "grads": Arrays(params, keys_fixed=True),
                "lr": Real(0.1, low=0.0, low_open=True),
            },
            answer,
            lambda a, e: assert_close(a, e, rtol=1e-9, atol=1e-300),
            mutates=frozenset({"params"}),
            scenarios=lambda rng, cls=cls, kind=kind: optimiser_scenarios(cls, kind, rng),
            covers=("optim.Optimizer.step", "optim.Optimizer"),
        )


def optimiser_scenarios(cls: type, kind: str, rng: np.random.Generator) -> list[Case]:
    entry = f"optim.{kind}.step"

    def model(seed: int) -> Any:
        lin = layers.Linear(3, 2, rng=np.random.default_rng(seed))
        lin.forward(np.ones((2, 3)))
        lin.backward(np.ones((2, 2)))
        return lin

    def another_model() -> Any:
        opt = cls()
        first, second = model(1), model(2)
        opt.step(first.params, first.grads, 0.1)
        opt.step(second.params, second.grads, 0.1)

    def shape_mismatch() -> Any:
        lin = model(1)
        cls().step(lin.params, {"W": np.ones((2, 2)), "b": np.ones(2)}, 0.1)

    def huge_gradient() -> Any:
        params = {"W": np.zeros(2)}
        cls().step(params, {"W": np.array([1e200, -1e-200])}, 1.0)
        return params["W"]

    def expected_huge(r: np.ndarray) -> None:
        if kind in ("Adam", "AdamW"):
            assert_close(r, [-1.0, 1e-200 / 1e-8], rtol=1e-12)
        else:
            assert_close(r, [-1e200, 1e-200], rtol=1e-15)

    def through_train() -> Any:
        lin = layers.Linear(2, 1, init="zeros")
        experiments.train(
            lin, losses.mse, np.ones((3, 2)), np.ones((3, 1)), lr=0.1, steps=2, optimizer=cls()
        )
        return lin.params["W"]

    cases = [
        scenario(
            entry,
            "one optimiser, another model",
            "reuse",
            another_model,
            expect="error" if cls is not optim.SGD else "result",
            names=("params['W']", "params"),
        ),
        scenario(
            entry,
            "a gradient of another shape",
            "shape",
            shape_mismatch,
            expect="error",
            names=("grads['W']",),
        ),
        scenario(entry, "gradients 1e200 and -1e-200", "huge", huge_gradient, check=expected_huge),
        scenario(
            entry,
            "applied by experiments.train",
            "valid",
            through_train,
            check=lambda r: finite_array(r),
        ),
    ]
    return cases


# --- learning-rate schedules ------------------------------------------------------------


@dataclass
class Milestones(Slot):
    """A list of increasing positive steps."""

    good: list[int]
    names: tuple[str, ...] = ("milestones",)

    def valid(self, rng: np.random.Generator) -> list[int]:
        return list(self.good)

    def variants(self, good: list[int], rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("str", "abc"), ("int", 5), ("None", None), ("dict", {1: 2})):
            yield Variant(label, "type", value, "error")
        yield Variant("empty", "empty", [], "error")
        yield Variant("a zero step", "range", [0, *good], "error")
        yield Variant("a negative step", "range", [-1, *good], "error")
        yield Variant("decreasing", "range", good[::-1] + [1], "error")
        yield Variant("repeated", "range", [good[0], good[0]], "error")
        yield Variant("a float step", "type", [2.5], "error")
        yield Variant("a bool step", "type", [True], "error")
        yield Variant("numpy ints", "dtype", [np.int64(m) for m in good], "result")
        yield Variant("a tuple", "dtype", tuple(good), "result")


def _cosine(step: int, total: int, final: float) -> Any:
    return L(final) + (1 - L(final)) * (1 + np.cos(np.pi * L(step) / L(total))) / 2


def schedule_entries() -> Iterator[Entry]:
    yield Entry("schedules.Constant", lambda: repr(schedules.Constant()), finite=False)
    yield Entry(
        "schedules.StepDecay",
        lambda milestones, factor: repr(schedules.StepDecay(milestones, factor)),
        {"milestones": Milestones([3, 7]), "factor": Real(0.1, low=0.0, high=1.0, low_open=True)},
        finite=False,
    )
    yield Entry(
        "schedules.Cosine",
        lambda total_steps, final: repr(schedules.Cosine(total_steps, final)),
        {"total_steps": Int(10), "final": Real(0.0, low=0.0, high=1.0)},
        finite=False,
    )
    yield Entry(
        "schedules.Warmup",
        lambda steps, then: repr(schedules.Warmup(steps, then)),
        {
            "steps": Int(3),
            "then": Thing(lambda rng: schedules.Cosine(5), names=("then",)),
        },
        finite=False,
    )
    # (name, a schedule of 10 steps or more, its factor at a step, the steps it covers)
    kinds: list[tuple[str, Callable[[], Any], Callable[[int], Any], int | None]] = [
        ("Constant", schedules.Constant, lambda t: L(1.0), None),
        (
            "StepDecay",
            lambda: schedules.StepDecay([2, 4], 0.5),
            lambda t: L(0.5) ** ((t >= 2) + (t >= 4)),
            None,
        ),
        ("Cosine", lambda: schedules.Cosine(10, 0.1), lambda t: _cosine(t, 10, 0.1), 10),
        (
            "Warmup",
            lambda: schedules.Warmup(4, schedules.Cosine(6)),
            lambda t: L(t + 1) / 4 if t < 4 else _cosine(t - 4, 6, 0.0),
            10,
        ),
    ]  # fmt: skip
    for kind, make, factor, total in kinds:

        def call(step: Any, make: Callable[[], Any] = make) -> Any:
            return make()(step)

        def values(steps: Any, make: Callable[[], Any] = make) -> Any:
            return make().values(steps)

        yield Entry(
            f"schedules.{kind}.__call__",
            call,
            {"step": Int(3, low=0, high=None if total is None else total - 1)},
            lambda step, factor=factor: to_float(np.array(factor(step))),
            covers=("schedules.Schedule", "schedules.Schedule.__call__"),
        )
        yield Entry(
            f"schedules.{kind}.values",
            values,
            {"steps": Int(6, high=total)},
            lambda steps, factor=factor: to_float(np.array([factor(t) for t in range(steps)])),
        )

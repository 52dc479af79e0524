"""The fuzz catalogue: activation functions and softmax, values and derivatives,
against answers in long double with the limits at +-inf written out."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import (
    activations,
)
from tests.fuzz import (
    ACT,
    Arr,
    Choice,
    Entry,
    Int,
    L,
    Real,
    Rng,
    Slot,
    Variant,
    assert_close,
    in_range,
    is_,
    long,
    nan_where,
    normal,
    refuses_writes,
    scenario,
    to_float,
    true,
)

# --- independent answers: elementwise activations in long double, limits written out ---


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-long(x)))


def _phi(x: np.ndarray) -> np.ndarray:
    """The standard normal's cdf, from math.erfc element by element."""
    flat = [0.5 * math.erfc(-float(v) / math.sqrt(2)) for v in np.ravel(x)]
    return long(flat).reshape(np.shape(x))


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a * b where one factor tends to zero faster than the other grows: 0 * inf = 0."""
    a, b = np.broadcast_arrays(long(a), long(b))
    out = a * b
    return np.where(((a == 0) & np.isinf(b)) | ((b == 0) & np.isinf(a)), 0, out)


# SELU's constants from Klambauer et al.'s digits, in long double
_SELU_ALPHA = L("1.6732632423543772848170429916717")
_SELU_LAMBDA = L("1.0507009873554804934193349852946")


def _selu(x: np.ndarray) -> np.ndarray:
    return _SELU_LAMBDA * np.where(long(x) > 0, x, _product(_SELU_ALPHA, np.expm1(long(x))))


def _selu_grad(x: np.ndarray) -> np.ndarray:
    slope = _product(_SELU_ALPHA, np.exp(long(x)))
    return _SELU_LAMBDA * np.where(long(x) > 0, L(1), slope)


ORACLE_FN: dict[str, Callable[..., np.ndarray]] = {
    "sigmoid": lambda x: _sigmoid(x),
    "tanh": lambda x: np.tanh(long(x)),
    "relu": lambda x: np.where(long(x) > 0, x, 0),
    "leaky_relu": lambda x, alpha=0.01: np.where(long(x) > 0, x, _product(alpha, x)),
    "prelu": lambda x, alpha=0.25: np.where(long(x) > 0, x, _product(alpha, x)),
    "rrelu": lambda x, lower=1 / 8, upper=1 / 3: np.where(
        long(x) > 0, x, _product((lower + upper) / 2, x)
    ),
    "elu": lambda x, alpha=1.0: np.where(long(x) > 0, x, _product(alpha, np.expm1(long(x)))),
    "selu": _selu,
    "gelu": lambda x: _product(x, _phi(x)),
    "silu": lambda x: _product(x, _sigmoid(x)),
    "softplus": lambda x: np.logaddexp(L(0), long(x)),
}

ORACLE_GRAD: dict[str, Callable[..., np.ndarray]] = {
    "sigmoid": lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
    "tanh": lambda x: 1 - np.tanh(long(x)) ** 2,
    "relu": lambda x: (long(x) > 0).astype(L),
    "leaky_relu": lambda x, alpha=0.01: np.where(long(x) > 0, L(1), alpha),
    "prelu": lambda x, alpha=0.25: np.where(long(x) > 0, L(1), alpha),
    "rrelu": lambda x, lower=1 / 8, upper=1 / 3: np.where(long(x) > 0, L(1), (lower + upper) / 2),
    "elu": lambda x, alpha=1.0: np.where(long(x) > 0, L(1), _product(alpha, np.exp(long(x)))),
    "selu": _selu_grad,
    "gelu": lambda x: _phi(x) + _product(x, np.exp(-(long(x) ** 2) / 2) / np.sqrt(2 * L(np.pi))),
    "silu": lambda x: _sigmoid(x) + _product(x, _sigmoid(x) * (1 - _sigmoid(x))),
    "softplus": lambda x: _sigmoid(x),
}

ORACLE_DALPHA: dict[str, Callable[..., np.ndarray]] = {
    "leaky_relu": lambda x, alpha=0.01: np.minimum(long(x), 0),
    "prelu": lambda x, alpha=0.25: np.minimum(long(x), 0),
    "elu": lambda x, alpha=1.0: np.expm1(np.minimum(long(x), 0)),
}

PARAMS: dict[str, dict[str, Slot]] = {
    "leaky_relu": {"alpha": Real(0.01)},
    "prelu": {"alpha": Real(0.25)},
    "elu": {"alpha": Real(1.0, low=0.0)},
    "rrelu": {
        "lower": Real(1 / 8, low=0.0, high=1 / 3),
        "upper": Real(1 / 3, low=1 / 8, high=1.0, high_open=True),
    },
}


def _elementwise(oracle: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    def answer(x: Any, **params: Any) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return nan_where(x, oracle(x, **params).astype(np.float64))

    return answer


def activation_entries() -> Iterator[Entry]:
    for name, act in ACT.items():
        x = Arr(normal(3, 4, scale=3.0), policy="ieee", huge="result")
        slots = {"x": x, **PARAMS.get(name, {})}
        yield Entry(
            f"activations.Activation.fn[{name}]",
            lambda act=act, **kw: act(**kw),
            slots,
            _elementwise(ORACLE_FN[name]),
            lambda a, e: assert_close(a, e, rtol=1e-12, atol=1e-300),
            finite=False,
            covers=("activations.Activation.__call__", "activations.Activation"),
        )
        yield Entry(
            f"activations.Activation.grad[{name}]",
            lambda act=act, **kw: act.grad(**kw),
            slots,
            _elementwise(ORACLE_GRAD[name]),
            # 1 - tanh(x)^2 and s (1 - s) cancel in the tails: their error is absolute,
            # about 1e-16 (the derivatives are bounded, most by 1)
            lambda a, e: assert_close(a, e, rtol=1e-9, atol=1e-15),
            finite=False,
        )
    for name, oracle in ORACLE_DALPHA.items():
        yield Entry(
            f"activations.Activation.param_grad[{name}]",
            lambda act=ACT[name], **kw: act.param_grad(kw.pop("x"), "alpha", **kw),
            {"x": Arr(normal(3, 4, scale=3.0), policy="ieee", huge="result"), **PARAMS[name]},
            _elementwise(oracle),
            finite=False,
        )
    yield Entry(
        "activations.get",
        activations.get,
        {"name": Choice("tanh", names=("name", "activation"))},
        lambda name: ACT[name],
        lambda a, e: assert_close(a.fn(np.arange(3.0)), e.fn(np.arange(3.0))),
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "activations.ACTIVATIONS",
                "'nope' in ACTIVATIONS",
                "type",
                lambda: "nope" in ACT,
                check=lambda r: is_(r, False),
            ),
            scenario(
                "activations.ACTIVATIONS",
                "5 in ACTIVATIONS",
                "type",
                lambda: 5 in ACT,
                check=lambda r: is_(r, False),
            ),
            scenario(
                "activations.Activation",
                "defaults read-only",
                "alias",
                lambda: refuses_writes(ACT["leaky_relu"].defaults),
                check=true,
            ),
            scenario(
                "activations.Activation",
                "name not a str",
                "type",
                lambda: activations.Activation(5, np.abs, np.sign),
                expect="error",
                names=("name",),
            ),
            scenario(
                "activations.Activation",
                "fn not callable",
                "type",
                lambda: activations.Activation("f", 5, np.sign),
                expect="error",
                names=("_fn",),
            ),
            scenario(
                "activations.Activation.param_grad",
                "name unknown",
                "range",
                lambda: ACT["elu"].param_grad(np.ones(2), "beta"),
                expect="error",
                names=("name",),
            ),
            scenario(
                "activations.Activation.fn",
                "unknown parameter",
                "range",
                lambda: ACT["relu"].fn(np.ones(2), alpha=1.0),
                expect="error",
                names=("alpha",),
            ),
            scenario(
                "activations.Activation.fn",
                "elu alpha < 0",
                "range",
                lambda: ACT["elu"].fn(np.ones(2), alpha=-1.0),
                expect="error",
                names=("alpha",),
            ),
            scenario(
                "activations.Activation.fn",
                "rrelu slope NaN",
                "nan",
                lambda: ACT["rrelu"].fn(np.ones(2), slope=np.array([np.nan, 0.2])),
                expect="error",
                names=("slope",),
            ),
        ],
    )
    yield Entry(
        "activations.sample_rrelu_slopes",
        activations.sample_rrelu_slopes,
        {
            "shape": Shape((3, 2)),
            "rng": Rng(),
            "lower": Real(1 / 8, low=0.0, high=1 / 3),
            "upper": Real(1 / 3, low=1 / 8, high=1.0, high_open=True),
        },
        check=lambda r: in_range(r, 0.0, 1.0),
    )
    for fn, answer in (
        (activations.softmax, lambda x, axis: np.exp(_log_softmax(x, axis))),
        (activations.log_softmax, _log_softmax),
        (activations.logsumexp, _logsumexp),
    ):
        yield Entry(
            f"activations.{fn.__name__}",
            fn,
            {
                "x": Arr(
                    normal(3, 4, scale=3.0),
                    policy="ieee",
                    huge="result",
                    shapes=lambda g: [np.ones((3, 0))],
                ),
                "axis": Int(1, low=-2, high=1),
            },
            lambda x, axis, answer=answer: answer(np.asarray(x, dtype=np.float64), axis),
            # log(1 + small) in a log-sum-exp is accurate to about 1e-16 absolutely
            lambda a, e: assert_close(a, e, rtol=1e-12, atol=1e-15),
            finite=False,
        )


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """log softmax in long double, with the documented rule for infinite maxima."""
    x = long(x)
    top = np.max(x, axis=axis, keepdims=True)
    at_top = np.where(np.isinf(top), np.where(x == top, L(0), -L(np.inf)), x - top)
    out = at_top - np.log(np.sum(np.exp(at_top), axis=axis, keepdims=True))
    return out.astype(np.float64)


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    x = long(x)
    top = np.max(x, axis=axis, keepdims=True)
    safe = np.where(np.isfinite(top), top, 0)
    total = safe + np.log(np.sum(np.exp(x - safe), axis=axis, keepdims=True))
    total = np.where(np.isinf(top) & ~np.isnan(x).any(axis=axis, keepdims=True), top, total)
    return to_float(np.squeeze(total, axis=axis))


@dataclass
class Shape(Slot):
    """A shape tuple of sizes >= 0."""

    good: tuple[int, ...]
    names: tuple[str, ...] = ("shape",)

    def valid(self, rng: np.random.Generator) -> tuple[int, ...]:
        return self.good

    def variants(self, good: Any, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("str", "3"), ("int", 3), ("None", None), ("list", list(good))):
            yield Variant(label, "type", value, "error")
        yield Variant("negative size", "range", (3, -1), "error")
        yield Variant("float size", "type", (3, 2.5), "error")
        yield Variant("empty", "empty", (0, 2), "result")

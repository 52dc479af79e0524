"""The fuzz catalogue: data sets, initialisation and automatic differentiation."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from helpers import (
    autodiff,
    data,
    init,
)
from tests.fuzz import (
    Arr,
    Case,
    Choice,
    Entry,
    Int,
    L,
    Real,
    Rng,
    Thing,
    assert_close,
    equal,
    is_,
    refuses_writes,
    scenario,
    true,
)

# --- data, initialisation, automatic differentiation -----------------------------------


def _data_check(n_classes: int | None, d: int) -> Callable[[Any], None]:
    def check(result: tuple[np.ndarray, np.ndarray]) -> None:
        X, y = result
        assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == d and len(y) == len(X)
        assert np.isfinite(X).all() and np.isfinite(y).all()
        if n_classes is not None:
            assert y.dtype == np.int64 and set(np.unique(y)) <= set(range(n_classes))

    return check


def data_entries() -> Iterator[Entry]:
    noise = Real(0.1, low=0.0)
    yield Entry(
        "data.xor",
        data.xor,
        {"n_per_corner": Int(3), "rng": Rng(), "noise": noise},
        check=_data_check(2, 2),
    )
    yield Entry(
        "data.spirals",
        data.spirals,
        {
            "n_per_class": Int(3),
            "rng": Rng(),
            "n_classes": Int(3, low=2),
            "noise": noise,
            "turns": Real(1.0, low=0.0, low_open=True),
        },
        check=_data_check(3, 2),
    )
    yield Entry(
        "data.moons",
        data.moons,
        {"n_per_class": Int(3), "rng": Rng(), "noise": noise},
        check=_data_check(2, 2),
    )
    yield Entry(
        "data.regression_1d",
        data.regression_1d,
        {
            "n": Int(5),
            "rng": Rng(),
            "noise": noise,
            "low": Real(-3.0, high=3.0, high_open=True),
            "high": Real(3.0, low=-3.0, low_open=True),
            "fn": Thing(lambda rng: np.sin, names=("fn",)),
        },
        check=lambda r: (_data_check(None, 1)(r), _sorted(r[0])),
        scenarios=lambda rng: [
            scenario(
                "data.regression_1d",
                "fn returning NaN",
                "nan",
                lambda: data.regression_1d(5, rng, fn=lambda x: np.full_like(x, np.nan)),
                expect="error",
                names=("fn",),
            ),
            scenario(
                "data.regression_1d",
                "fn of another shape",
                "shape",
                lambda: data.regression_1d(5, rng, fn=lambda x: x[:2]),
                expect="error",
                names=("fn",),
            ),
            scenario(
                "data.regression_1d",
                "fn returning strings",
                "dtype",
                lambda: data.regression_1d(5, rng, fn=lambda x: x.astype(str)),
                expect="error",
                names=("fn",),
            ),
            scenario(
                "data.XOR_CORNERS",
                "writing to the shared corners",
                "alias",
                lambda: _read_only_array(data.XOR_CORNERS),
                check=true,
            ),
            scenario(
                "data.XOR_LABELS",
                "writing to the shared labels",
                "alias",
                lambda: _read_only_array(data.XOR_LABELS),
                check=true,
            ),
            scenario(
                "data.xor",
                "the data is the caller's to change",
                "alias",
                lambda: _writeable(data.xor(2, rng, noise=0.0)[0]),
                check=true,
            ),
        ],
    )
    yield Entry(
        "data.sine_of_first",
        data.sine_of_first,
        {"n": Int(5), "rng": Rng(), "d": Int(4)},
        check=_data_check(None, 4),
    )


def _sorted(X: np.ndarray) -> None:
    assert np.all(np.diff(X[:, 0]) >= 0)


def _read_only_array(a: np.ndarray) -> bool:
    """Whether a shared array refuses to be changed (undoing a change it allowed)."""
    old = a.reshape(-1)[0]
    try:
        a.reshape(-1)[0] = 99
    except ValueError:
        return True
    a.reshape(-1)[0] = old
    return False


def _writeable(a: np.ndarray) -> bool:
    a[...] = 0.0
    return True


def init_entries() -> Iterator[Entry]:
    def shape_check(n_in: int = 3, n_out: int = 2) -> Callable[[np.ndarray], None]:
        def check(W: np.ndarray) -> None:
            assert W.shape == (n_in, n_out) and W.dtype == np.float64

        return check

    fans = {"n_in": Int(3), "n_out": Int(2)}
    yield Entry(
        "init.normal",
        init.normal,
        {**fans, "rng": Rng(), "std": Real(0.5, low=0.0)},
        # the same draws from the same generator (the oracle gets a copy of it)
        lambda n_in, n_out, rng, std: rng.normal(0.0, std, size=(n_in, n_out)),
        lambda a, e: assert_close(a, e, rtol=0),
    )
    yield Entry(
        "init.uniform",
        init.uniform,
        {**fans, "rng": Rng(), "r": Real(0.5, low=0.0)},
        lambda n_in, n_out, rng, r: rng.uniform(-r, r, size=(n_in, n_out)),
        lambda a, e: assert_close(a, e, rtol=0),
    )
    for fn in (init.xavier_normal, init.xavier_uniform, init.he_normal, init.he_uniform):
        yield Entry(
            f"init.{fn.__name__}",
            fn,
            {**fans, "rng": Rng(), "gain": Real(1.0, low=0.0, low_open=True)},
            check=shape_check(),
        )
    yield Entry(
        "init.zeros", init.zeros, {**fans}, check=lambda W: equal(W.tolist(), [[0.0] * 2] * 3)
    )
    yield Entry(
        "init.constant",
        init.constant,
        {**fans, "rng": Rng(required=False), "value": Real(0.5)},
        check=shape_check(),
    )
    yield Entry(
        "init.gain",
        init.gain,
        {"activation": Choice("leaky_relu", names=("activation",)), "alpha": Real(0.2)},
        lambda activation, alpha: float(np.sqrt(L(2) / (1 + L(alpha) ** 2))),
        lambda a, e: assert_close(a, e, rtol=1e-12),
        finite=False,
    )
    yield Entry(
        "init.get",
        init.get,
        {"scheme": Choice("he_normal", names=("scheme",))},
        check=lambda f: is_(f, init.he_normal),
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "init.SCHEMES",
                "adding a scheme",
                "alias",
                lambda: refuses_writes(init.SCHEMES),
                check=true,
            )
        ],
    )


def _var_value(value: float, method: str) -> Any:
    v = getattr(autodiff.Var(value), method)()
    v.backward()
    return v.value


def _scalar_oracle(method: str) -> Callable[[float], float]:
    def answer(value: float) -> float:
        with np.errstate(all="ignore"):
            x = L(value)
            table = {
                "exp": np.exp(x),
                "log": np.log(x),
                "sigmoid": 1 / (1 + np.exp(-x)),
                "tanh": np.tanh(x),
                "relu": x if x > 0 else (x * 0 if np.isnan(x) else L(0)),
            }
        return float(table[method])

    return answer


def autodiff_entries() -> Iterator[Entry]:
    for method in ("exp", "log", "sigmoid", "tanh", "relu"):
        low = 0.0 if method == "log" else -math.inf
        value = Real(
            0.7,
            low=low,
            low_open=method == "log",
            policy="ieee",
            names=("value", "argument", method),
        )
        yield Entry(
            f"autodiff.Var.{method}",
            lambda value, method=method: _var_value(value, method),
            {"value": value},
            _scalar_oracle(method),
            lambda a, e: assert_close(a, e, rtol=1e-14),
            finite=False,
            covers=("autodiff.Var", "autodiff.Var.backward"),
        )
        yield Entry(
            f"autodiff.Dual.{method}",
            lambda value, method=method: getattr(autodiff.Dual(value, 1.0), method)().value,
            {"value": value},
            _scalar_oracle(method),
            lambda a, e: assert_close(a, e, rtol=1e-14),
            finite=False,
            covers=("autodiff.Dual",),
        )
        yield Entry(
            f"autodiff.{method}",
            getattr(autodiff, method),
            {
                "x": Real(
                    0.7,
                    low=low,
                    low_open=method == "log",
                    policy="ieee",
                    names=("x", method, "argument"),
                )
            },
            lambda x, method=method: _scalar_oracle(method)(x),
            lambda a, e: assert_close(a, e, rtol=1e-14),
            finite=False,
        )
    yield Entry(
        "autodiff.Var.op",
        lambda: (autodiff.Var(1.0) * 2).op,
        check=lambda op: equal(op, "*"),
        finite=False,
        covers=("autodiff.Var.inputs",),
    )
    yield Entry(
        "autodiff.topological_order",
        lambda root: len(autodiff.topological_order(root)),
        {"root": Thing(lambda rng: autodiff.Var(1.0) * autodiff.Var(2.0) + 1, names=("root",))},
        check=lambda n: equal(n, 5),
        finite=False,
    )
    for mode, fn in (
        ("forward", autodiff.jacobian_forward),
        ("reverse", autodiff.jacobian_reverse),
    ):
        yield Entry(
            f"autodiff.jacobian_{mode}",
            fn,
            {
                "fn": Thing(lambda rng: lambda v: [v[0] * v[-1], v[0] + 3], names=("fn",)),
                "x": Arr(
                    lambda rng: np.array([2.0, 5.0]),
                    ndim=(0, 1),
                    policy="ieee",
                    huge="result",
                    empty="skip",
                ),
            },
            lambda fn, x, mode=mode: _jacobian_ieee(np.atleast_1d(np.asarray(x, np.float64)), mode),
            lambda a, e: assert_close(a, e, rtol=1e-14),
            finite=False,
        )
    for mode, fn, weights in (
        ("jvp", autodiff.jvp, "v"),
        ("vjp", autodiff.vjp, "u"),
    ):
        yield Entry(
            f"autodiff.{mode}",
            fn,
            {
                "fn": Thing(lambda rng: lambda v: [v[0] * v[-1], v[0] + 3], names=("fn",)),
                "x": Arr(
                    lambda rng: np.array([2.0, 5.0]),
                    ndim=(0, 1),
                    policy="ieee",
                    huge="result",
                    empty="skip",
                ),
                weights: Arr(
                    lambda rng: np.array([0.5, -3.0]),
                    ndim=(0, 1),
                    policy="ieee",
                    huge="result",
                    empty="skip",
                    shapes=lambda good: [np.append(good, 1.0)],
                    names=(weights,),
                ),
            },
            lambda fn, x, mode=mode, **w: _product_ieee(
                np.atleast_1d(np.asarray(x, np.float64)),
                np.atleast_1d(np.asarray(next(iter(w.values())), np.float64)),
                mode,
            ),
            lambda a, e: assert_close(a, e, rtol=1e-14),
            finite=False,
        )
    yield Entry(
        "autodiff.count_ops",
        _counted,
        check=lambda counts: equal(counts, (2, 2, 1)),
        finite=False,
        covers=(
            "autodiff.ZeroPowerError",
            "autodiff.OpCounter",
            "autodiff.OpCounter.forward",
            "autodiff.OpCounter.backward",
            "autodiff.OpCounter.backward_passes",
            "autodiff.OpCounter.forward_passes",
            "autodiff.OpCounter.nodes",
            "autodiff.OpCounter.total",
        ),
        scenarios=autodiff_scenarios,
    )


def _jacobian_ieee(x: np.ndarray, mode: str) -> np.ndarray:
    """The Jacobian of v -> [v0 * v_last, v0 + 3] as each mode computes it in IEEE
    arithmetic: forward mode adds t0 * x_last + x0 * t_last for each seed t, so an
    infinite or NaN input spreads NaN (inf * 0) where reverse mode adds nothing."""
    with np.errstate(all="ignore"):
        if len(x) == 1:
            return np.array([[2 * x[0]], [1.0]])
        if mode == "reverse":
            return np.array([[x[-1], x[0]], [1.0, 0.0]])
        return np.array([[1 * x[-1] + x[0] * 0, 0 * x[-1] + x[0] * 1], [1.0, 0.0]])


def _product_ieee(x: np.ndarray, w: np.ndarray, mode: str) -> np.ndarray:
    """J v (jvp) or u^T J (vjp) of v -> [v0 * v_last, v0 + 3], in the order of IEEE
    operations each mode makes: forward mode adds t0 * x_last + x0 * t_last and t0 + 0;
    reverse mode runs the addition's rule, then the product's (left operand first)."""
    with np.errstate(all="ignore"):
        if mode == "jvp":
            return np.array([w[0] * x[-1] + x[0] * w[-1], w[0] + 0.0])
        grads = np.zeros(len(x))
        grads[0] += w[1]
        grads[0] += x[-1] * w[0]
        grads[-1] += x[0] * w[0]
        return grads


def _counted() -> tuple[int, int, int]:
    with autodiff.count_ops() as counter:
        v = autodiff.Var(2.0)
        (v * v + 1).backward()
    repr(counter)
    return counter.forward, counter.backward, counter.backward_passes


def autodiff_scenarios(rng: np.random.Generator) -> list[Case]:
    def grad_of(build: Callable[[Any], Any], value: float) -> float:
        v = autodiff.Var(value)
        build(v).backward()
        return v.grad

    entry = "autodiff.Var"
    return [
        scenario(
            entry,
            "d(v ** 0)/dv at 0",
            "range",
            lambda: grad_of(lambda v: v**0, 0.0),
            check=lambda g: equal(g, 0.0),
        ),
        scenario(
            entry,
            "d(v ** 0.5)/dv at 0",
            "range",
            lambda: grad_of(lambda v: v**0.5, 0.0),
            expect="error",
            names=("v", "base"),
        ),
        scenario(
            entry,
            "0 ** -1",
            "range",
            lambda: autodiff.Var(0.0) ** -1,
            expect="error",
            names=("base", "exponent"),
        ),
        scenario(
            entry,
            "(-8) ** (1/3)",
            "range",
            lambda: autodiff.Var(-8.0) ** (1 / 3),
            expect="error",
            names=("base", "exponent"),
        ),
        scenario(
            entry,
            "2 ** 1e308 (overflow)",
            "huge",
            lambda: (autodiff.Var(2.0) ** 1e308).value,
            check=lambda v: equal(v, math.inf),
        ),
        scenario(
            entry,
            "exp(1000)",
            "huge",
            lambda: autodiff.Var(1000.0).exp().value,
            check=lambda v: equal(v, math.inf),
        ),
        scenario(
            entry,
            "bool(Var(0))",
            "type",
            lambda: bool(autodiff.Var(0.0)),
            expect="error",
            names=("Var",),
        ),
        scenario(
            "autodiff.Dual",
            "bool(Dual(0))",
            "type",
            lambda: bool(autodiff.Dual(0.0)),
            expect="error",
            names=("Dual",),
        ),
        scenario(
            entry,
            "Var + Dual",
            "type",
            lambda: autodiff.Var(1.0) + autodiff.Dual(1.0),
            expect="error",
            names=("Var", "Dual"),
        ),
        scenario(
            entry, "Var('1')", "type", lambda: autodiff.Var("1"), expect="error", names=("value",)
        ),
        scenario(
            entry,
            "Var(1, name=5)",
            "type",
            lambda: autodiff.Var(1.0, name=5),
            expect="error",
            names=("name",),
        ),
        scenario(
            entry,
            "Var ** Var",
            "type",
            lambda: autodiff.Var(2.0) ** autodiff.Var(2.0),
            expect="error",
            names=("exponent",),
        ),
        scenario(
            "autodiff.Dual",
            "Dual(1, '0')",
            "type",
            lambda: autodiff.Dual(1.0, "0"),
            expect="error",
            names=("tangent",),
        ),
        scenario(entry, "backward twice", "reuse", _backward_twice, check=true),
        scenario(
            "autodiff.ZeroPowerError",
            "both a ValueError and a ZeroDivisionError",
            "valid",
            lambda: (
                issubclass(autodiff.ZeroPowerError, ValueError)
                and issubclass(autodiff.ZeroPowerError, ZeroDivisionError)
            ),
            check=true,
        ),
    ]


def _backward_twice() -> bool:
    w = autodiff.Var(0.5)
    f = (w * w).sigmoid()
    f.backward()
    once = w.grad
    f.backward()
    return w.grad == once

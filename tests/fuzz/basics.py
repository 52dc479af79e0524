"""The fuzz catalogue: data sets, initialisation and automatic differentiation."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
    Slot,
    Thing,
    Variant,
    assert_close,
    assert_finite,
    equal,
    is_,
    long,
    refuses_writes,
    scenario,
    to_float,
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


# --- MNIST-1D ------------------------------------------------------------------------

#: mnist1d_signals' defaults, the data set's published ones (its docstring says so).
SIGNAL_DEFAULTS: dict[str, Any] = {
    "padding": (36, 60),
    "scale": 0.4,
    "max_translation": 48,
    "corr_noise": 0.25,
    "iid_noise": 0.02,
    "shear": 0.75,
    "length": 40,
}


def _lerp(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """values (M,), known at 0, 1, ..., M - 1, read linearly at the positions ``at``."""
    left = np.minimum(np.floor(at).astype(int), len(values) - 2)
    frac = at - left
    return (1 - frac) * values[left] + frac * values[left + 1]


def _signals_exact(y: Any, rng: np.random.Generator, **kwargs: Any) -> np.ndarray:
    """mnist1d_signals in long double, one signal at a time, by the seven steps of its
    docstring, drawing from a copy of the generator in the order the function draws:
    the padding, the scale, the shift, the correlated noise, the iid noise, the shear."""
    p = {**SIGNAL_DEFAULTS, **kwargs}
    y, (low, high) = np.asarray(y), p["padding"]
    templates, n = long(data.MNIST1D_TEMPLATES), np.size(y)
    k = templates.shape[1]
    width = k + high
    pad = low + rng.integers(0, high - low + 1, size=n)
    factor = 1 + L(p["scale"]) * (long(rng.random(n)) - L(0.5))
    shift = rng.integers(0, p["max_translation"], size=n)
    corr = L(p["corr_noise"]) * long(rng.standard_normal((n, width)))
    iid = L(p["iid_noise"]) * long(rng.standard_normal((n, width)))
    c = L(p["shear"]) * (long(rng.random(n)) - L(0.5))
    offsets = np.arange(-8, 9)  # the Gaussian of 2 points, cut at 4 standard deviations
    kernel = np.exp(-(long(offsets) ** 2) / 8)
    kernel /= kernel.sum()
    out = []
    for i in range(n):
        padded = np.concatenate([templates[y[i]], np.zeros(pad[i], dtype=L)])
        reads = np.arange(width) * (L(k + pad[i] - 1) / (width - 1))
        canvas = np.roll(_lerp(padded, reads) * factor[i], shift[i])
        digit = np.roll(reads < k, shift[i])
        mirrored = np.pad(corr[i], 8, mode="symmetric")
        smooth = sum(
            w * mirrored[8 + d : 8 + d + width] for d, w in zip(offsets, kernel, strict=True)
        )
        canvas = np.where(digit, canvas, smooth) + iid[i]
        canvas -= c[i] * np.linspace(-L(0.5), L(0.5), width)  # the line, -c/2 to c/2
        out.append(_lerp(canvas, np.linspace(0, width - 1, p["length"], dtype=L)))
    return np.array(out, dtype=L).reshape(n, p["length"])


def _split_exact(
    rng: np.random.Generator, n_train: int, n_val: int, n_test: int, **kwargs: Any
) -> list[np.ndarray]:
    """mnist1d's six arrays: the test set drawn first, then the validation and the
    training sets (each: its digits in a random order, then their signals), all three
    standardised with the training set's mean and standard deviation, in long double."""
    sets = []
    for n in (n_test, n_val, n_train):
        y = rng.permutation(np.arange(n, dtype=np.int64) % 10)
        sets.append((_signals_exact(y, rng, **kwargs), y))
    (X_te, y_te), (X_val, y_val), (X_tr, y_tr) = sets
    mean = X_tr.mean()
    std = np.sqrt(np.mean((X_tr - mean) ** 2))
    return [(X - mean) / std if X.dtype == L else X for X in (X_tr, y_tr, X_val, y_val, X_te, y_te)]


def _same_split(actual: Any, expected: list[np.ndarray]) -> None:
    assert isinstance(actual, data.MNIST1D), type(actual)
    for a, e in zip(actual, expected, strict=True):
        if e.dtype.kind == "i":
            assert a.dtype == np.int64 and np.array_equal(a, e), (a, e)
        else:
            assert_close(a, to_float(e), rtol=1e-9, atol=1e-12)


def _balanced(split: Any) -> None:
    """Every set holds each digit equally often, to within one."""
    for X, y in (split.train, split.val, split.test):
        counts = np.bincount(y, minlength=10)
        assert X.shape[0] == len(y) and counts.max() - counts.min() <= 1, counts


def mnist1d_entries() -> Iterator[Entry]:
    scale = Real(0.4, low=0.0, high=2.0, high_open=True)
    nonnegative = {
        name: Real(SIGNAL_DEFAULTS[name], low=0.0) for name in ("corr_noise", "iid_noise", "shear")
    }
    yield Entry(
        "data.mnist1d_signals",
        data.mnist1d_signals,
        {
            "y": Digits(),
            "rng": Rng(),
            "padding": Padding((4, 9)),
            "scale": scale,
            "max_translation": Int(48),
            "corr_noise": nonnegative["corr_noise"],
            "iid_noise": nonnegative["iid_noise"],
            "shear": nonnegative["shear"],
            "length": Int(40),
        },
        lambda **kw: to_float(_signals_exact(**kw)),
        lambda a, e: assert_close(a, e, rtol=1e-9, atol=1e-12),
    )
    yield Entry(
        "data.mnist1d",
        lambda rng, n_train, n_val, n_test, **kw: data.mnist1d(
            rng, n_train=n_train, n_val=n_val, n_test=n_test, **kw
        ),
        {
            "rng": Rng(),
            "n_train": Int(10),
            "n_val": Int(5),
            "n_test": Int(5),
            # the arguments whose extremes reach the standardisation
            "corr_noise": nonnegative["corr_noise"],
            "shear": nonnegative["shear"],
        },
        lambda rng, **kw: _split_exact(rng, **kw),
        _same_split,
        check=_balanced,
        covers=("data.MNIST1D",),
        scenarios=mnist1d_scenarios,
    )
    yield Entry(
        "data.MNIST1D.train",
        lambda: _pairs(data.mnist1d(np.random.default_rng(0), n_train=10, n_val=10, n_test=10)),
        check=true,
        finite=False,
        covers=("data.MNIST1D.val", "data.MNIST1D.test"),
    )


def _pairs(split: Any) -> bool:
    """.train, .val and .test are the (X, y) pairs of the six arrays, and the repr
    gives the sizes."""
    X_tr, y_tr, X_val, y_val, X_te, y_te = split
    pairs = (split.train, split.val, split.test)
    same = all(
        a is b
        for pair, arrays in zip(pairs, ((X_tr, y_tr), (X_val, y_val), (X_te, y_te)), strict=True)
        for a, b in zip(pair, arrays, strict=True)
    )
    return same and repr(split) == "MNIST1D(train=10, val=10, test=10, length=40)"


def mnist1d_scenarios(rng: np.random.Generator) -> list[Case]:
    entry = "data.mnist1d"
    seed = int(rng.integers(2**32))

    def small(**kw: Any) -> Any:
        sizes = {"n_train": 10, "n_val": 5, "n_test": 5}
        return data.mnist1d(np.random.default_rng(seed), **{**sizes, **kw})

    def changed_then_again() -> bool:
        before = [a.copy() for a in small()]
        for a in small():
            a[...] = 0
        return all(np.array_equal(a, b) for a, b in zip(small(), before, strict=True))

    return [
        scenario(
            entry,
            "one signal of one point: nothing to standardise",
            "range",
            lambda: small(n_train=1, length=1),
            expect="either",
            check=assert_finite,
            names=("n_train", "length"),
        ),
        scenario(
            entry,
            "no randomness at all",
            "range",
            lambda: small(scale=0.0, max_translation=1, corr_noise=0.0, iid_noise=0.0, shear=0.0),
            check=_balanced,
        ),
        scenario(
            entry,
            "an argument mnist1d_signals does not take",
            "type",
            lambda: small(translation=3),
            expect="error",
            names=("translation",),
        ),
        scenario(
            entry, "the arrays changed, then the same seed", "reuse", changed_then_again, check=true
        ),
    ]


@dataclass
class Digits(Slot):
    """MNIST-1D's digits: an (N,) integer array of values 0..9."""

    names: tuple[str, ...] = ("y",)

    def valid(self, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, 10, size=5)

    def variants(self, good: np.ndarray, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (
            ("str", "abc"),
            ("None", None),
            ("dict", {"a": 1}),
            ("ragged", [[1], [2, 3]]),
            ("strings", ["1", "2"]),
        ):
            yield Variant(label, "type", value, "error")
        yield Variant("float digits", "dtype", good.astype(float), "error")
        yield Variant("bool digits", "dtype", good > 4, "error")
        yield Variant("list of ints", "dtype", good.tolist(), "result")
        yield Variant("uint8", "dtype", good.astype(np.uint8), "result")
        yield Variant("digit 10", "range", np.full(len(good), 10), "error")
        yield Variant("digit -1", "range", np.full(len(good), -1), "error")
        yield Variant("2-D", "rank", good[None], "error")
        yield Variant("0-d", "rank", good[0], "error")
        yield Variant("empty", "empty", good[:0], "result")


@dataclass
class Padding(Slot):
    """mnist1d_signals' padding: a pair of integers (low, high), 0 <= low <= high."""

    good: tuple[int, int]
    names: tuple[str, ...] = ("padding",)

    def valid(self, rng: np.random.Generator) -> tuple[int, int]:
        return self.good

    def variants(self, good: tuple[int, int], rng: np.random.Generator) -> Iterator[Variant]:
        low, high = good
        for label, value in (
            ("str", "ab"),
            ("int", high),
            ("None", None),
            ("floats", (float(low), float(high))),
            ("bools", (False, True)),
            ("three", (low, high, high)),
            ("an array", np.array(good)),
        ):
            yield Variant(label, "type", value, "error")
        yield Variant("reversed", "range", (high, low), "error")
        yield Variant("negative", "range", (-1, high), "error")
        yield Variant("a list", "valid", [low, high], "result")
        yield Variant("numpy ints", "dtype", (np.int64(low), np.int32(high)), "result")
        yield Variant("no padding", "range", (0, 0), "result")


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

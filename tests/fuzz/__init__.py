"""The engine of the fuzz suite (``tests/test_fuzz.py``): hostile arguments, one call
each, and a verdict.

An :class:`Entry` is one public entry point of ``helpers``: how to call it, a
:class:`Slot` per argument (what a valid value is, and which hostile values to try),
and, where there is one, an oracle: an independent answer computed another way (in
``np.longdouble``, whose range reaches 1e4932, so that 1e200 squared is still a
number). :meth:`Entry.cases` makes one :class:`Case` per hostile value of each
argument, the others kept valid, plus the entry's own scenarios (aliasing, reuse).

:func:`run` calls a case with every warning turned into an error and gives one of
three outcomes:

- ``clear error``: a ValueError or TypeError whose message names the argument;
- ``correct``: a result that passes the case's check (the oracle's answer, finite
  output where the package promises it, inputs left unchanged, no output sharing
  memory with an input);
- ``failure``: anything else: another exception, a warning, a message that does not
  name the argument, a result where an error was due, an error where a result was
  due, or a wrong result.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from helpers import activations

OUTCOMES = ("clear error", "correct", "failure")
#: What each hostile value tests, in the order the report lists them.
CATEGORIES = (
    "valid",
    "type",
    "dtype",
    "rank",
    "shape",
    "empty",
    "nan",
    "inf",
    "huge",
    "tiny",
    "range",
    "alias",
    "reuse",
)


class Overflow(Exception):
    """Raised by an oracle whose exact answer is beyond float64: the entry must refuse."""


# --- one case and its verdict ---------------------------------------------------------


@dataclass
class Case:
    """One call with one hostile (or valid) argument, and what should come of it.

    expect: "error" (a clear ValueError/TypeError), "result" (a checked result) or
        "either" (a clear error or a checked result: a value near 1e308 may overflow).
    names: words one of which the error message must contain (the argument's name).
    check: raises AssertionError if a result is wrong.
    inputs: the arrays passed in, which must not change (unless the entry changes
        them on purpose) and which no output may share memory with.
    """

    entry: str
    arg: str
    label: str
    category: str
    expect: str
    call: Callable[[], Any]
    check: Callable[[Any], None] | None = None
    names: tuple[str, ...] = ()
    inputs: tuple[Any, ...] = ()
    errors: tuple[type[BaseException], ...] = (ValueError, TypeError)

    @property
    def title(self) -> str:
        return f"{self.entry}({self.arg}={self.label})"


@dataclass
class Verdict:
    case: Case
    outcome: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.outcome:11} {self.case.category:6} {self.case.title}: {self.detail}"


def names_argument(message: str, names: Iterable[str]) -> bool:
    """Whether one of ``names`` appears in ``message`` as a word of its own."""
    return any(
        re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) for name in names
    )


def run(case: Case) -> Verdict:
    """Call the case with warnings as errors and judge what came of it."""
    before = [_snapshot(a) for a in case.inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            result = case.call()
        except Warning as w:
            return Verdict(case, "failure", f"warning {type(w).__name__}: {w}")
        except case.errors as err:
            message = str(err)
            if case.expect == "result":
                return Verdict(case, "failure", f"refused a valid value: {_short(err)}")
            if not names_argument(message, case.names):
                return Verdict(case, "failure", f"vague message: {_short(err)}")
            return Verdict(case, "clear error", _short(err))
        except Exception as err:
            return Verdict(case, "failure", f"crash: {_short(err)}")
    if case.expect == "error":
        return Verdict(case, "failure", f"accepted it and returned {_describe(result)}")
    for index, (a, old) in enumerate(zip(case.inputs, before, strict=True)):
        if old is not None and not _same(a, old):
            return Verdict(case, "failure", f"changed its input #{index}")
    shared = _shares_memory(result, case.inputs)
    if shared:
        return Verdict(case, "failure", f"its output shares memory with {shared}")
    if case.check is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                case.check(result)
        except AssertionError as err:
            return Verdict(case, "failure", f"wrong result: {_short(err)}")
        except Exception as err:
            return Verdict(case, "failure", f"unreadable result: {_short(err)}")
    return Verdict(case, "correct")


def _short(err: BaseException, limit: int = 160) -> str:
    text = " ".join(f"{type(err).__name__}: {err}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array {value.shape} {np.array2string(value.ravel()[:4], precision=3)}"
    return " ".join(repr(value).split())[:100]


def _snapshot(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Mapping):
        return {k: v.copy() for k, v in value.items() if isinstance(v, np.ndarray)}
    return None


def _same(value: Any, old: Any) -> bool:
    if isinstance(value, np.ndarray):
        nan_aware = value.dtype.kind in "fc"
        return value.shape == old.shape and bool(np.array_equal(value, old, equal_nan=nan_aware))
    return all(_same(value[k], v) for k, v in old.items())


def _arrays(value: Any, depth: int = 0) -> Iterator[np.ndarray]:
    """The arrays in a result: itself, or inside tuples, lists, dicts and dataclasses."""
    if isinstance(value, np.ndarray):
        yield value
    elif depth < 3 and isinstance(value, tuple | list):
        for v in value:
            yield from _arrays(v, depth + 1)
    elif depth < 3 and isinstance(value, Mapping):
        for v in value.values():
            yield from _arrays(v, depth + 1)
    elif depth < 3 and dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _arrays(getattr(value, f.name), depth + 1)


def _shares_memory(result: Any, inputs: Sequence[Any]) -> str:
    outs = list(_arrays(result))
    for index, given in enumerate(inputs):
        for a in _arrays(given):
            if any(a.size and o.size and np.shares_memory(o, a) for o in outs):
                return f"input #{index}"
    return ""


# --- checking results -----------------------------------------------------------------


def assert_close(actual: Any, expected: Any, rtol: float = 1e-9, atol: float = 0.0) -> None:
    """Nested comparison: arrays and numbers with NaN equal to NaN and inf to inf."""
    if isinstance(expected, Mapping):
        assert isinstance(actual, Mapping) and set(actual) == set(expected), (actual, expected)
        for key in expected:
            assert_close(actual[key], expected[key], rtol, atol)
        return
    if isinstance(expected, tuple | list) and isinstance(actual, tuple | list):
        assert len(actual) == len(expected), f"{len(actual)} items, expected {len(expected)}"
        for a, e in zip(actual, expected, strict=True):
            assert_close(a, e, rtol, atol)
        return
    a = np.asarray(actual, dtype=np.float64)
    with np.errstate(over="ignore"):
        e = np.asarray(expected, dtype=np.longdouble).astype(np.float64)
    assert a.shape == e.shape, f"shape {a.shape}, expected {e.shape}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True)


def assert_finite(value: Any) -> None:
    for a in _arrays(value):
        if a.dtype.kind == "f":
            assert np.isfinite(a).all(), f"a non-finite output {_describe(a)}"
    if isinstance(value, float):
        assert math.isfinite(value), f"a non-finite output {value}"


def long(x: Any) -> np.ndarray:
    """An array in np.longdouble, for oracles (range about 1e4932)."""
    return np.asarray(x, dtype=np.longdouble)


def to_float(x: np.ndarray) -> np.ndarray:
    """An oracle's answer as float64, or Overflow if it is beyond float64's range."""
    finite = np.isfinite(x)
    with np.errstate(over="ignore"):
        out = np.asarray(x).astype(np.float64)
    if np.any(finite & ~np.isfinite(out)):
        raise Overflow
    return out


# --- hostile values, by kind of argument ---------------------------------------------


@dataclass
class Variant:
    """One value for an argument: what it tests and whether it must be refused."""

    label: str
    category: str
    value: Any
    expect: str  # "error", "result" or "either"


class Slot:
    """One argument: a valid value and the hostile values to try in its place."""

    names: tuple[str, ...] = ()

    def valid(self, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def variants(self, good: Any, rng: np.random.Generator) -> Iterator[Variant]:
        yield from ()

    def strategy(self, good: Any) -> st.SearchStrategy[Variant]:
        """Variants drawn by hypothesis; by default one of :meth:`variants`."""
        options = list(self.variants(good, np.random.default_rng(0)))
        return st.sampled_from(options) if options else st.nothing()


WRONG_TYPES: tuple[tuple[str, Any], ...] = (
    ("str", "abc"),
    ("None", None),
    ("dict", {"a": 1}),
    ("object", object()),
)


@dataclass
class Arr(Slot):
    """An array argument.

    make: draws a valid value from an rng.
    ndim: the ranks allowed (None: any).
    policy: "refuse" NaN and inf, "ieee" (NaN gives NaN, inf the limits), or "mask"
        (NaN refused, +-inf allowed).
    empty: whether an empty array (0 along axis 0) is "ok", to "refuse", or "skip".
    inplace: the entry changes the array: it must be a writeable float64 array.
    huge: what a value near 1e308 must give: "either" (a result or a clear error
        naming the argument) or "result".
    shapes: wrong shapes to try (each must be refused), from the valid value.
    """

    make: Callable[[np.random.Generator], np.ndarray]
    ndim: tuple[int, ...] | None = None
    policy: str = "refuse"
    empty: str = "ok"
    inplace: bool = False
    huge: str = "either"
    shapes: Callable[[np.ndarray], list[np.ndarray]] | None = None
    names: tuple[str, ...] = ()
    ints: bool = True  # try an integer array (converted, unless inplace)
    none_ok: bool = False  # None is a valid value (no such array)

    def valid(self, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(self.make(rng), dtype=np.float64)

    def variants(self, good: np.ndarray, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (
            *WRONG_TYPES,
            ("strings", [["a", "b"]]),
            ("ragged", [[1.0], [2.0, 3.0]]),
        ):
            ok = value is None and self.none_ok
            yield Variant(label, "valid" if ok else "type", value, "result" if ok else "error")
        yield Variant("bool", "dtype", good > 0, "error")
        yield Variant("complex", "dtype", good + 1j, "error")
        yield Variant("object", "dtype", good.astype(object), "error")
        if self.ints:
            integers = np.rint(good).astype(np.int64)
            yield Variant("int64", "dtype", integers, "error" if self.inplace else "result")
        yield Variant(
            "float32", "dtype", good.astype(np.float32), "error" if self.inplace else "result"
        )
        if self.ndim is not None:
            for label, value in (
                ("one more axis", good[np.newaxis]),
                ("0-d", good.reshape(-1)[:1].reshape(())),
            ):
                if value.ndim not in self.ndim:
                    yield Variant(label, "rank", value, "error")
        for index, value in enumerate(self.shapes(good) if self.shapes else []):
            yield Variant(f"shape {value.shape} #{index}", "shape", value, "error")
        if self.empty != "skip" and good.ndim:
            empty = good[:0]
            yield Variant(
                f"empty {empty.shape}", "empty", empty, "result" if self.empty == "ok" else "error"
            )
        for label, bad in (("nan", np.nan), ("+inf", np.inf), ("-inf", -np.inf)):
            value = good.copy()
            if value.size:
                value.reshape(-1)[0] = bad
            expect = {
                "refuse": "error",
                "ieee": "result",
                "mask": "error" if label == "nan" else "result",
            }
            yield Variant(label, "nan" if label == "nan" else "inf", value, expect[self.policy])
        scale = float(np.max(np.abs(good), initial=0.0))
        if scale > 0:
            for label, top, category, expect in (
                ("1e308", 1e308, "huge", self.huge),
                ("1e200", 1e200, "huge", self.huge),
                ("1e-308", 1e-308, "tiny", "either" if self.huge == "either" else "result"),
            ):
                yield Variant(label, category, good / scale * top, expect)

    def strategy(self, good: np.ndarray) -> st.SearchStrategy[Variant]:
        """good with some entries replaced by extreme floats (NaN, +-inf, +-1e308, ...)."""
        extremes = st.sampled_from(
            [np.nan, np.inf, -np.inf, 1e308, -1e308, 1e-308, 0.0, -0.0, 1e154, 3.0]
        )
        if good.size == 0:
            return super().strategy(good)
        picks = st.lists(st.tuples(st.integers(0, good.size - 1), extremes), min_size=1, max_size=3)

        def variant(changes: list[tuple[int, float]]) -> Variant:
            value = good.copy()
            for i, v in changes:
                value.reshape(-1)[i] = v
            nan = np.isnan(value).any()
            inf = np.isinf(value).any()
            if nan or inf:
                expect = {"refuse": "error", "ieee": "result"}.get(
                    self.policy, "error" if nan else "result"
                )
            elif np.max(np.abs(value)) > 1e150:
                expect = self.huge
            else:
                expect = "result" if self.huge == "result" else "either"
            category = "nan" if nan else "inf" if inf else "huge"
            return Variant(f"entries {changes}", category, value, expect)

        return picks.map(variant)


@dataclass
class Real(Slot):
    """A real-number argument in [low, high] (open ends refused too)."""

    good: float
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    names: tuple[str, ...] = ()
    # or "ieee": NaN and +-inf are numbers like any other; or "mask": NaN is refused,
    # +-inf are judged by the range (a threshold such as stop_above=inf)
    policy: str = "refuse"
    none_ok: bool = False  # None is a valid value (a default that means "none")

    def valid(self, rng: np.random.Generator) -> float:
        return self.good

    def _inside(self, v: float) -> bool:
        above = v > self.low if self.low_open else v >= self.low
        below = v < self.high if self.high_open else v <= self.high
        return above and below

    def variants(self, good: float, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (
            *WRONG_TYPES,
            ("list", [good]),
            ("array", np.array([good, good])),
            ("bool", True),
            ("complex", 1j),
        ):
            ok = value is None and self.none_ok
            yield Variant(label, "valid" if ok else "type", value, "result" if ok else "error")
        yield Variant("numpy float", "dtype", np.float64(good), "result")
        if float(good).is_integer():
            yield Variant("int", "dtype", int(good), "result")
        for label, value in (("nan", math.nan), ("+inf", math.inf), ("-inf", -math.inf)):
            yield Variant(label, "nan" if label == "nan" else "inf", value, self._expect(value))
        for label, value in (("low", self.low), ("high", self.high)):
            if math.isfinite(value):
                yield Variant(
                    f"at {label} {value:g}",
                    "range",
                    value,
                    "result" if self._inside(value) else "error",
                )
                step = max(1.0, abs(value)) * (-1 if label == "low" else 1)
                yield Variant(f"beyond {label}", "range", value + step, "error")
        for label, value, category in (
            ("1e308", 1e308, "huge"),
            ("-1e308", -1e308, "huge"),
            ("1e-308", 1e-308, "tiny"),
        ):
            yield Variant(label, category, value, "either" if self._inside(value) else "error")

    def strategy(self, good: float) -> st.SearchStrategy[Variant]:
        def variant(v: float) -> Variant:
            category = "range" if math.isfinite(v) else "nan" if math.isnan(v) else "inf"
            return Variant(f"{v!r}", category, v, self._expect(v))

        return st.floats(allow_nan=True, allow_infinity=True).map(variant)

    def _expect(self, v: float) -> str:
        if math.isfinite(v):
            return "either" if self._inside(v) else "error"
        if self.policy == "refuse" or (self.policy == "mask" and math.isnan(v)):
            return "error"
        return "result" if math.isnan(v) or self._inside(v) else "error"


@dataclass
class Int(Slot):
    """An integer argument in [low, high]."""

    good: int
    low: int = 1
    high: int | None = None
    names: tuple[str, ...] = ()
    none_ok: bool = False

    def valid(self, rng: np.random.Generator) -> int:
        return self.good

    def variants(self, good: int, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (
            *WRONG_TYPES,
            ("float", good + 0.5),
            ("str digit", str(good)),
            ("bool", True),
            ("list", [good]),
        ):
            ok = value is None and self.none_ok
            yield Variant(label, "valid" if ok else "type", value, "result" if ok else "error")
        yield Variant("numpy int", "dtype", np.int64(good), "result")
        yield Variant(f"{self.low - 1}", "range", self.low - 1, "error")
        yield Variant("-1", "range", -1, "error" if self.low > -1 else "result")
        if self.high is not None:
            yield Variant(f"{self.high + 1}", "range", self.high + 1, "error")


@dataclass
class Flag(Slot):
    """A bool argument."""

    good: bool = True
    names: tuple[str, ...] = ()
    none_ok: bool = False

    def valid(self, rng: np.random.Generator) -> bool:
        return self.good

    def variants(self, good: bool, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("str", "no"), ("0", 0), ("1", 1), ("None", None), ("float", 1.0)):
            ok = value is None and self.none_ok
            yield Variant(label, "valid" if ok else "type", value, "result" if ok else "error")
        yield Variant("numpy bool", "dtype", np.bool_(good), "result")


@dataclass
class Choice(Slot):
    """A string among a few."""

    good: str
    names: tuple[str, ...] = ()

    def valid(self, rng: np.random.Generator) -> str:
        return self.good

    def variants(self, good: str, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (
            ("unknown", "bogus"),
            ("int", 5),
            ("None", None),
            ("upper case", good.upper()),
        ):
            if value != good:
                yield Variant(
                    label, "type" if not isinstance(value, str) else "range", value, "error"
                )


@dataclass
class Text(Slot):
    """A string such as a title: any non-empty text."""

    good: str = "a title"
    empty_ok: bool = False
    names: tuple[str, ...] = ()
    none_ok: bool = False

    def valid(self, rng: np.random.Generator) -> str:
        return self.good

    def variants(self, good: str, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("int", 5), ("None", None), ("list", [good])):
            ok = value is None and self.none_ok
            yield Variant(label, "valid" if ok else "type", value, "result" if ok else "error")
        yield Variant("empty", "empty", "", "result" if self.empty_ok else "error")


@dataclass
class Rng(Slot):
    """A numpy Generator."""

    required: bool = True
    names: tuple[str, ...] = ("rng",)

    def valid(self, rng: np.random.Generator) -> np.random.Generator:
        return np.random.default_rng(rng.integers(2**32))

    def variants(self, good: Any, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (
            ("int 42", 42),
            ("RandomState", np.random.RandomState(0)),
            ("str", "rng"),
        ):
            yield Variant(label, "type", value, "error")
        if self.required:
            yield Variant("None", "type", None, "error")


@dataclass
class Thing(Slot):
    """An object argument (a layer, a function, a figure): wrong types are refused."""

    make: Callable[[np.random.Generator], Any]
    names: tuple[str, ...] = ()
    wrong: tuple[tuple[str, Any], ...] = (("str", "abc"), ("int", 5), ("object", object()))

    def valid(self, rng: np.random.Generator) -> Any:
        return self.make(rng)

    def variants(self, good: Any, rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in self.wrong:
            yield Variant(label, "type", value, "error")


@dataclass
class Fixed(Slot):
    """An argument kept valid: its hostile values are another entry's business."""

    make: Callable[[np.random.Generator], Any]

    def valid(self, rng: np.random.Generator) -> Any:
        return self.make(rng)


@dataclass
class Arrays(Slot):
    """A dict name -> array, as a layer's params or grads."""

    make: Callable[[np.random.Generator], dict[str, np.ndarray]]
    inplace: bool = False
    names: tuple[str, ...] = ()
    keys_fixed: bool = False  # the keys must be the valid ones (an optimiser's grads)

    def valid(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {k: np.asarray(v, dtype=np.float64) for k, v in self.make(rng).items()}

    def variants(self, good: dict[str, np.ndarray], rng: np.random.Generator) -> Iterator[Variant]:
        key = next(iter(good))
        for label, value in (("str", "abc"), ("list", list(good.values())), ("None", None)):
            yield Variant(label, "type", value, "error")
        yield Variant("int key", "type", {1: good[key]}, "error")
        yield Variant("str entry", "type", {**good, key: "abc"}, "error")
        ints = {**good, key: np.rint(good[key]).astype(np.int64)}
        yield Variant("int64 entry", "dtype", ints, "error" if self.inplace else "result")
        for label, bad in (("nan", np.nan), ("+inf", np.inf), ("-inf", -np.inf)):
            value = {k: v.copy() for k, v in good.items()}
            value[key].reshape(-1)[0] = bad
            yield Variant(f"{label} entry", "nan" if label == "nan" else "inf", value, "error")
        same = {k: v.copy() for k, v in good.items()}
        same["alias"] = same[key]
        plain = "error" if self.keys_fixed else "result"
        yield Variant(
            "one array under two names", "alias", same, "error" if self.inplace else plain
        )
        yield Variant("empty dict", "empty", {}, plain)
        for label, top in (("1e308", 1e308), ("1e200", 1e200)):
            value = {
                k: v / max(np.max(np.abs(v), initial=0), 1e-300) * top for k, v in good.items()
            }
            yield Variant(label, "huge", value, "either")
        tiny = {k: v / max(np.max(np.abs(v), initial=0), 1e-300) * 1e-300 for k, v in good.items()}
        yield Variant("1e-300", "tiny", tiny, "result")


@dataclass
class Widths(Slot):
    """A list of layer widths."""

    good: list[int]
    names: tuple[str, ...] = ("widths", "sizes")

    def valid(self, rng: np.random.Generator) -> list[int]:
        return list(self.good)

    def variants(self, good: list[int], rng: np.random.Generator) -> Iterator[Variant]:
        for label, value in (("str", "abc"), ("int", 5), ("None", None)):
            yield Variant(label, "type", value, "error")
        yield Variant("a zero width", "range", [good[0], 0, good[-1]], "error")
        yield Variant("a negative width", "range", [good[0], -1, good[-1]], "error")
        yield Variant("a float width", "type", [good[0], 2.5, good[-1]], "error")
        yield Variant("one width", "shape", good[:1], "error")
        yield Variant("numpy ints", "dtype", [np.int64(w) for w in good], "result")


# --- an entry point --------------------------------------------------------------------


@dataclass
class Entry:
    """One public entry point: how to call it, its arguments and an oracle.

    call: ``call(**kwargs)``, the kwargs from the slots (an entry may build a fresh
        object inside, such as a layer for a method).
    oracle: ``oracle(**kwargs)``: the expected result, or raises :class:`Overflow` when
        the exact result is beyond float64 (then the entry must refuse).
    compare: checks a result against the oracle's answer (default :func:`assert_close`).
    finite: whether the package promises finite output here (layers, losses, ...).
    mutates: the arguments the entry changes in place on purpose.
    scenarios: more cases (aliasing, reuse), made by a function of an rng.
    record: a record type (a dataclass the package fills): only valid cases.
    """

    name: str
    call: Callable[..., Any]
    slots: dict[str, Slot] = field(default_factory=dict)
    oracle: Callable[..., Any] | None = None
    compare: Callable[[Any, Any], None] = assert_close
    finite: bool = True
    mutates: frozenset[str] = frozenset()
    scenarios: Callable[[np.random.Generator], Iterable[Case]] | None = None
    check: Callable[[Any], None] | None = None  # a check without an oracle
    covers: tuple[str, ...] = ()  # further public names this entry exercises
    errors: tuple[type[BaseException], ...] = (ValueError, TypeError)  # the clear ones

    def kwargs(self, seed: int) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        return {name: slot.valid(rng) for name, slot in self.slots.items()}

    def case(self, kwargs: dict[str, Any], arg: str, variant: Variant) -> Case:
        names = (self.slots[arg].names or (arg,)) if arg in self.slots else ()
        inputs = tuple(v for k, v in kwargs.items() if k not in self.mutates and _has_arrays(v))
        frozen = dict(kwargs)
        # what the oracle sees: the arguments as they were before the call changed any
        pristine = copy.deepcopy(kwargs) if self.oracle is not None else kwargs

        def call() -> Any:
            return self.call(**frozen)

        def check(result: Any) -> None:
            self.verify(pristine, result)

        return Case(
            self.name, arg, variant.label, variant.category, variant.expect, call, check, names,
            inputs, self.errors,
        )  # fmt: skip

    def verify(self, kwargs: dict[str, Any], result: Any) -> None:
        if self.finite:
            assert_finite(result)
        if self.check is not None:
            self.check(result)
        if self.oracle is None:
            return
        try:
            with np.errstate(all="ignore"):
                expected = self.oracle(**copy.deepcopy(kwargs))
        except Overflow:
            raise AssertionError(
                f"the exact result is beyond float64, got {_describe(result)}"
            ) from None
        self.compare(result, expected)

    def cases(self, seed: int = 0) -> list[Case]:
        """The all-valid case, one per hostile value of each argument, the scenarios.

        Every case gets valid arguments of its own (the same values, new objects), so
        that a call which changes one (a model trained, an array clipped) cannot change
        the next case's.
        """
        out = [self.case(self.kwargs(seed), "-", Variant("all valid", "valid", None, "result"))]
        rng = np.random.default_rng([seed, 1])
        good = self.kwargs(seed)
        for arg, slot in self.slots.items():
            for variant in slot.variants(good[arg], rng):
                out.append(self.case({**self.kwargs(seed), arg: variant.value}, arg, variant))
        if self.scenarios is not None:
            out.extend(self.scenarios(np.random.default_rng([seed, 2])))
        return out


def _has_arrays(value: Any) -> bool:
    return isinstance(value, np.ndarray) or (
        isinstance(value, Mapping) and any(isinstance(v, np.ndarray) for v in value.values())
    )


def scenario(
    entry: str,
    label: str,
    category: str,
    call: Callable[[], Any],
    *,
    expect: str = "result",
    check: Callable[[Any], None] | None = None,
    names: tuple[str, ...] = (),
    errors: tuple[type[BaseException], ...] = (ValueError, TypeError),
) -> Case:
    """A case written out by hand (aliasing, reuse, order of calls)."""
    return Case(entry, "-", label, category, expect, call, check, names, (), errors)


def tally(verdicts: Iterable[Verdict]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Counts by outcome, and by (category, outcome)."""
    verdicts = list(verdicts)
    return (
        Counter(v.outcome for v in verdicts),
        Counter((v.case.category, v.outcome) for v in verdicts),
    )


def report(verdicts: Sequence[Verdict]) -> str:
    """A table of the counts by category and outcome, then every failure."""
    by_outcome, by_category = tally(verdicts)
    lines = [
        f"{len(verdicts)} cases: " + ", ".join(f"{by_outcome[o]} {o}" for o in OUTCOMES),
        "",
        f"{'category':10}" + "".join(f"{o:>13}" for o in OUTCOMES),
    ]
    for category in CATEGORIES:
        counts = [by_category[category, o] for o in OUTCOMES]
        if any(counts):
            lines.append(f"{category:10}" + "".join(f"{c:>13}" for c in counts))
    failures = [v for v in verdicts if v.outcome == "failure"]
    if failures:
        lines += ["", f"{len(failures)} failures:"] + [f"  {v}" for v in failures]
    return "\n".join(lines)


ACT = activations.ACTIVATIONS
L = np.longdouble


# --- valid values and small checks the catalogue shares -------------------------------


def normal(*shape: int, scale: float = 1.0) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: scale * rng.standard_normal(shape)


def off_kink(*shape: int) -> Callable[[np.random.Generator], np.ndarray]:
    """Entries with |x| >= 0.1, so an integer copy keeps every sign."""

    def make(rng: np.random.Generator) -> np.ndarray:
        x = rng.standard_normal(shape)
        return np.where(x < 0, -1, 1) * (0.6 + np.abs(x))

    return make


def other_shapes(*shapes: tuple[int, ...]) -> Callable[[np.ndarray], list[np.ndarray]]:
    return lambda good: [np.ones(s) for s in shapes]


def nan_where(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), np.nan, out)


def is_(value: Any, expected: Any) -> None:
    assert value is expected, f"{value!r} is not {expected!r}"


def true(value: Any) -> None:
    assert value is True, f"got {value!r}"


def equal(value: Any, expected: Any) -> None:
    assert value == expected, f"{value!r} != {expected!r}"


def contains(text: str, word: str) -> None:
    assert word in text, text


def below(value: float, bound: float) -> None:
    assert value < bound, f"{value} >= {bound}"


def in_range(r: np.ndarray, low: float, high: float) -> None:
    assert np.all((low <= r) & (r <= high)), r


def all_zero(grads: Mapping[str, np.ndarray]) -> None:
    assert all(not g.any() for g in grads.values()), grads


def finite_array(r: Any) -> None:
    assert isinstance(r, np.ndarray) and np.isfinite(r).all(), r


def refuses_writes(mapping: Any) -> bool:
    """Whether a shared mapping refuses to be changed (undoing a change it allowed, so
    that the cases after this one see the package as it was)."""
    key = "__fuzz__"
    try:
        mapping[key] = 1
    except TypeError:
        return True
    del mapping[key]
    return False

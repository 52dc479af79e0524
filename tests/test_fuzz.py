"""The fuzz suite: every public entry point of ``helpers`` (the explorers of
``helpers.widgets`` aside) under hostile arguments.

The catalogue (``tests/fuzz/``, one module per part of the package) says for
each entry point how to call it, what each argument is and, where there is one, an
independent answer to check a result against; the engine
(:mod:`tests.fuzz`) turns each argument into hostile values: wrong types and
dtypes, wrong ranks and shapes, empty arrays, NaN and +-inf, 1e+-308, values out of
range, and for dicts of arrays one array under two names. Scenarios add what a single
argument cannot say: aliasing and mutation of inputs and outputs, the reuse of layers
and optimisers, and the order of calls. Every case ends as a clear error, a correct
result or a failure, and the tests fail on any failure.

``test_every_public_entry_point_is_covered`` lists the package's public functions,
classes and methods and requires each to be in the catalogue.
``test_hostile_values_drawn_by_hypothesis`` adds values that hypothesis draws (arrays
with extreme entries, any float for a scalar), a bounded number per run.

    python -m tests.test_fuzz            # the counts by category and outcome
    python -m tests.test_fuzz --failures # and every failure
"""

from __future__ import annotations
import __future__

import importlib
import inspect
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import helpers
from tests.fuzz import (
    ACT,
    Arr,
    Case,
    Entry,
    Variant,
    long,
    normal,
    refuses_writes,
    report,
    run,
    scenario,
    true,
)
from tests.fuzz.activations import activation_entries
from tests.fuzz.basics import autodiff_entries, data_entries, init_entries, mnist1d_entries
from tests.fuzz.figures import drawing_entries, exercises_entries, plots_entries
from tests.fuzz.layers import (
    layer_bookkeeping_entries,
    layer_constructor_entries,
    layer_pass_entries,
    norm_index_entries,
)
from tests.fuzz.toolkit import (
    experiments_entries,
    gradcheck_entries,
    probes_entries,
    replicas_entries,
)
from tests.fuzz.training import (
    clipping_entries,
    loss_entries,
    norm_entries,
    optim_entries,
    regularization_entries,
)

matplotlib.use("Agg")


# --- the catalogue, the coverage it must reach, and the tests --------------------------


def catalogue() -> list[Entry]:
    makers: list[Callable[[], Iterable[Entry]]] = [
        activation_entries,
        layer_constructor_entries,
        layer_pass_entries,
        layer_bookkeeping_entries,
        norm_entries,
        norm_index_entries,
        loss_entries,
        clipping_entries,
        regularization_entries,
        optim_entries,
        experiments_entries,
        replicas_entries,
        gradcheck_entries,
        probes_entries,
        data_entries,
        mnist1d_entries,
        init_entries,
        autodiff_entries,
        exercises_entries,
        drawing_entries,
        plots_entries,
    ]
    return [entry for make in makers for entry in make()]


ENTRIES = catalogue()
MODULES = [name for name in helpers.__all__ if name != "widgets"]


def public_entry_points() -> list[str]:
    """Every public function and class of helpers (widgets aside), and every public
    method or property of those classes, including what they inherit from a private
    base class of the package."""
    names = []
    for module_name in MODULES:
        module = importlib.import_module(f"helpers.{module_name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            names.append(f"{module_name}.{name}")
            if inspect.isclass(obj):
                names += [f"{module_name}.{name}.{m}" for m in _public_members(obj)]
    return names


def _public_members(cls: type) -> list[str]:
    members = []
    for klass in cls.__mro__:
        own = klass is cls or (
            klass.__name__.startswith("_") and klass.__module__.startswith("helpers")
        )
        if not own:
            continue
        for member, obj in vars(klass).items():
            public = not member.startswith("_") or member == "__call__"
            if (
                public
                and (inspect.isfunction(obj) or isinstance(obj, property))
                and member not in members
            ):
                members.append(member)
    return members


def covered_names() -> set[str]:
    names = set()
    for entry in ENTRIES:
        names.add(entry.name.split("[")[0])
        names.update(entry.covers)
    return names


SHARED_STATE_OK = (str, bytes, int, float, complex, bool, tuple, frozenset, type(None))


def shared_state_cases() -> list[Case]:
    """Every public module-level value that is not a function, class or module: shared
    by every caller, so it must not be changeable."""
    cases = []
    for module_name in MODULES:
        module = importlib.import_module(f"helpers.{module_name}")
        for name, value in vars(module).items():
            if (
                name.startswith("_")
                or inspect.ismodule(value)
                or callable(value)
                and not isinstance(value, Mapping)
            ):
                continue
            if isinstance(value, (*SHARED_STATE_OK, __future__._Feature, types.UnionType)):
                continue
            cases.append(
                scenario(
                    f"{module_name}.{name}",
                    "changed by a caller",
                    "alias",
                    lambda value=value: _frozen(value),
                    check=true,
                )
            )
    for act in ACT.values():
        cases.append(
            scenario(
                f"activations.ACTIVATIONS[{act.name!r}].defaults",
                "changed by a caller",
                "alias",
                lambda act=act: _frozen(act.defaults),
                check=true,
            )
        )
    return cases


def _frozen(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return not value.flags.writeable
    if isinstance(value, Mapping):
        return refuses_writes(value) and not hasattr(value, "__setitem__")
    return False


def all_cases(seed: int = 0) -> list[Case]:
    return [case for entry in ENTRIES for case in entry.cases(seed)] + shared_state_cases()


def test_every_public_entry_point_is_covered() -> None:
    missing = sorted(set(public_entry_points()) - covered_names())
    assert not missing, f"public entry points without a fuzz entry: {missing}"


def test_the_catalogue_names_only_real_entry_points() -> None:
    unknown = sorted(covered_names() - set(public_entry_points()))
    assert not unknown, f"fuzz entries for no public entry point: {unknown}"


def test_no_mutable_shared_state() -> None:
    failures = [str(v) for v in map(run, shared_state_cases()) if v.outcome == "failure"]
    assert not failures, "\n".join(failures)


#: The entries by the module of helpers they call: one test per module.
BY_MODULE: dict[str, list[Entry]] = {}
for _entry in ENTRIES:
    BY_MODULE.setdefault(_entry.name.split(".")[0], []).append(_entry)


@pytest.mark.parametrize("module", sorted(BY_MODULE))
def test_hostile_arguments(module: str) -> None:
    verdicts = [run(case) for entry in BY_MODULE[module] for case in entry.cases()]
    failures = [str(v) for v in verdicts if v.outcome == "failure"]
    assert not failures, f"{len(failures)} of {len(verdicts)} cases failed:\n" + "\n".join(failures)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_hostile_values_drawn_by_hypothesis(data: st.DataObject) -> None:
    entry = data.draw(st.sampled_from([e for e in ENTRIES if e.slots]), label="entry")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    kwargs = entry.kwargs(seed)
    arg = data.draw(st.sampled_from(sorted(entry.slots)), label="argument")
    variant = data.draw(entry.slots[arg].strategy(kwargs[arg]), label="value")
    verdict = run(entry.case({**kwargs, arg: variant.value}, arg, variant))
    HYPOTHESIS_VERDICTS.append(verdict)
    assert verdict.outcome != "failure", str(verdict)


HYPOTHESIS_VERDICTS: list[Any] = []


# --- the engine's own checks: a failure is seen as one ---------------------------------


def test_the_verdicts_can_fail() -> None:
    """Each kind of failure, made on purpose, is classified as a failure."""

    def wrong(x: Any) -> np.ndarray:
        return np.asarray(x) * 0.0

    def mutating(x: np.ndarray) -> np.ndarray:
        x[...] = 0.0
        return x.copy()

    def warns(x: Any) -> Any:
        return np.asarray(x) / 0.0

    def vague(x: Any) -> Any:
        raise ValueError("something went wrong")

    def aliasing(x: np.ndarray) -> np.ndarray:
        return x

    def accepting(x: Any) -> Any:
        return 1.0

    x = Arr(normal(3))
    for fn, variant in (
        (wrong, Variant("valid", "valid", None, "result")),
        (mutating, Variant("valid", "valid", None, "result")),
        (warns, Variant("valid", "valid", None, "result")),
        (aliasing, Variant("valid", "valid", None, "result")),
        (vague, Variant("nan", "nan", None, "error")),
        (accepting, Variant("nan", "nan", None, "error")),
        (lambda x: {}["key"], Variant("nan", "nan", None, "error")),
    ):
        entry = Entry("broken", fn, {"x": x}, oracle=lambda x: long(x), finite=False)
        kwargs = entry.kwargs(0)
        verdict = run(entry.case(kwargs, "x", variant))
        assert verdict.outcome == "failure", (fn.__name__, str(verdict))
    clear = run(
        scenario(
            "broken",
            "named",
            "type",
            lambda: (_ for _ in ()).throw(TypeError("x must be an array")),
            expect="error",
            names=("x",),
        )
    )
    assert clear.outcome == "clear error", str(clear)


def main(argv: list[str]) -> int:
    verdicts = [run(case) for case in all_cases()]
    HYPOTHESIS_VERDICTS.clear()
    try:
        test_hostile_values_drawn_by_hypothesis()
    except Exception:
        pass
    verdicts += list({v.case.title: v for v in HYPOTHESIS_VERDICTS}.values())  # no replays
    text = report(verdicts)
    if "--failures" not in argv:
        text = text.split("\n\n")[0] + "\n\n" + text.split("\n\n")[1]
    print(f"{len(ENTRIES)} entries cover {len(covered_names())} public names\n{text}")
    return 1 if any(v.outcome == "failure" for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

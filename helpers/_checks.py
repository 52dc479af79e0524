"""Argument checks shared by every module: one line at each call site.

Each check returns the argument in the form the caller computes with (a float64
array, a Python float or int, a bool) or raises with a message that names the
argument, says what was expected and shows what came, so that a mistake in a notebook
points at its cause instead of producing a silent wrong answer. A wrong type raises
:class:`ArgumentTypeError`; a wrong value, shape or range raises ``ValueError``; a NaN
or an infinity where finite numbers are needed raises :class:`NonFiniteError`.

The package's one policy for NaN and infinity (each module's docstring repeats the part
that concerns it):

- layers, losses, penalties, clipping, optimisers and training refuse non-finite input
  with a :class:`NonFiniteError` naming the argument, and never return a non-finite
  result for finite input: a result beyond float64's range (about 1.8e308) is refused
  in the same way, naming the argument that is too large;
- elementwise activations follow IEEE arithmetic: NaN in gives NaN out, and +-inf
  give the function's limits there; softmax and its relatives treat -inf as a masked
  entry (see :mod:`helpers.activations`).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type.

    It is both a ``TypeError`` (the usual Python meaning) and a ``ValueError``, so code
    that guards helpers calls with either ``except`` clause catches it, in the same way
    as numpy's ``AxisError`` is both a ``ValueError`` and an ``IndexError``.
    """


class NonFiniteError(ValueError):
    """A NaN or an infinity where finite numbers are needed, in an argument or in a
    result that overflowed float64 (see the module docstring).

    Training (:func:`helpers.experiments.train`) reads it, raised inside the model, the
    loss or the update, as the sign of a run that diverged.
    """


def _kind(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    return type(value).__name__


# --- arrays -------------------------------------------------------------------------


def as_array(x: object, name: str) -> np.ndarray:
    """``np.asarray(x)``, refusing ragged nested lists by name (numpy's own message
    names no argument)."""
    try:
        return np.asarray(x)
    except ValueError as err:
        raise ArgumentTypeError(f"{name} must be a rectangular array; got {err}") from None


def as_float_array(x: object, name: str) -> np.ndarray:
    """Return ``x`` as a float64 array (the same array when it is one), refusing
    non-numeric input by name."""
    if isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, (numbers.Real, Sequence)) and not isinstance(x, (str, bytes)):
        arr = as_array(x, name)
    else:
        raise ArgumentTypeError(
            f"{name} must be a real-valued array or number, got {type(x).__name__}"
        )
    # dtype kinds: "f" floating, "i" signed and "u" unsigned integers; refused are
    # "b" (bool), "c" (complex), "O" (objects), "U"/"S" (strings) and the rest.
    # (A kind test, not np.issubdtype: layers call this on every forward pass.)
    if arr.dtype.kind not in "fiu":
        raise ArgumentTypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def check_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Return ``arr`` if every entry is finite; else name the first NaN or infinity."""
    finite = np.isfinite(arr)
    if not finite.all():
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        at = f" at index {where}" if arr.ndim else ""
        raise NonFiniteError(
            f"{name} must be finite; it holds {arr[where]}{at} "
            f"({int(np.size(finite) - np.count_nonzero(finite))} of {arr.size} entries)"
        )
    return arr


def as_finite_array(x: object, name: str) -> np.ndarray:
    """:func:`as_float_array`, then :func:`check_finite`."""
    return check_finite(as_float_array(x, name), name)


def check_ndim(arr: np.ndarray, name: str, ndims: tuple[int, ...], shape_doc: str) -> None:
    if arr.ndim not in ndims:
        raise ValueError(f"{name} must have shape {shape_doc}, got shape {arr.shape}")


def check_not_empty(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return arr


def check_result(out: np.ndarray, what: str, cause: str) -> np.ndarray:
    """Return a computed array if it is finite; else refuse the input that overflowed.

    what: the result, e.g. ``"Linear(3 -> 2)'s output"``; cause: the argument that
    made it overflow, e.g. ``"x"``.
    """
    if not np.isfinite(out).all():
        raise NonFiniteError(
            f"{what} is not finite (NaN, or beyond float64's range of about 1.8e308): "
            f"{cause} is too large or out of range"
        )
    return out


def as_array_dict(
    arrays: object, name: str, *, in_place: bool = False, finite: bool = True
) -> Mapping[str, np.ndarray]:
    """Check a dict name -> array, as a layer's ``params`` or ``grads`` holds them.

    Every array must be finite (unless ``finite`` is False: the caller checks what it
    computes from them, and names the culprit itself). With ``in_place`` (the caller
    changes the arrays) each must be a writeable float64 numpy array, and no two may
    share memory: an array under two names would be changed twice.
    """
    if not isinstance(arrays, Mapping):
        raise ArgumentTypeError(
            f"{name} must be a dict name -> array (a layer's .{name.split('[')[0]}), "
            f"got {type(arrays).__name__}"
        )
    for key, a in arrays.items():
        if type(a) is np.ndarray and a.dtype == np.float64 and not finite and type(key) is str:
            if in_place and not a.flags.writeable:
                raise ValueError(f"{name}[{key!r}] must be writeable (it is changed in place)")
            continue  # the usual case, checked quickly: a layer's own array
        if not isinstance(key, str):
            raise ArgumentTypeError(f"{name} must be keyed by parameter names, got key {key!r}")
        label = f"{name}[{key!r}]"
        if in_place:
            as_writeable_array(a, label, finite=finite)
        else:
            arr = as_float_array(a, label)
            if finite:
                check_finite(arr, label)
    if in_place:
        check_distinct(arrays, name)
    return arrays


def as_writeable_array(a: object, name: str, *, finite: bool = True) -> np.ndarray:
    """An array the caller changes in place: a writeable, finite float64 numpy array.
    (An integer array would silently truncate what is written into it.)"""
    if not (isinstance(a, np.ndarray) and a.dtype == np.float64):
        raise ArgumentTypeError(
            f"{name} must be a float64 numpy array (it is changed in place), got {_kind(a)}"
        )
    if not a.flags.writeable:
        raise ValueError(f"{name} must be writeable (it is changed in place)")
    return check_finite(a, name) if finite else a


def check_distinct(arrays: Mapping[str, np.ndarray], name: str) -> None:
    """Refuse two names whose arrays share memory.

    The arrays' memory spans are sorted by start, so only neighbours whose spans
    overlap are compared exactly: n log n, where comparing every pair would be n^2.
    """
    spans = sorted((*_span(a), key) for key, a in arrays.items() if a.size)
    active: list[tuple[int, str]] = []  # (end, key) of the spans that reach this start
    for start, end, key in spans:
        active = [(e, other) for e, other in active if e > start]
        for _, other in active:
            if np.shares_memory(arrays[key], arrays[other]):
                raise ValueError(
                    f"{name}[{key!r}] and {name}[{other!r}] share memory; each name "
                    "needs an array of its own, or it would be updated twice"
                )
        active.append((end, key))


def _span(a: np.ndarray) -> tuple[int, int]:
    """The first and one past the last byte an array's entries occupy."""
    start = end = a.__array_interface__["data"][0]
    for size, stride in zip(a.shape, a.strides, strict=True):
        reach = (size - 1) * stride
        start, end = (start + reach, end) if reach < 0 else (start, end + reach)
    return start, end + a.itemsize


# --- scalars ------------------------------------------------------------------------


def as_real(value: object, name: str) -> float:
    """Return a Python float for a finite real scalar, refusing bools, strings and arrays."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be a real number, got {type(value).__name__}")
    out = float(value)
    if not np.isfinite(out):
        raise NonFiniteError(f"{name} must be finite, got {out}")
    return out


def as_positive(value: object, name: str) -> float:
    out = as_real(value, name)
    if out <= 0:
        raise ValueError(f"{name} must be positive, got {out}")
    return out


def as_nonnegative(value: object, name: str) -> float:
    out = as_real(value, name)
    if out < 0:
        raise ValueError(f"{name} must be >= 0, got {out}")
    return out


def as_fraction(value: object, name: str, *, one: bool = False) -> float:
    """A real number in [0, 1), or in [0, 1] with ``one``."""
    out = as_real(value, name)
    if not (0.0 <= out <= 1.0 if one else 0.0 <= out < 1.0):
        raise ValueError(f"{name} must be in [0, 1{']' if one else ')'}, got {out}")
    return out


def as_int(value: object, name: str, minimum: int | None = None) -> int:
    """Return a Python int for an integer (numpy integers too, never a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{name} must be an integer, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def as_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def as_bool(value: object, name: str) -> bool:
    """Return a bool, refusing anything else ("no" and 0 are not False here)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def as_str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a string, got {type(value).__name__}")
    return value


def as_choice(value: object, name: str, choices: Collection[str]) -> str:
    """A string among ``choices``; the message lists them."""
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a string, got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def as_callable(value: T, name: str, what: str = "a function") -> T:
    if not callable(value):
        raise ArgumentTypeError(f"{name} must be {what}, got {value!r}")
    return value


def as_instance(value: object, name: str, kind: type[T], what: str) -> T:
    if not isinstance(value, kind):
        raise ArgumentTypeError(f"{name} must be {what}, got {type(value).__name__}")
    return value


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ArgumentTypeError(
            f"{name} must be a numpy Generator such as np.random.default_rng(0), "
            f"got {type(rng).__name__}"
        )
    return rng


def optional(check: Callable[..., T], value: object, *args: Any, **kwargs: Any) -> T | None:
    """``check(value, ...)``, or None when value is None."""
    return None if value is None else check(value, *args, **kwargs)

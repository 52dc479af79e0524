"""Argument checks shared by every module.

Each check raises with a message that names the argument and says what was expected,
so that a mistake in a notebook points at its cause instead of producing a silent
wrong answer.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type.

    It is both a ``TypeError`` (the usual Python meaning) and a ``ValueError``, so code
    that guards helpers calls with either ``except`` clause catches it, in the same way
    as numpy's ``AxisError`` is both a ``ValueError`` and an ``IndexError``.
    """


def as_float_array(x: object, name: str) -> np.ndarray:
    """Return ``x`` as a float64 array, refusing non-numeric input by name."""
    if isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, (numbers.Real, Sequence)) and not isinstance(x, (str, bytes)):
        try:
            arr = np.asarray(x)
        except ValueError as err:  # ragged nested lists
            raise ArgumentTypeError(f"{name} must be a real-valued array; got {err}") from None
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


def check_finite(arr: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; it contains NaN or infinity")


def check_ndim(arr: np.ndarray, name: str, ndims: tuple[int, ...], shape_doc: str) -> None:
    if arr.ndim not in ndims:
        raise ValueError(f"{name} must have shape {shape_doc}, got shape {arr.shape}")


def as_real(value: object, name: str) -> float:
    """Return a Python float for a real scalar, refusing bools, strings and arrays."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be a real number, got {type(value).__name__}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    return out


def as_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ArgumentTypeError(
            f"{name} must be a numpy Generator such as np.random.default_rng(0), "
            f"got {type(rng).__name__}"
        )
    return rng

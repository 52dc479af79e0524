"""The explorers' two caches: artists kept between frames, and the last result of a
computation that a frame's picture and its alt text both need."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
from matplotlib.figure import Figure


def reuse(fig: Figure, key: str, build: Callable[[Figure], dict[str, Any]]) -> dict[str, Any]:
    """The artists that ``build(fig)`` made on an earlier call with the same key.

    A draw function builds its axes and lines once and afterwards only updates their
    data, which is several times faster than drawing from scratch: a live slider
    then redraws in tens of milliseconds. The figure must still depend on the
    parameters alone; the tests check this by comparing a reused figure's PNG with a
    fresh one's, byte for byte.
    """
    cache = fig.__dict__.setdefault("_nnfb_artists", {})
    if key not in cache or not fig.axes:
        fig.clear()
        fig.subplots_adjust(**fig.__dict__.get("_nnfb_margins", {}))
        cache.clear()
        cache[key] = build(fig)
    return cache[key]


#: Argument types a remembered call is keyed by; anything else is never remembered.
_SCALARS = (bool, int, float, str, type(None), np.bool_, np.integer, np.floating)


def _key(value: Any) -> Hashable:
    """A key equal for two arguments only when they are the same value of the same type
    (so ``True`` and ``1``, or ``1`` and ``1.0``, are different calls). TypeError for an
    argument that is not a plain scalar or a tuple or list of them."""
    if isinstance(value, _SCALARS):
        return (type(value).__name__, value)
    if isinstance(value, tuple | list):
        return (type(value).__name__, tuple(_key(item) for item in value))
    raise TypeError(f"no key for {type(value).__name__}")


def _frozen(value: Any) -> Any:
    """value, with its arrays read-only and its lists and tuples copied."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, list | tuple):
        return type(value)(_frozen(item) for item in value)
    return value


def last_result(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn``, remembering the result of its last call: the same arguments again (the
    same values of the same types) return it without recomputing.

    A static frame calls its explorer's computation twice, once to draw it and once to
    describe it in the alt text; with this the second call is free. Arrays in the
    result are made read-only and its lists and tuples are copies, so a caller cannot
    change what a later call returns. A call whose arguments are not plain scalars is
    not remembered, and arguments that fn refuses raise as before.
    """
    last: list[Any] = []  # [key, result] once fn has returned

    @functools.wraps(fn)
    def remembered(*args: Any, **kwargs: Any) -> Any:
        try:
            key: Hashable = (_key(args), _key(sorted(kwargs.items())))
        except TypeError:
            return _frozen(fn(*args, **kwargs))
        if not (last and last[0] == key):
            last[:] = [key, fn(*args, **kwargs)]
        return _frozen(last[1])

    return remembered

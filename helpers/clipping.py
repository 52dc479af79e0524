"""Gradient clipping: keep one exploding step from wrecking a training run.

Both functions take the gradients as a dict name -> array, as a layer's ``grads``
holds them (any shapes), change the arrays **in place** and return the global norm
the gradients had *before* clipping, as common frameworks do. The global norm treats
all the arrays as one long vector:

    ||g|| = sqrt(sum over arrays a of sum(a ** 2)).

- :func:`clip_by_value` clips every entry to [-clip_value, clip_value]. It bounds each
  entry, but it can turn the gradient's direction.
- :func:`clip_by_norm` rescales all the arrays by one common factor
  ``max_norm / ||g||`` when ``||g|| > max_norm``, so the direction is kept and the
  new global norm is ``max_norm``.

Pass ``model.grads`` after a backward pass: its arrays are the layers' own gradient
arrays, so clipping them in place clips what the optimiser then uses.

The norm is computed on the gradients scaled by a power of two that brings their
largest entry near 1, so neither 1e200 (whose square overflows) nor 1e-200 (whose
square underflows to 0) upsets it; the scaling is exact, so ordinary gradients get the
textbook formula's value bit for bit. Like the rest of the training machinery, these
functions refuse NaN and infinity with a ValueError naming the array, refuse a dict in
which two names share one array (it would be clipped twice), and refuse a norm beyond
float64's range (about 1.8e308).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ._checks import NonFiniteError, as_array_dict, as_float_array, as_positive

Array = np.ndarray


#: Where the plain sum of squares is exact enough: nothing overflowed, and what
#: underflowed is below its last bit.
_PLAIN = (2.0**-900, 2.0**900)


def _scaled_norm(grads: Mapping[str, Array]) -> tuple[float, int]:
    """(r, k) with ||g|| = r * 2**k.

    Usually k = 0 and r is the plain sqrt(sum of squares). When that sum overflows or
    underflows (or holds NaN, which is refused here, by name), r is computed on
    g * 2**-k, whose largest |entry| is in [0.5, 1): exact, since k is a power of two.
    """
    arrays = [g if g.dtype == np.float64 else as_float_array(g, "grads") for g in grads.values()]
    with np.errstate(over="ignore"):
        total = sum(float(np.sum(g * g)) for g in arrays)
    if _PLAIN[0] < total < _PLAIN[1]:
        return math.sqrt(total), 0
    as_array_dict(grads, "grads")  # a NaN or an infinity is refused by name
    largest = max((float(np.max(np.abs(g), initial=0.0)) for g in arrays), default=0.0)
    if largest == 0.0:
        return 0.0, 0
    k = math.frexp(largest)[1]
    total = sum(float(np.sum(np.square(np.ldexp(g, -k)))) for g in arrays)
    return math.sqrt(total), k


def _norm(grads: Mapping[str, Array]) -> float:
    """:func:`global_norm` of gradients known to be a dict of float64 arrays (a model's
    own), inside an errstate that ignores overflow: training's step."""
    return _norm_value(*_scaled_norm(grads))


def _norm_value(r: float, k: int) -> float:
    try:
        return math.ldexp(r, k)
    except OverflowError:
        raise NonFiniteError(
            "the global norm of grads overflows float64 (beyond about 1.8e308): grads are too large"
        ) from None


def global_norm(grads: Mapping[str, Array]) -> float:
    """The L2 norm of all the arrays in ``grads`` taken together (0 for an empty dict).

    grads: dict name -> array of any shape, finite.
    Raises ValueError if any entry is NaN or infinite: such a gradient cannot be
    rescaled into a finite one, and training should stop rather than go on silently.
    """
    grads = as_array_dict(grads, "grads", finite=False)  # _scaled_norm tells NaN
    return _norm_value(*_scaled_norm(grads))


def clip_by_value(grads: Mapping[str, Array], clip_value: float) -> float:
    """Clip every entry of every array in ``grads`` to [-clip_value, clip_value], in place.

    grads: dict name -> float64 array of any shape, finite, each its own array.
    clip_value: a positive number.
    returns: the global norm of ``grads`` before clipping.
    """
    clip_value = as_positive(clip_value, "clip_value")
    grads = as_array_dict(grads, "grads", in_place=True, finite=False)
    norm = _norm_value(*_scaled_norm(grads))
    for g in grads.values():
        np.clip(g, -clip_value, clip_value, out=g)
    return norm


def clip_by_norm(grads: Mapping[str, Array], max_norm: float) -> float:
    """Rescale all of ``grads`` in place so that their global norm is at most ``max_norm``.

    grads: dict name -> float64 array of any shape, finite, each its own array.
    max_norm: a positive number. If the global norm ||g|| exceeds it, every array is
        multiplied by max_norm / ||g||; otherwise nothing changes.
    returns: the global norm of ``grads`` before clipping.
    """
    max_norm = as_positive(max_norm, "max_norm")
    grads = as_array_dict(grads, "grads", in_place=True, finite=False)
    r, k = _scaled_norm(grads)
    norm = _norm_value(r, k)
    if norm > max_norm:
        # max_norm / norm = factor * 2**(e - k), with factor near 1: the factor itself
        # cannot underflow, and the power of two is applied exactly.
        mantissa, e = math.frexp(max_norm)
        factor = mantissa / r
        for g in grads.values():
            np.multiply(g, factor, out=g)
            np.ldexp(g, e - k, out=g)
    return norm

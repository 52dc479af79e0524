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
arrays, so clipping them in place clips what ``sgd_step`` then uses.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._checks import ArgumentTypeError, as_real

Array = np.ndarray


def _check_grads(grads: object) -> Mapping[str, Array]:
    if not isinstance(grads, Mapping):
        raise ArgumentTypeError(
            f"grads must be a dict name -> array (a layer's .grads), got {type(grads).__name__}"
        )
    for name, g in grads.items():
        if not isinstance(g, np.ndarray) or g.dtype != np.float64:
            raise ArgumentTypeError(
                f"grads[{name!r}] must be a float64 numpy array (it is clipped in place), "
                f"got {type(g).__name__}{' ' + str(g.dtype) if isinstance(g, np.ndarray) else ''}"
            )
    return grads


def _check_threshold(value: object, name: str) -> float:
    threshold = as_real(value, name)
    if threshold <= 0:
        raise ValueError(f"{name} must be a positive number, got {threshold}")
    return threshold


def global_norm(grads: Mapping[str, Array]) -> float:
    """The L2 norm of all the arrays in ``grads`` taken together (0 for an empty dict).

    grads: dict name -> array of any shape.
    Raises ValueError if any entry is NaN or infinite: such a gradient cannot be
    rescaled into a finite one, and training should stop rather than go on silently.
    """
    grads = _check_grads(grads)
    total = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
    if not np.isfinite(total):
        raise ValueError("grads must be finite; their global norm is NaN or infinite")
    return total


def clip_by_value(grads: Mapping[str, Array], clip_value: float) -> float:
    """Clip every entry of every array in ``grads`` to [-clip_value, clip_value], in place.

    grads: dict name -> float64 array of any shape.
    clip_value: a positive number.
    returns: the global norm of ``grads`` before clipping.
    """
    clip_value = _check_threshold(clip_value, "clip_value")
    norm = global_norm(grads)
    for g in grads.values():
        np.clip(g, -clip_value, clip_value, out=g)
    return norm


def clip_by_norm(grads: Mapping[str, Array], max_norm: float) -> float:
    """Rescale all of ``grads`` in place so that their global norm is at most ``max_norm``.

    grads: dict name -> float64 array of any shape.
    max_norm: a positive number. If the global norm ||g|| exceeds it, every array is
        multiplied by max_norm / ||g||; otherwise nothing changes.
    returns: the global norm of ``grads`` before clipping.
    """
    max_norm = _check_threshold(max_norm, "max_norm")
    norm = global_norm(grads)
    if norm > max_norm:
        scale = max_norm / norm
        for g in grads.values():
            g *= scale
    return norm

"""Learning-rate schedules: the factor by which each step of a run scales the rate.

A schedule maps the step t = 0, 1, 2, ... of a run to a factor s(t) > 0; step t then
moves with the learning rate ``lr * s(t)``, where ``lr`` is the rate given to
:func:`helpers.experiments.train` (or :func:`helpers.experiments.descend`) with
``schedule=``. The factors are at most 1, so ``lr`` is the peak rate:

- :class:`Constant`: s(t) = 1, the rate of a run without a schedule;
- :class:`StepDecay` (milestones, factor): s(t) = factor ** k, where k is the number of
  milestones at or before t: the rate drops by ``factor`` at each milestone;
- :class:`Cosine` (total_steps T, final): s(t) = final + (1 - final) (1 + cos(pi t / T)) / 2
  for t = 0 .. T - 1, half a cosine from 1 down towards ``final`` (the annealing of
  Loshchilov and Hutter's SGDR, 2017, without its restarts);
- :class:`Warmup` (steps W, then): s(t) = (t + 1) / W for t < W, a linear ramp up to 1
  (the gradual warm-up of Goyal et al., 2017), then ``then`` from its own step 0:
  s(t) = then(t - W).

Every schedule is a callable object, ``schedule(t) -> float``, with a ``__repr__`` and
``total_steps``: the number of steps it defines (None when it goes on for ever). A step
beyond them, or one that is not a non-negative integer, is a ValueError or TypeError
naming ``step``; :func:`helpers.experiments.train` checks a run's length against
``total_steps`` before its first step. ``values(n)`` returns the factors of steps
0 .. n - 1 as an array, for plots.

Any callable ``step -> factor`` can serve as a schedule too: training checks each
factor it gets (a positive, finite number) and names the schedule when one is not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ._checks import ArgumentTypeError, as_fraction, as_int, as_positive_int, as_real

Array = np.ndarray

__all__ = ["Constant", "Cosine", "Schedule", "StepDecay", "Warmup"]


@runtime_checkable
class Schedule(Protocol):
    """What :func:`helpers.experiments.train` needs from a schedule."""

    def __call__(self, step: int) -> float:
        """The factor s(step) > 0 on the peak learning rate at this step (0, 1, ...)."""
        ...


class _Schedule:
    """The bookkeeping every schedule shares: the step's checks and ``values``."""

    #: Steps the schedule defines (0 .. total_steps - 1); None: every step.
    total_steps: int | None = None

    def __call__(self, step: int) -> float:
        step = as_int(step, "step", minimum=0)
        if self.total_steps is not None and step >= self.total_steps:
            raise ValueError(
                f"step must be below total_steps = {self.total_steps} of {self!r}, got {step}; "
                "give the schedule as many steps as the run takes"
            )
        return self._factor(step)

    def _factor(self, step: int) -> float:
        """s(step), for a valid step."""
        raise NotImplementedError

    def values(self, steps: int) -> Array:
        """The factors of steps 0 .. steps - 1: (steps,) float64."""
        steps = as_positive_int(steps, "steps")
        return np.array([self(t) for t in range(steps)], dtype=np.float64)


class Constant(_Schedule):
    """s(t) = 1 at every step: the peak rate throughout."""

    def _factor(self, step: int) -> float:
        return 1.0

    def __repr__(self) -> str:
        return "Constant()"


class StepDecay(_Schedule):
    """s(t) = factor ** k, with k the number of milestones <= t.

    milestones: the steps at which the rate drops, increasing positive integers.
    factor: in (0, 1], the drop at each milestone (0.1 divides the rate by 10).
    """

    def __init__(self, milestones: Sequence[int], factor: float = 0.1) -> None:
        if isinstance(milestones, str | bytes) or not isinstance(milestones, Sequence):
            raise ArgumentTypeError(
                f"milestones must be a list of steps, got {type(milestones).__name__}"
            )
        self.milestones = tuple(
            as_positive_int(m, f"milestones[{i}]") for i, m in enumerate(milestones)
        )
        if not self.milestones or any(
            b <= a for a, b in zip(self.milestones, self.milestones[1:], strict=False)
        ):
            raise ValueError(
                f"milestones must be one or more increasing steps, got {list(milestones)!r}"
            )
        self.factor = as_real(factor, "factor")
        if not 0.0 < self.factor <= 1.0:
            raise ValueError(f"factor must be in (0, 1], got {self.factor}")

    def _factor(self, step: int) -> float:
        passed = sum(m <= step for m in self.milestones)
        return self.factor**passed

    def __repr__(self) -> str:
        return f"StepDecay(milestones={list(self.milestones)}, factor={self.factor:g})"


class Cosine(_Schedule):
    """s(t) = final + (1 - final) (1 + cos(pi t / T)) / 2 for t = 0 .. T - 1.

    total_steps: T, the steps of the run; the last one, T - 1, still has a positive
        factor even with final = 0.
    final: in [0, 1], where the half cosine would end at t = T.
    """

    def __init__(self, total_steps: int, final: float = 0.0) -> None:
        self.length = as_positive_int(total_steps, "total_steps")
        self.total_steps = self.length
        self.final = as_fraction(final, "final", one=True)

    def _factor(self, step: int) -> float:
        half_cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.length))
        return self.final + (1.0 - self.final) * half_cosine

    def __repr__(self) -> str:
        return f"Cosine(total_steps={self.length}, final={self.final:g})"


class Warmup(_Schedule):
    """s(t) = (t + 1) / steps for t < steps, then ``then(t - steps)``.

    steps: the length W of the linear ramp, a positive integer; its last step has
        factor 1.
    then: the schedule after the ramp, counted from its own step 0 (Constant() by
        default); ``Warmup(W, Cosine(T - W))`` covers a run of T steps.
    """

    def __init__(self, steps: int, then: _Schedule | None = None) -> None:
        self.steps = as_positive_int(steps, "steps")
        then = Constant() if then is None else then
        if not isinstance(then, _Schedule):
            raise ArgumentTypeError(
                f"then must be a schedule of helpers.schedules (Constant(), Cosine(...)), "
                f"got {type(then).__name__}"
            )
        self.then = then
        after = then.total_steps
        self.total_steps = None if after is None else self.steps + after

    def _factor(self, step: int) -> float:
        if step < self.steps:
            return (step + 1) / self.steps
        return self.then(step - self.steps)

    def __repr__(self) -> str:
        return f"Warmup(steps={self.steps}, then={self.then!r})"

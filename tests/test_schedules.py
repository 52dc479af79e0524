"""Tests for helpers.schedules: each schedule against its formula written out, their
composition, the steps they cover, and the errors that name the argument."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import schedules
from helpers.schedules import Constant, Cosine, StepDecay, Warmup


@pytest.mark.parametrize(
    "schedule",
    [Constant(), StepDecay([3]), Cosine(10), Warmup(2), Warmup(2, Cosine(5))],
    ids=repr,
)
def test_every_schedule_follows_the_protocol_and_names_itself(schedule):
    assert isinstance(schedule, schedules.Schedule)
    assert type(schedule).__name__ in repr(schedule)
    assert isinstance(schedule(0), float)


def test_constant_is_one_at_every_step():
    np.testing.assert_array_equal(Constant().values(50), np.ones(50))
    assert Constant().total_steps is None and Constant()(10**9) == 1.0


def test_step_decay_drops_by_the_factor_at_each_milestone():
    values = StepDecay([3, 5], factor=0.5).values(7)
    np.testing.assert_array_equal(values, [1, 1, 1, 0.5, 0.5, 0.25, 0.25])
    np.testing.assert_allclose(StepDecay([1, 2, 3]).values(4), [1, 0.1, 0.01, 0.001])


def test_cosine_is_the_half_cosine_written_out():
    total, final = 40, 0.1
    t = np.arange(total)
    expected = final + (1 - final) * 0.5 * (1 + np.cos(np.pi * t / total))
    np.testing.assert_allclose(Cosine(total, final).values(total), expected, rtol=1e-15)
    values = Cosine(total).values(total)
    assert values[0] == 1.0 and 0 < values[-1] < 0.01  # the last step still moves
    assert np.all(np.diff(values) < 0)
    assert Cosine(total).total_steps == total


def test_warmup_ramps_linearly_then_hands_over_counting_from_zero():
    after = Cosine(6)
    warm = Warmup(4, after)
    values = warm.values(10)
    np.testing.assert_allclose(values[:4], [0.25, 0.5, 0.75, 1.0])
    np.testing.assert_array_equal(values[4:], after.values(6))
    assert warm.total_steps == 10
    assert Warmup(4).total_steps is None and Warmup(4)(100) == 1.0


@given(st.integers(1, 500), st.floats(0.0, 1.0), st.integers(1, 50))
def test_factors_are_positive_and_at_most_one(total, final, warm):
    values = Warmup(warm, Cosine(total, final)).values(warm + total)
    assert np.all(values > 0) and np.all(values <= 1.0)
    assert values[warm - 1] == 1.0


def test_a_step_beyond_the_schedule_is_a_clear_error():
    with pytest.raises(ValueError, match=r"step must be below total_steps = 10 of Cosine"):
        Cosine(10)(10)
    with pytest.raises(ValueError, match=r"step must be below total_steps = 7"):
        Warmup(2, Cosine(5))(7)
    with pytest.raises(ValueError, match="step must be an integer >= 0"):
        Constant()(-1)
    with pytest.raises(TypeError, match="step must be an integer, got float"):
        Constant()(1.5)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        Constant().values(0)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: StepDecay([]), ValueError, "milestones must be one or more increasing"),
        (lambda: StepDecay([5, 3]), ValueError, "milestones must be one or more increasing"),
        (lambda: StepDecay([0]), ValueError, r"milestones\[0\] must be a positive integer"),
        (lambda: StepDecay([2.5]), TypeError, r"milestones\[0\] must be an integer"),
        (lambda: StepDecay(3), TypeError, "milestones must be a list of steps"),
        (lambda: StepDecay("12"), TypeError, "milestones must be a list of steps"),
        (lambda: StepDecay([3], factor=0.0), ValueError, r"factor must be in \(0, 1\]"),
        (lambda: StepDecay([3], factor=math.nan), ValueError, "factor must be finite"),
        (lambda: Cosine(0), ValueError, "total_steps must be a positive integer"),
        (lambda: Cosine(10, final=1.5), ValueError, r"final must be in \[0, 1\]"),
        (lambda: Warmup(0), ValueError, "steps must be a positive integer"),
        (lambda: Warmup(3, then=lambda t: 1.0), TypeError, "then must be a schedule"),
    ],
)
def test_bad_arguments_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make()

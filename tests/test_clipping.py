"""Tests for helpers.clipping: norms after clipping, directions kept, clear errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import clipping

SHAPES = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 5)), min_size=1, max_size=4)


def _grads(shapes, seed, scale):
    rng = np.random.default_rng(seed)
    return {f"g{i}": scale * rng.standard_normal(shape) for i, shape in enumerate(shapes)}


def _independent_norm(grads):
    flat = np.concatenate([g.ravel() for g in grads.values()])
    return float(np.sqrt(np.dot(flat, flat)))


@settings(deadline=None, max_examples=50)
@given(
    shapes=SHAPES,
    seed=st.integers(0, 2**16),
    scale=st.floats(1e-3, 1e3),
    max_norm=st.floats(1e-2, 1e2),
)
def test_clip_by_norm_caps_the_global_norm_and_keeps_the_direction(shapes, seed, scale, max_norm):
    grads = _grads(shapes, seed, scale)
    before = {k: g.copy() for k, g in grads.items()}
    expected_before = _independent_norm(before)
    returned = clipping.clip_by_norm(grads, max_norm)
    after = _independent_norm(grads)
    assert returned == pytest.approx(expected_before, rel=1e-12), (returned, expected_before)
    if expected_before > max_norm:
        assert after == pytest.approx(max_norm, rel=1e-12), (after, max_norm)
        factor = max_norm / expected_before
        for k in grads:  # one common factor: the direction is unchanged
            np.testing.assert_allclose(grads[k], factor * before[k], rtol=1e-12, atol=0)
    else:
        for k in grads:
            np.testing.assert_array_equal(grads[k], before[k])


@settings(deadline=None, max_examples=50)
@given(
    shapes=SHAPES,
    seed=st.integers(0, 2**16),
    scale=st.floats(1e-3, 1e3),
    clip_value=st.floats(1e-2, 1e2),
)
def test_clip_by_value_bounds_every_entry(shapes, seed, scale, clip_value):
    grads = _grads(shapes, seed, scale)
    before = {k: g.copy() for k, g in grads.items()}
    returned = clipping.clip_by_value(grads, clip_value)
    assert returned == pytest.approx(_independent_norm(before), rel=1e-12)
    for k, g in grads.items():
        expected = np.array([min(max(v, -clip_value), clip_value) for v in before[k].ravel()])
        np.testing.assert_array_equal(g.ravel(), expected, err_msg=f"{k}: {g} vs {expected}")
        assert np.all(np.abs(g) <= clip_value)


def test_clipping_a_model_clips_the_gradients_sgd_uses():
    from helpers import layers

    rng = np.random.default_rng(0)
    model = layers.Sequential(
        layers.Linear(3, 4, rng=rng), layers.Tanh(), layers.Linear(4, 2, rng=rng)
    )
    model.forward(rng.standard_normal((5, 3)))
    model.backward(100.0 * rng.standard_normal((5, 2)))
    clipping.clip_by_norm(model.grads, 0.5)
    assert clipping.global_norm(model.grads) == pytest.approx(0.5, rel=1e-12)
    assert np.linalg.norm(model.layers[0].grads["W"]) <= 0.5


def test_global_norm_of_an_example():
    grads = {"a": np.array([3.0]), "b": np.array([[4.0, 0.0]])}
    assert clipping.global_norm(grads) == pytest.approx(5.0, rel=1e-15)
    assert clipping.global_norm({}) == 0.0


@pytest.mark.parametrize("func", [clipping.clip_by_norm, clipping.clip_by_value])
@pytest.mark.parametrize("threshold", [0.0, -1.0, -1e-9])
def test_non_positive_threshold_is_a_clear_error(func, threshold):
    grads = {"W": np.ones((2, 2))}
    with pytest.raises(ValueError, match="must be positive"):
        func(grads, threshold)
    np.testing.assert_array_equal(grads["W"], np.ones((2, 2)))


@pytest.mark.parametrize("func", [clipping.clip_by_norm, clipping.clip_by_value])
def test_bad_inputs_are_clear_errors(func):
    with pytest.raises(ValueError, match="must be finite"):
        func({"W": np.ones(2)}, float("nan"))
    with pytest.raises(TypeError, match="real number"):
        func({"W": np.ones(2)}, "1.0")
    with pytest.raises(TypeError, match="dict name -> array"):
        func([np.ones(2)], 1.0)
    with pytest.raises(TypeError, match="float64 numpy array"):
        func({"W": [1.0, 2.0]}, 1.0)
    with pytest.raises(TypeError, match="float64 numpy array"):
        func({"W": np.ones(2, dtype=np.float32)}, 1.0)
    with pytest.raises(ValueError, match="must be finite"):
        func({"W": np.array([1.0, np.inf])}, 1.0)


# --- huge and tiny gradients, aliasing ---------------------------------------------------


def test_clip_by_norm_scales_before_squaring():
    grads = {"W": np.array([1e200, 1e200])}
    norm = clipping.clip_by_norm(grads, 1.0)
    assert norm == pytest.approx(np.sqrt(2) * 1e200, rel=1e-15)
    np.testing.assert_allclose(grads["W"], [2**-0.5, 2**-0.5], rtol=1e-15)


def test_global_norm_neither_overflows_nor_underflows():
    assert clipping.global_norm({"W": np.array([1e-200])}) == 1e-200
    assert clipping.global_norm({"W": np.array([3e-200]), "b": np.array([4e-200])}) == (
        pytest.approx(5e-200, rel=1e-15)
    )
    assert clipping.global_norm({"W": np.array([3e300, 4e300])}) == pytest.approx(5e300)
    with pytest.raises(ValueError, match="overflows"):
        clipping.global_norm({"W": np.full(4, 1.7e308)})


def test_the_scaled_norm_gives_the_textbook_bits(rng):
    """Scaling by a power of two is exact: ordinary gradients get the plain formula's bits."""
    for scale in (1e-6, 1.0, 3e4):
        grads = {"W": scale * rng.standard_normal((5, 3)), "b": scale * rng.standard_normal(3)}
        plain = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
        assert clipping.global_norm(grads) == plain
        max_norm = 0.5 * plain
        expected = {k: g * (max_norm / plain) for k, g in grads.items()}
        clipping.clip_by_norm(grads, max_norm)
        for k in grads:
            np.testing.assert_array_equal(grads[k], expected[k])


@pytest.mark.parametrize("func", [clipping.clip_by_norm, clipping.clip_by_value])
def test_one_array_under_two_names_is_refused(func):
    a = np.array([3.0, 4.0])
    with pytest.raises(ValueError, match="share memory"):
        func({"a": a, "b": a}, 1.0)
    np.testing.assert_array_equal(a, [3.0, 4.0])

"""Tests for helpers.data: shapes, dtypes, determinism, geometry and argument errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import data

CLASSIFICATION = {
    "xor": (lambda n, rng, noise: data.xor(n, rng, noise=noise), 4),
    "spirals": (lambda n, rng, noise: data.spirals(n, rng, noise=noise), 2),
    "moons": (lambda n, rng, noise: data.moons(n, rng, noise=noise), 2),
}


@pytest.mark.parametrize("name", sorted(CLASSIFICATION))
@settings(deadline=None, max_examples=30)
@given(n=st.integers(1, 60), noise=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_classification_shapes_and_labels(name, n, noise, seed):
    make, blocks = CLASSIFICATION[name]
    X, y = make(n, np.random.default_rng(seed), noise)
    assert X.shape == (blocks * n, 2), X.shape
    assert y.shape == (blocks * n,), y.shape
    assert X.dtype == np.float64 and np.issubdtype(y.dtype, np.integer)
    assert np.all(np.isfinite(X))
    # every class appears equally often
    counts = np.bincount(y)
    assert np.all(counts == counts[0]), counts


@settings(deadline=None, max_examples=30)
@given(n=st.integers(1, 60), noise=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_regression_shapes_and_sorted(n, noise, seed):
    X, y = data.regression_1d(n, np.random.default_rng(seed), noise=noise)
    assert X.shape == (n, 1) and y.shape == (n,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert np.all(np.diff(X[:, 0]) >= 0), "x must be sorted"
    assert np.all((X >= -3.0) & (X < 3.0))


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: data.xor(5, rng),
        lambda rng: data.spirals(7, rng, n_classes=3),
        lambda rng: data.moons(6, rng),
        lambda rng: data.regression_1d(9, rng),
        lambda rng: data.sine_of_first(9, rng, d=4),
    ],
    ids=["xor", "spirals", "moons", "regression_1d", "sine_of_first"],
)
def test_same_seed_same_data_other_seed_other_data(make):
    X1, y1 = make(np.random.default_rng(7))
    X2, y2 = make(np.random.default_rng(7))
    X3, _ = make(np.random.default_rng(8))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3), "a different seed should give different data"


def test_xor_without_noise_is_the_truth_table():
    X, y = data.xor(1, np.random.default_rng(0), noise=0.0)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    expected = np.logical_xor(X[:, 0], X[:, 1]).astype(int)
    np.testing.assert_array_equal(y, expected)


def test_xor_labels_follow_nearest_corner():
    X, y = data.xor(50, np.random.default_rng(1), noise=0.1)
    corner = np.rint(np.clip(X, 0, 1)).astype(int)
    agree = np.mean(np.logical_xor(corner[:, 0], corner[:, 1]).astype(int) == y)
    assert agree > 0.95, f"only {agree:.3f} of points lie nearest a corner of their class"


def test_spirals_without_noise_lie_on_their_arm():
    n, k, turns = 40, 3, 1.0
    X, y = data.spirals(n, np.random.default_rng(0), n_classes=k, noise=0.0, turns=turns)
    radius = np.hypot(X[:, 0], X[:, 1])
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * (turns * radius + y / k)
    # compare angles on the circle, independent of the 2 pi wrap
    gap = np.abs(np.angle(np.exp(1j * (angle - expected))))
    assert gap.max() < 1e-12, gap.max()
    assert radius.max() <= 1.0 + 1e-12


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = data.moons(30, np.random.default_rng(0), noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5)


def test_regression_without_noise_is_the_function():
    X, y = data.regression_1d(25, np.random.default_rng(0), noise=0.0, fn=np.cos, low=0, high=1)
    np.testing.assert_allclose(y, np.cos(X[:, 0]), rtol=0, atol=1e-15)


def test_regression_noise_has_the_requested_spread():
    X, y = data.regression_1d(4000, np.random.default_rng(3), noise=0.5)
    spread = np.std(y - np.sin(X[:, 0]))
    assert abs(spread - 0.5) < 0.03, f"noise std {spread:.4f}, expected 0.5"


@settings(deadline=None, max_examples=30)
@given(n=st.integers(1, 60), d=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_sine_of_first_is_sin_3x1_of_standard_normal_inputs(n, d, seed):
    X, y = data.sine_of_first(n, np.random.default_rng(seed), d=d)
    assert X.shape == (n, d) and y.shape == (n, 1)
    assert X.dtype == np.float64 and y.dtype == np.float64
    # the inputs are the generator's first n * d standard normal draws, row by row
    np.testing.assert_array_equal(X, np.random.default_rng(seed).standard_normal((n, d)))
    np.testing.assert_array_equal(y[:, 0], np.sin(3.0 * X[:, 0]))


def test_sine_of_first_defaults_to_32_features():
    X, y = data.sine_of_first(4, np.random.default_rng(0))
    assert X.shape == (4, 32) and y.shape == (4, 1)


BAD_SIZES = [0, -3, 2.5, True, "4", None]


@pytest.mark.parametrize("bad", BAD_SIZES)
@pytest.mark.parametrize(
    ("make", "arg"),
    [
        (lambda n, rng: data.xor(n, rng), "n_per_corner"),
        (lambda n, rng: data.spirals(n, rng), "n_per_class"),
        (lambda n, rng: data.moons(n, rng), "n_per_class"),
        (lambda n, rng: data.regression_1d(n, rng), "n"),
        (lambda n, rng: data.sine_of_first(n, rng), "n"),
        (lambda d, rng: data.sine_of_first(5, rng, d=d), "d"),
    ],
    ids=["xor", "spirals", "moons", "regression_1d", "sine_of_first", "sine_of_first_d"],
)
def test_bad_sizes_are_named(make, arg, bad):
    with pytest.raises((ValueError, TypeError), match=rf"^{arg} must"):
        make(bad, np.random.default_rng(0))


@pytest.mark.parametrize("bad_rng", [None, 0, np.random.RandomState(0)])
@pytest.mark.parametrize(
    "make",
    [data.xor, data.spirals, data.moons, data.regression_1d, data.sine_of_first],
    ids=["xor", "spirals", "moons", "regression_1d", "sine_of_first"],
)
def test_bad_rng_is_named(make, bad_rng):
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        make(3, bad_rng)


@pytest.mark.parametrize("bad_noise", [-0.1, float("nan"), float("inf"), "0.1"])
@pytest.mark.parametrize(
    "make",
    [data.xor, data.spirals, data.moons, data.regression_1d],
    ids=["xor", "spirals", "moons", "regression_1d"],
)
def test_bad_noise_is_named(make, bad_noise):
    with pytest.raises((ValueError, TypeError), match="^noise must"):
        make(3, np.random.default_rng(0), noise=bad_noise)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_classes": 1}, "n_classes must be at least 2"),
        ({"n_classes": 0}, "n_classes must be a positive integer"),
        ({"turns": 0.0}, "turns must be positive"),
    ],
)
def test_spirals_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.spirals(3, np.random.default_rng(0), **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"low": 1.0, "high": 1.0}, ValueError, "low must be smaller than high"),
        ({"fn": "sin"}, TypeError, "fn must be a function"),
        ({"fn": lambda x: x[:2]}, ValueError, r"fn must map an \(5,\) array"),
        ({"fn": lambda x: 1 / (x - x)}, ValueError, "fn must return finite values"),
    ],
)
def test_regression_bad_parameters(kwargs, error, message):
    with np.errstate(divide="ignore", invalid="ignore"), pytest.raises(error, match=message):
        data.regression_1d(5, np.random.default_rng(0), **kwargs)


def test_the_shared_xor_corners_are_read_only():
    with pytest.raises(ValueError, match="read-only"):
        data.XOR_CORNERS[0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        data.XOR_LABELS[0] = 1
    X, _ = data.xor(1, np.random.default_rng(0), noise=0.0)
    X[0, 0] = 5.0  # what a generator returns is the caller's own
    assert data.XOR_CORNERS[0, 0] == 0.0


def test_noise_that_would_overflow_is_refused_by_name():
    with pytest.raises(ValueError, match="noise"):
        data.xor(3, np.random.default_rng(0), noise=1e308)

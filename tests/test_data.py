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


# --- MNIST-1D ---------------------------------------------------------------------------

#: Every random step of mnist1d_signals switched off: the signal is the stretched template.
NO_RANDOMNESS = {
    "scale": 0.0,
    "max_translation": 1,
    "corr_noise": 0.0,
    "iid_noise": 0.0,
    "shear": 0.0,
}


def test_mnist1d_default_split_shapes_dtypes_and_classes():
    split = data.mnist1d(np.random.default_rng(0))
    for (X, y), n in zip((split.train, split.val, split.test), (3500, 500, 1000), strict=True):
        assert X.shape == (n, 40) and X.dtype == np.float64, (X.shape, X.dtype)
        assert y.shape == (n,) and y.dtype == np.int64, (y.shape, y.dtype)
        assert np.all(np.isfinite(X))
        np.testing.assert_array_equal(np.bincount(y, minlength=10), np.full(10, n // 10))
        assert not np.all(np.diff(y) >= 0), "the labels should come in a random order"
    assert repr(split) == "MNIST1D(train=3500, val=500, test=1000, length=40)"


def test_mnist1d_unpacks_into_the_six_arrays_of_its_pairs():
    split = data.mnist1d(np.random.default_rng(0), n_train=20, n_val=10, n_test=10)
    X_train, y_train, X_val, y_val, X_test, y_test = split
    assert split.train == (X_train, y_train)
    assert split.val == (X_val, y_val) and split.test == (X_test, y_test)


def test_mnist1d_same_seed_same_data_other_seed_other_data():
    a, b = (data.mnist1d(np.random.default_rng(7), n_train=300) for _ in range(2))
    c = data.mnist1d(np.random.default_rng(8), n_train=300)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.X_train, c.X_train) and not np.array_equal(a.X_test, c.X_test)


def test_mnist1d_sets_are_disjoint():
    split = data.mnist1d(np.random.default_rng(1))
    rows = [{x.tobytes() for x in X} for X in (split.X_train, split.X_val, split.X_test)]
    assert [len(r) for r in rows] == [3500, 500, 1000], "a set repeats a signal"
    assert not rows[0] & rows[1] and not rows[0] & rows[2] and not rows[1] & rows[2]


def test_mnist1d_is_standardised_with_the_training_sets_statistics():
    split = data.mnist1d(np.random.default_rng(2))
    assert abs(split.X_train.mean()) < 1e-12 and abs(split.X_train.std() - 1) < 1e-12
    # the other sets are on the same scale, without being standardised exactly
    for X in (split.X_val, split.X_test):
        assert abs(X.mean()) < 0.05 and abs(X.std() - 1) < 0.05, (X.mean(), X.std())
        assert abs(X.std() - 1) > 1e-9


def test_mnist1d_test_set_does_not_depend_on_the_other_sizes():
    small = data.mnist1d(np.random.default_rng(3), n_train=50, n_val=20)
    default = data.mnist1d(np.random.default_rng(3))
    np.testing.assert_array_equal(small.y_test, default.y_test)
    # the same signals, standardised with another training set's statistics
    ratio = small.X_test.std() / default.X_test.std()
    offset = small.X_test.mean() - ratio * default.X_test.mean()
    np.testing.assert_allclose(small.X_test, ratio * default.X_test + offset, rtol=0, atol=1e-12)


def test_mnist1d_passes_the_generators_arguments_on():
    plain = data.mnist1d(np.random.default_rng(4), n_train=100, length=20, **NO_RANDOMNESS)
    assert plain.X_train.shape == (100, 20)
    # with no randomness but the padding, a digit's signals take at most 25 shapes
    assert len({x.tobytes() for x in plain.X_train[plain.y_train == 3]}) <= 25


def test_mnist1d_templates_start_and_end_at_zero_and_are_read_only():
    T = data.MNIST1D_TEMPLATES
    assert T.shape == (10, 12)
    np.testing.assert_array_equal(T[:, 0], 0.0)
    np.testing.assert_allclose(T[:, -1], 0.0, atol=1e-15)
    np.testing.assert_allclose(T.std(axis=1), 1 / 6, rtol=1e-12)
    with pytest.raises(ValueError, match="read-only"):
        T[0, 0] = 1.0


def test_mnist1d_signals_without_randomness_are_the_templates():
    y = np.arange(10)
    X = data.mnist1d_signals(
        y, np.random.default_rng(0), padding=(0, 0), length=12, **NO_RANDOMNESS
    )
    np.testing.assert_array_equal(X, data.MNIST1D_TEMPLATES)


def test_mnist1d_signals_padding_stretches_the_template_linearly():
    # padding p: the 12 + p points of template-then-zeros stretched over 12 + high points
    p, high = 20, 30
    X = data.mnist1d_signals(
        np.array([5]), np.random.default_rng(0), padding=(p, p), length=12 + high, **NO_RANDOMNESS
    )
    padded = np.concatenate([data.MNIST1D_TEMPLATES[5], np.zeros(p)])
    expected = np.interp(np.linspace(0, 1, 12 + high), np.linspace(0, 1, 12 + p), padded)
    np.testing.assert_allclose(X[0], expected, rtol=0, atol=1e-15)


def test_mnist1d_signals_translation_rotates_the_canvas():
    width, shifts = 12 + 36, 48
    y = np.full(200, 2)
    kwargs = {**NO_RANDOMNESS, "padding": (36, 36), "length": width}
    base = data.mnist1d_signals(y[:1], np.random.default_rng(0), **kwargs)[0]
    X = data.mnist1d_signals(y, np.random.default_rng(1), **{**kwargs, "max_translation": shifts})
    rolls = np.stack([np.roll(base, k) for k in range(width)])
    found = [np.flatnonzero(np.all(np.abs(rolls - x) < 1e-15, axis=1)) for x in X]
    # every signal is the base rotated right by 0..47, and most of the shifts occur
    shift = np.array([f[0] for f in found])
    assert np.all(shift < shifts) and len(set(shift)) > 40, sorted(set(shift))


def test_mnist1d_signals_correlated_noise_fills_only_the_padding():
    kwargs = {**NO_RANDOMNESS, "padding": (36, 36), "length": 48}
    clean = data.mnist1d_signals(np.array([0]), np.random.default_rng(0), **kwargs)[0]
    noisy = data.mnist1d_signals(
        np.zeros(50, dtype=int), np.random.default_rng(1), **{**kwargs, "corr_noise": 0.25}
    )
    # the digit covers the canvas points that read the template: i * 47 / 47 < 12
    np.testing.assert_array_equal(noisy[:, :12], np.broadcast_to(clean[:12], (50, 12)))
    assert np.all(noisy[:, 12:] != 0)
    # smoothed noise: neighbours are strongly correlated, unlike iid noise
    lag1 = np.corrcoef(noisy[:, 20:40].ravel(), noisy[:, 21:41].ravel())[0, 1]
    assert lag1 > 0.8, lag1


def test_mnist1d_signals_shear_subtracts_a_line():
    kwargs = {**NO_RANDOMNESS, "padding": (36, 36), "length": 48}
    clean = data.mnist1d_signals(np.array([9]), np.random.default_rng(0), **kwargs)[0]
    sheared = data.mnist1d_signals(
        np.full(50, 9), np.random.default_rng(1), **{**kwargs, "shear": 0.75}
    )
    lines = sheared - clean
    np.testing.assert_allclose(np.diff(lines, 2, axis=1), 0.0, atol=1e-14)
    slope = lines[:, -1] - lines[:, 0]  # the line falls by c, c uniform in [-0.375, 0.375)
    assert np.all(np.abs(slope) <= 0.375) and slope.std() > 0.1


def test_mnist1d_smoothing_keeps_constants_and_has_a_gaussian_impulse_response():
    from helpers.data import _smooth

    np.testing.assert_allclose(_smooth(np.full((2, 30), 3.0), 2.0), 3.0, rtol=1e-14)
    impulse = np.zeros((1, 41))
    impulse[0, 20] = 1.0
    response = _smooth(impulse, 2.0)[0]
    d = np.arange(-8, 9)
    gauss = np.exp(-(d**2) / 8) / np.exp(-(d**2) / 8).sum()
    np.testing.assert_allclose(response[12:29], gauss, rtol=1e-14)
    np.testing.assert_array_equal(response[:12], 0.0)


@settings(deadline=None, max_examples=30)
@given(
    n=st.integers(0, 30),
    low=st.integers(0, 20),
    extra=st.integers(0, 20),
    length=st.integers(1, 60),
    shift=st.integers(1, 80),
    seed=st.integers(0, 2**32 - 1),
)
def test_mnist1d_signals_shapes_for_any_arguments(n, low, extra, length, shift, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, size=n)
    X = data.mnist1d_signals(
        y, rng, padding=(low, low + extra), length=length, max_translation=shift
    )
    assert X.shape == (n, length) and X.dtype == np.float64
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_train": 0}, "n_train must be a positive integer"),
        ({"n_val": 2.5}, "n_val must be an integer"),
        ({"n_test": "10"}, "n_test must be an integer"),
        ({"shear": -0.1}, r"shear must be in \[0, inf\)"),
        ({"scale": 2.0}, r"scale must be in \[0, 2\)"),
        ({"corr_noise": float("nan")}, "corr_noise must be finite"),
        ({"iid_noise": "0.02"}, "iid_noise must be a real number"),
        ({"padding": (10, 5)}, "padding must be .* 0 <= low <= high"),
        ({"padding": (-1, 5)}, "padding must be .* 0 <= low <= high"),
        ({"padding": 36}, "padding must be a pair of integers"),
        ({"padding": (1.5, 3)}, "padding must be a pair of integers"),
        ({"max_translation": 0}, "max_translation must be a positive integer"),
        ({"length": 0}, "length must be a positive integer"),
        ({"translation": 3}, "unexpected keyword argument 'translation'"),
    ],
)
def test_mnist1d_bad_arguments_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        data.mnist1d(np.random.default_rng(0), **kwargs)


@pytest.mark.parametrize(
    "bad_y", [[0.0, 1.0], [[1, 2]], [3, 10], [-1, 2], ["1"]], ids=["float", "2d", "10", "-1", "str"]
)
def test_mnist1d_signals_bad_digits_are_named(bad_y):
    with pytest.raises(
        (ValueError, TypeError), match=r"^y must be an \(N,\) array of integer digits"
    ):
        data.mnist1d_signals(bad_y, np.random.default_rng(0))


def test_mnist1d_signals_ragged_digits_are_named():
    with pytest.raises(TypeError, match=r"^y must be a rectangular array"):
        data.mnist1d_signals([[1], [2, 3]], np.random.default_rng(0))


@pytest.mark.parametrize("noise", ["corr_noise", "iid_noise"])
def test_mnist1d_signals_noise_beyond_float64_is_refused_by_name(noise):
    # 1e308 times a standard normal draw beyond 1.8 overflows; nothing may warn
    with pytest.raises(ValueError, match=f"a signal is not finite .*{noise}"):
        data.mnist1d_signals(np.arange(10), np.random.default_rng(0), **{noise: 1e308})


def test_mnist1d_standardises_signals_whose_squares_overflow():
    # a shear of 1e300 gives signals near 1e299: their squares are beyond float64
    sizes = {"n_train": 200, "n_val": 10, "n_test": 10}
    huge = data.mnist1d(np.random.default_rng(5), shear=1e300, **sizes)
    assert np.all(np.isfinite(huge.X_train)) and np.all(np.isfinite(huge.X_test))
    assert abs(huge.X_train.mean()) < 1e-12 and abs(huge.X_train.std() - 1) < 1e-12
    # the lines swamp the rest, so standardised they are the same as with a shear
    # of 1e100, whose squares numpy can take
    lines = data.mnist1d(np.random.default_rng(5), shear=1e100, **sizes)
    for a, b in zip(huge, lines, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_mnist1d_refuses_a_training_set_of_one_value():
    with pytest.raises(ValueError, match="n_train=1 signals of length=1 hold one value"):
        data.mnist1d(np.random.default_rng(0), n_train=1, length=1)


@pytest.mark.parametrize("bad_rng", [None, 0, np.random.RandomState(0)])
def test_mnist1d_bad_rng_is_named(bad_rng):
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        data.mnist1d(bad_rng)
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        data.mnist1d_signals([1, 2], bad_rng)

"""helpers.init: every scheme's sample spread against its formula, and clear errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import init

# Independent formulas: the standard deviation each scheme should give.
EXPECTED_STD = {
    "xavier_normal": lambda n_in, n_out, g: g * math.sqrt(2.0 / (n_in + n_out)),
    "xavier_uniform": lambda n_in, n_out, g: g * math.sqrt(6.0 / (n_in + n_out)) / math.sqrt(3.0),
    "he_normal": lambda n_in, n_out, g: g / math.sqrt(n_in),
    "he_uniform": lambda n_in, n_out, g: g * math.sqrt(3.0 / n_in) / math.sqrt(3.0),
}


def relative_tolerance(n: int, uniform: bool) -> float:
    """Five standard errors of a sample std from n draws (normal: 1/sqrt(2n);
    uniform, whose kurtosis is 1.8: sqrt(0.8 / (4n)))."""
    return 5.0 * (math.sqrt(0.2 / n) if uniform else math.sqrt(0.5 / n))


@settings(deadline=None, max_examples=40)
@given(
    scheme=st.sampled_from(sorted(EXPECTED_STD)),
    n_in=st.integers(20, 300),
    n_out=st.integers(20, 300),
    gain=st.sampled_from([1.0, 5.0 / 3.0, math.sqrt(2.0), 4.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_sample_std_matches_formula(scheme, n_in, n_out, gain, seed):
    W = init.get(scheme)(n_in, n_out, np.random.default_rng(seed), gain=gain)
    expected = EXPECTED_STD[scheme](n_in, n_out, gain)
    tol = relative_tolerance(W.size, "uniform" in scheme)
    assert W.shape == (n_in, n_out) and W.dtype == np.float64
    assert abs(W.std() / expected - 1.0) < tol, f"sample {W.std():.5g} vs formula {expected:.5g}"
    assert abs(W.mean()) < 5.0 * expected / math.sqrt(W.size)


def test_uniform_bounds_are_the_table_r(rng):
    n_in, n_out = 400, 300
    r_xavier = math.sqrt(6.0 / (n_in + n_out))
    W = init.xavier_uniform(n_in, n_out, rng)
    assert np.abs(W).max() <= r_xavier and np.abs(W).max() > 0.99 * r_xavier
    W = init.he_uniform(n_in, n_out, rng)
    assert np.abs(W).max() <= math.sqrt(6.0 / n_in)


@pytest.mark.parametrize("std", [0.01, 1.0])
def test_normal_and_uniform_with_explicit_spread(rng, std):
    W = init.normal(500, 400, rng, std=std)
    assert abs(W.std() / std - 1.0) < relative_tolerance(W.size, False)
    U = init.uniform(500, 400, rng, r=std)
    assert abs(U.std() / (std / math.sqrt(3.0)) - 1.0) < relative_tolerance(U.size, True)


def test_zeros_and_constant():
    assert np.array_equal(init.zeros(3, 4), np.zeros((3, 4)))
    C = init.constant(3, 4, value=0.5)
    assert C.shape == (3, 4) and np.all(C == 0.5)
    assert init.get("constant") is init.constant


def test_the_registry_names_every_scheme_by_its_function():
    assert list(init.SCHEMES) == [
        "normal",
        "uniform",
        "xavier_normal",
        "xavier_uniform",
        "he_normal",
        "he_uniform",
        "orthogonal",
        "zeros",
        "constant",
    ]
    for name, scheme in init.SCHEMES.items():
        assert init.get(name) is scheme is getattr(init, name)
    with pytest.raises(ValueError, match="unknown init scheme 'get'"):
        init.get("get")  # a module name that is not a scheme is not found


@pytest.mark.parametrize(
    ("activation", "expected"),
    [("sigmoid", 1.0), ("tanh", 5.0 / 3.0), ("relu", math.sqrt(2.0)), ("linear", 1.0)],
)
def test_gain_convention(activation, expected):
    assert init.gain(activation) == pytest.approx(expected, rel=1e-15)


def test_leaky_relu_gain():
    assert init.gain("leaky_relu", alpha=0.0) == pytest.approx(math.sqrt(2.0))
    assert init.gain("leaky_relu", alpha=1.0) == pytest.approx(1.0)


@pytest.mark.parametrize("scheme", init.SCHEMES)
@pytest.mark.parametrize(("n_in", "n_out"), [(0, 5), (5, 0), (-3, 5), (5, -1)])
def test_non_positive_fans_are_refused(rng, scheme, n_in, n_out):
    with pytest.raises(ValueError, match="n_in|n_out"):
        init.get(scheme)(n_in, n_out, rng)


def test_non_integer_fan_is_refused(rng):
    with pytest.raises(TypeError, match="n_in"):
        init.xavier_normal(2.5, 3, rng)


def test_unknown_activation_and_scheme():
    with pytest.raises(ValueError, match="no gain for activation 'swish'.*tanh"):
        init.gain("swish")
    with pytest.raises(TypeError, match="activation must be a str"):
        init.gain(None)
    with pytest.raises(ValueError, match="unknown init scheme 'glorot'.*xavier_normal"):
        init.get("glorot")


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_non_positive_gain_and_negative_spread(rng, bad):
    with pytest.raises(ValueError, match="gain"):
        init.xavier_normal(3, 4, rng, gain=bad)
    if bad < 0:
        with pytest.raises(ValueError, match="std"):
            init.normal(3, 4, rng, std=bad)


def test_rng_is_required(rng):
    with pytest.raises(TypeError, match="rng"):
        init.he_normal(3, 4, 0)


def test_the_schemes_are_read_only_and_a_junk_rng_is_refused():
    with pytest.raises(TypeError):
        init.SCHEMES["mine"] = init.zeros  # type: ignore[index]
    with pytest.raises(TypeError, match="rng must be"):
        init.constant(2, 2, rng=42)
    with pytest.raises(ValueError, match="r"):
        init.uniform(2, 2, np.random.default_rng(0), r=1e308)


def test_gain_for_a_huge_slope_has_no_square_to_overflow():
    assert init.gain("leaky_relu", 1e200) == pytest.approx(np.sqrt(2) * 1e-200, rel=1e-15)
    assert init.gain("leaky_relu", 0.5) == np.sqrt(2.0 / (1.0 + 0.25))


@settings(deadline=None, max_examples=40)
@given(
    n_in=st.integers(1, 60),
    n_out=st.integers(1, 60),
    gain=st.sampled_from([1.0, 5.0 / 3.0, math.sqrt(2.0), 1e-3, 1e3]),
    seed=st.integers(0, 2**32 - 1),
)
def test_orthogonal_has_every_singular_value_equal_to_the_gain(n_in, n_out, gain, seed):
    W = init.orthogonal(n_in, n_out, np.random.default_rng(seed), gain=gain)
    assert W.shape == (n_in, n_out) and W.dtype == np.float64
    singular = np.linalg.svd(W, compute_uv=False)
    assert len(singular) == min(n_in, n_out)
    np.testing.assert_allclose(singular, gain, rtol=1e-12)
    small = min(n_in, n_out)
    gram = W @ W.T if n_in <= n_out else W.T @ W  # the orthonormal side
    np.testing.assert_allclose(gram, gain**2 * np.eye(small), atol=1e-12 * gain**2)


def test_orthogonal_keeps_every_norm_when_it_does_not_narrow(rng):
    x = rng.standard_normal((50, 30))
    for n_out, gain in ((30, 1.0), (45, 2.0)):
        W = init.orthogonal(30, n_out, rng, gain=gain)
        ratio = np.linalg.norm(x @ W, axis=1) / np.linalg.norm(x, axis=1)
        np.testing.assert_allclose(ratio, gain, rtol=1e-12)
    W = init.orthogonal(30, 10, rng)  # narrowing: a projection, norms shrink
    assert np.all(np.linalg.norm(x @ W, axis=1) < np.linalg.norm(x, axis=1))


def test_orthogonal_directions_are_random_and_unbiased(rng):
    # Haar-distributed: each entry of a square Q has mean 0 and variance 1 / n
    draws = np.array([init.orthogonal(8, 8, rng) for _ in range(2000)])
    assert np.abs(draws.mean(axis=0)).max() < 5 * math.sqrt(1 / 8 / 2000)
    assert abs(draws.var() * 8 - 1) < 0.02
    # R's diagonal signs moved into Q: without that the diagonal would lean positive
    assert abs(draws[:, 0, 0].mean()) < 5 * math.sqrt(1 / 8 / 2000)
    same = init.orthogonal(5, 7, np.random.default_rng(3))
    assert np.array_equal(same, init.orthogonal(5, 7, np.random.default_rng(3)))


def test_orthogonal_refuses_bad_arguments(rng):
    with pytest.raises(ValueError, match="gain"):
        init.orthogonal(3, 3, rng, gain=0.0)
    with pytest.raises(ValueError, match="gain"):
        init.orthogonal(3, 3, rng, gain=-1.0)
    with pytest.raises(ValueError, match="gain"):
        init.orthogonal(3, 3, rng, gain=1e308 * 10)  # inf
    with pytest.raises(TypeError, match="rng"):
        init.orthogonal(3, 3, None)
    with pytest.raises(TypeError, match="n_out"):
        init.orthogonal(3, 2.0, rng)
    assert init.get("orthogonal") is init.orthogonal

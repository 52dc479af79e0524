"""Tests for helpers.norm: gradients, statistics, train/eval behaviour and errors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import norm, norm_drawing, plots
from helpers.gradcheck import check_layer
from helpers.layers import Layer, Linear, ReLU, Sequential

EPS = 1e-5
GRAD_TOL = 1e-6


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def _randomise_affine(layer: norm._Normalization, rng: np.random.Generator) -> None:
    c = layer.num_channels
    layer.params["gamma"][:] = rng.normal(1.0, 0.5, size=c)
    layer.params["beta"][:] = rng.normal(0.0, 0.5, size=c)


def _input(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    # an offset and a spread per channel, as real pre-activations have
    c = shape[1]
    channel = (1, c) + (1,) * (len(shape) - 2)
    offset = rng.normal(0.0, 2.0, size=c).reshape(channel)
    scale = rng.uniform(0.5, 3.0, size=c).reshape(channel)
    return offset + scale * rng.standard_normal(shape)


def _enough_values(layer: norm._Normalization, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Widen a 4-D shape until each statistic averages at least 3 values.

    With two values x_hat is +-1 whatever x is, so the true dx is O(eps) and the
    round-off of central differences, not the layer, decides the relative error.
    """
    if len(shape) == 4 and layer.group_size(shape) < 3:
        return shape[:3] + (3,)
    return shape


def _assert_gradcheck(layer: norm._Normalization, x: np.ndarray, seed: int) -> None:
    report = check_layer(layer, x, rng=np.random.default_rng(seed + 1), raise_on_failure=False)
    assert set(report.errors) == {"x", *layer.params}
    assert report.passed, f"{layer!r} on x {x.shape}:\n{report.failure_message()}"


# ---- gradient checks on hypothesis-generated shapes -----------------------------------

shapes_4d = st.tuples(
    st.integers(1, 4),  # N
    st.integers(1, 3),  # G
    st.integers(1, 3),  # C / G
    st.integers(1, 3),  # H
    st.integers(1, 3),  # W
)


@settings(deadline=None, max_examples=40)
@given(dims=shapes_4d, seed=st.integers(0, 2**31 - 1), eval_mode=st.booleans())
def test_batchnorm_gradcheck_4d(dims, seed, eval_mode):
    n, g, cg, h, w = dims
    rng = np.random.default_rng(seed)
    layer = norm.BatchNorm(g * cg)
    _randomise_affine(layer, rng)
    x = _input(rng, _enough_values(layer, (n, g * cg, h, w)))
    if eval_mode:
        layer.forward(_input(rng, (5, g * cg, h, w)))  # some running statistics
        layer.eval()
    _assert_gradcheck(layer, x, seed)


@settings(deadline=None, max_examples=40)
@given(n=st.integers(3, 6), c=st.integers(1, 6), seed=st.integers(0, 2**31 - 1))
def test_batchnorm_gradcheck_2d(n, c, seed):
    rng = np.random.default_rng(seed)
    layer = norm.BatchNorm(c)
    _randomise_affine(layer, rng)
    _assert_gradcheck(layer, _input(rng, (n, c)), seed)


@settings(deadline=None, max_examples=40)
@given(dims=shapes_4d, seed=st.integers(0, 2**31 - 1), two_d=st.booleans())
def test_layernorm_gradcheck(dims, seed, two_d):
    n, g, cg, h, w = dims
    c = g * cg
    shape = (n, max(c, 3)) if two_d else (n, c, h, w)
    rng = np.random.default_rng(seed)
    layer = norm.LayerNorm(shape[1])
    shape = _enough_values(layer, shape)
    _randomise_affine(layer, rng)
    _assert_gradcheck(layer, _input(rng, shape), seed)


@settings(deadline=None, max_examples=40)
@given(dims=shapes_4d, seed=st.integers(0, 2**31 - 1))
def test_instancenorm_gradcheck(dims, seed):
    n, g, cg, h, w = dims
    c = g * cg
    rng = np.random.default_rng(seed)
    layer = norm.InstanceNorm(c)
    _randomise_affine(layer, rng)
    _assert_gradcheck(layer, _input(rng, _enough_values(layer, (n, c, h, w))), seed)


@settings(deadline=None, max_examples=40)
@given(dims=shapes_4d, seed=st.integers(0, 2**31 - 1), two_d=st.booleans())
def test_groupnorm_gradcheck(dims, seed, two_d):
    n, g, cg, h, w = dims
    if two_d:
        cg = max(cg, 3)
    c = g * cg
    rng = np.random.default_rng(seed)
    layer = norm.GroupNorm(g, c)
    shape = (n, c) if two_d else _enough_values(layer, (n, c, h, w))
    _randomise_affine(layer, rng)
    _assert_gradcheck(layer, _input(rng, shape), seed)


# ---- forward pass against independent references ---------------------------------


def _reference(x: np.ndarray, kind: str, groups: int = 1) -> np.ndarray:
    """Normalise with statistics computed by reshaping, independently of helpers.norm."""
    n, c = x.shape[:2]
    if kind == "batch":
        flat = np.moveaxis(x, 1, 0).reshape(c, -1)  # (C, N*H*W)
        mean, var = flat.mean(axis=1), flat.var(axis=1)
        shape = (1, c) + (1,) * (x.ndim - 2)
        return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + EPS)
    if kind == "layer":
        flat = x.reshape(n, -1)
    elif kind == "instance":
        flat = x.reshape(n * c, -1)
    else:
        flat = x.reshape(n * groups, -1)
    out = (flat - flat.mean(axis=1, keepdims=True)) / np.sqrt(flat.var(axis=1, keepdims=True) + EPS)
    return out.reshape(x.shape)


FORWARD_CASES = [
    (make, kind, groups, shape)
    for make, kind, groups in [
        (lambda: norm.BatchNorm(6), "batch", 1),
        (lambda: norm.LayerNorm(6), "layer", 1),
        (lambda: norm.InstanceNorm(6), "instance", 1),
        (lambda: norm.GroupNorm(2, 6), "group", 2),
        (lambda: norm.GroupNorm(3, 6), "group", 3),
    ]
    for shape in [(5, 6, 3, 4), (7, 6)]
    if not (kind == "instance" and len(shape) == 2)  # refused: see the error tests
]


@pytest.mark.parametrize(("make", "kind", "groups", "shape"), FORWARD_CASES)
def test_forward_matches_reference(make, kind, groups, shape, rng):
    layer = make()
    _randomise_affine(layer, rng)
    x = _input(rng, shape)
    channel = (1, 6) + (1,) * (len(shape) - 2)
    gamma, beta = (layer.params[k].reshape(channel) for k in ("gamma", "beta"))
    expected = _reference(x, kind, groups) * gamma + beta
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-10, atol=1e-12)


def test_groupnorm_extremes_equal_layer_and_instance_norm(rng):
    x = _input(rng, (4, 6, 3, 5))
    np.testing.assert_allclose(
        norm.GroupNorm(1, 6).forward(x), norm.LayerNorm(6).forward(x), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        norm.GroupNorm(6, 6).forward(x), norm.InstanceNorm(6).forward(x), rtol=0, atol=1e-12
    )


def test_output_statistics_are_zero_mean_unit_variance(rng):
    x = _input(rng, (8, 4, 5, 5))
    out = norm.BatchNorm(4).forward(x)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
    # the biased variance of x_hat is var / (var + eps), a hair below 1
    var = x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), var / (var + EPS), rtol=1e-12)


# ---- BatchNorm running statistics, train and eval ---------------------------------


@pytest.mark.parametrize("shape", [(16, 3), (4, 3, 2, 5)])
def test_running_statistics_after_k_steps(shape, rng):
    layer = norm.BatchNorm(3)
    mean_ref, var_ref = np.zeros(3), np.ones(3)
    for _ in range(12):
        x = _input(rng, shape)
        layer.forward(x)
        flat = np.moveaxis(x, 1, 0).reshape(3, -1)
        mean_ref = 0.9 * mean_ref + 0.1 * flat.mean(axis=1)
        var_ref = 0.9 * var_ref + 0.1 * flat.var(axis=1, ddof=1)  # unbiased
    np.testing.assert_allclose(layer.running_mean, mean_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.running_var, var_ref, rtol=1e-12)


def test_running_statistics_converge_to_population(rng):
    layer = norm.BatchNorm(2)
    true_mean, true_std = np.array([3.0, -1.0]), np.array([2.0, 0.5])
    for _ in range(200):
        layer.forward(true_mean + true_std * rng.standard_normal((64, 2)))
    np.testing.assert_allclose(layer.running_mean, true_mean, atol=0.1)
    np.testing.assert_allclose(layer.running_var, true_std**2, rtol=0.1)


def test_eval_uses_running_statistics_and_leaves_them(rng):
    layer = norm.BatchNorm(4)
    _randomise_affine(layer, rng)
    for _ in range(5):
        layer.forward(_input(rng, (10, 4)))
    mean, var = layer.running_mean.copy(), layer.running_var.copy()
    layer.eval()
    x = _input(rng, (3, 4))
    expected = (x - mean) / np.sqrt(var + EPS) * layer.params["gamma"] + layer.params["beta"]
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.running_mean, mean)
    np.testing.assert_array_equal(layer.running_var, var)
    # in eval mode each sample's output is independent of the batch, and a batch of 1 works
    np.testing.assert_allclose(layer.forward(x[:1]), expected[:1], rtol=1e-12)


def test_train_output_depends_on_batch_but_eval_does_not(rng):
    layer = norm.BatchNorm(3)
    x = _input(rng, (6, 3))
    other = np.concatenate([x[:2], _input(rng, (4, 3))])
    assert not np.allclose(layer.forward(x)[:2], layer.forward(other)[:2])
    layer.eval()
    np.testing.assert_array_equal(layer.forward(x)[:2], layer.forward(other)[:2])


@pytest.mark.parametrize("layer", [norm.LayerNorm(4), norm.InstanceNorm(4), norm.GroupNorm(2, 4)])
def test_per_sample_norms_same_in_train_and_eval(layer, rng):
    x = _input(rng, (3, 4, 2, 2))
    train_out = layer.train().forward(x)
    np.testing.assert_array_equal(layer.eval().forward(x), train_out)
    np.testing.assert_array_equal(layer.forward(x[1:2]), train_out[1:2])


def test_mode_propagates_through_sequential(rng):
    bn = norm.BatchNorm(5)
    model = Sequential(Linear(3, 5, rng=rng, bias=False), bn, ReLU())
    model.forward(rng.standard_normal((8, 3)))
    assert bn.training
    model.eval()
    assert not bn.training
    assert "1.gamma" in model.params and "1.beta" in model.grads


# ---- errors ---------------------------------------------------------------------------


def test_group_count_must_divide_channels():
    with pytest.raises(ValueError, match="divisible"):
        norm.GroupNorm(4, 6)


@pytest.mark.parametrize("make", [lambda: norm.BatchNorm(0), lambda: norm.GroupNorm(0, 4)])
def test_non_positive_sizes(make):
    with pytest.raises(ValueError, match="positive"):
        make()


@pytest.mark.parametrize("bad", [1.5, "4"])
def test_non_integer_channels(bad):
    with pytest.raises(TypeError, match="integer"):
        norm.LayerNorm(bad)


@pytest.mark.parametrize(
    "layer", [norm.BatchNorm(4), norm.LayerNorm(4), norm.InstanceNorm(4), norm.GroupNorm(2, 4)]
)
@pytest.mark.parametrize("shape", [(4,), (2, 4, 3), (2, 4, 3, 3, 3)])
def test_wrong_rank(layer, shape):
    with pytest.raises(ValueError, match=r"\(N, 4\) or \(N, 4, H, W\)"):
        layer.forward(np.ones(shape))


@pytest.mark.parametrize(
    "layer", [norm.BatchNorm(4), norm.LayerNorm(4), norm.InstanceNorm(4), norm.GroupNorm(2, 4)]
)
@pytest.mark.parametrize("shape", [(3, 5), (3, 3, 2, 2)])
def test_wrong_channel_count(layer, shape):
    with pytest.raises(ValueError, match="4 channels"):
        layer.forward(np.ones(shape))


def test_batchnorm_batch_of_one_in_training(rng):
    layer = norm.BatchNorm(3)
    with pytest.raises(ValueError, match="batch of at least 2"):
        layer.forward(rng.standard_normal((1, 3)))
    # spatial positions give a batch of one several values per channel
    assert layer.forward(rng.standard_normal((1, 3, 2, 2))).shape == (1, 3, 2, 2)
    assert layer.eval().forward(rng.standard_normal((1, 3))).shape == (1, 3)


def test_single_value_groups_refused(rng):
    with pytest.raises(ValueError, match="H \\* W > 1"):
        norm.InstanceNorm(3).forward(rng.standard_normal((4, 3)))
    with pytest.raises(ValueError, match="single value"):
        norm.LayerNorm(1).forward(rng.standard_normal((4, 1)))
    with pytest.raises(ValueError, match="single value"):
        norm.GroupNorm(3, 3).forward(rng.standard_normal((4, 3)))


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="momentum"):
        norm.BatchNorm(3, momentum=1.5)
    with pytest.raises(ValueError, match="eps"):
        norm.LayerNorm(3, eps=0.0)


def test_every_norm_layer_follows_the_layer_protocol():
    for layer in (norm.BatchNorm(4), norm.LayerNorm(4), norm.InstanceNorm(4), norm.GroupNorm(2, 4)):
        assert isinstance(layer, Layer), type(layer).__name__


def test_backward_checks(rng):
    layer = norm.GroupNorm(2, 4)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, 4)))
    layer.forward(rng.standard_normal((2, 4)))
    with pytest.raises(ValueError, match="dout"):
        layer.backward(np.ones((2, 5)))


# ---- the core, the statistic index and repr ---------------------------------------


def test_normalize_backward_removes_mean_and_x_hat_directions(rng):
    x = rng.normal(2.0, 3.0, size=(50, 3))
    x_hat, cache = norm.normalize(x, (0,), eps=1e-300)
    dx = norm.normalize_backward(rng.standard_normal(x.shape), cache, (0,))
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose((dx * x_hat).sum(axis=0), 0.0, atol=1e-12)


@pytest.mark.parametrize(
    ("layer", "count", "size"),
    [
        (norm.BatchNorm(6), 6, 4 * 3 * 5),
        (norm.LayerNorm(6), 4, 6 * 3 * 5),
        (norm.InstanceNorm(6), 24, 3 * 5),
        (norm.GroupNorm(3, 6), 12, 2 * 3 * 5),
    ],
)
def test_statistic_index(layer, count, size):
    shape = (4, 6, 3, 5)
    ids = layer.statistic_index(shape)
    assert ids.shape == shape
    assert len(np.unique(ids)) == count
    assert layer.group_size(shape) == size
    assert np.all(np.bincount(ids.ravel()) == size)


def test_reprs():
    assert repr(norm.BatchNorm(8)) == "BatchNorm(C=8, momentum=0.1, eps=1e-05)"
    assert repr(norm.LayerNorm(8)) == "LayerNorm(C=8, eps=1e-05)"
    assert repr(norm.InstanceNorm(8)) == "InstanceNorm(C=8, eps=1e-05)"
    assert repr(norm.GroupNorm(2, 8)) == "GroupNorm(G=2, C=8, eps=1e-05)"


# ---- the drawing ------------------------------------------------------------------


def test_drawing_masks_follow_the_layers():
    n, s = 3, 4
    bn = norm_drawing.shared_statistics_mask(norm.BatchNorm(6), n, s)
    assert bn.shape == (n, 6, s) and bn[:, 0, :].all() and bn.sum() == n * s
    gn = norm_drawing.shared_statistics_mask(norm.GroupNorm(2, 6), n, s)
    assert gn[0, :3, :].all() and gn.sum() == 3 * s
    with pytest.raises(TypeError, match="normalisation layer"):
        norm_drawing.shared_statistics_mask(Linear(2, 2, rng=np.random.default_rng(0)), n, s)


def test_drawing_has_four_labelled_panels():
    fig, axes = plots.figure(1, 4)
    drawn = norm_drawing.draw(axes)
    titles = [ax.get_title() for ax in drawn]
    assert titles == ["Batch norm", "Layer norm", "Instance norm", "Group norm, G=2"]
    assert all(ax.get_xlabel() == "N" and ax.get_ylabel() == "H, W" for ax in drawn)
    with pytest.raises(ValueError, match="4 axes"):
        norm_drawing.draw(axes[:2])
    plt.close(fig)


# --- huge, tiny and non-finite input ---------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: norm.LayerNorm(3),
        lambda: norm.GroupNorm(1, 3),
        lambda: norm.GroupNorm(3, 3),  # per channel: each channel of (1, 3, 1, 3) below
    ],
)
def test_scaling_before_squaring_keeps_1e200(make):
    layer = make()
    values = np.array([1e200, -1e200, 0.0])
    x = values[None] if layer.groups == 1 else values.reshape(1, 1, 1, 3).repeat(3, axis=1)
    out = layer.forward(x)  # a RuntimeWarning is an error here
    unit = values / 1e200
    expected = unit / np.sqrt(np.mean(unit**2))
    np.testing.assert_allclose(out.reshape(-1, 3)[0], expected, rtol=1e-12)
    np.testing.assert_allclose(expected, [np.sqrt(1.5), -np.sqrt(1.5), 0.0], rtol=1e-15)


def test_instance_and_batch_norm_at_1e150_and_normalize_at_1e300():
    values = np.array([1e150, -1e150, 0.0])
    inst = norm.InstanceNorm(1).forward(values.reshape(1, 1, 1, 3))
    batch = norm.BatchNorm(1).forward(values.reshape(3, 1))
    x_hat, _ = norm.normalize(1e300 * np.array([1.0, -1.0, 0.0]), (0,))
    for out in (inst, batch, x_hat):
        np.testing.assert_allclose(out.ravel(), [np.sqrt(1.5), -np.sqrt(1.5), 0.0], rtol=1e-12)


def test_batch_norm_refuses_a_batch_whose_running_variance_would_overflow():
    bn = norm.BatchNorm(1)
    with pytest.raises(ValueError, match="running variance"):
        bn.forward(np.array([[1e200], [-1e200], [0.0]]))
    np.testing.assert_array_equal(bn.running_var, [1.0])  # unchanged


def test_the_scaled_formula_gives_the_textbook_bits(rng):
    """A power-of-two scaling is exact: ordinary inputs get the plain formula's bits
    (the formula as it was written before the scaling: centred times 1 / std)."""
    for scale in (1e-3, 1.0, 7.0, 3e5):
        x = scale * rng.standard_normal((6, 4))
        centred = x - x.mean(axis=0, keepdims=True)
        inv_std = 1.0 / np.sqrt(np.mean(centred**2, axis=0, keepdims=True) + EPS)
        np.testing.assert_array_equal(norm.normalize(x, (0,))[0], centred * inv_std)


def test_a_nan_batch_is_refused_and_leaves_the_running_statistics(rng):
    bn = norm.BatchNorm(2)
    bn.forward(rng.standard_normal((4, 2)))
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    with pytest.raises(ValueError, match="x must be finite"):
        bn.forward(np.array([[np.nan, 1.0], [1.0, 2.0]]))
    np.testing.assert_array_equal(bn.running_mean, mean)
    np.testing.assert_array_equal(bn.running_var, var)


@pytest.mark.parametrize("eps", [-1.0, 0.0, float("nan")])
def test_normalize_refuses_an_eps_that_is_not_positive(eps):
    with pytest.raises(ValueError, match="eps"):
        norm.normalize(np.ones(3), (0,), eps=eps)


def test_statistic_index_refuses_a_shape_of_other_channels():
    with pytest.raises(ValueError, match="4 channels"):
        norm.LayerNorm(4).statistic_index((3, 5, 2, 2))


# --- RMS norm: layer norm without the mean ---------------------------------------------


@settings(deadline=None, max_examples=40)
@given(dims=shapes_4d, seed=st.integers(0, 2**31 - 1), two_d=st.booleans())
def test_rmsnorm_gradcheck(dims, seed, two_d):
    n, g, cg, h, w = dims
    c = g * cg
    shape = (n, max(c, 2)) if two_d else (n, c, h, w)
    rng = np.random.default_rng(seed)
    layer = norm.RMSNorm(shape[1])
    shape = _enough_values(layer, shape)
    layer.params["gamma"][:] = rng.normal(1.0, 0.5, size=shape[1])
    _assert_gradcheck(layer, _input(rng, shape), seed)


@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 3)])
def test_rmsnorm_forward_against_the_formula(shape, rng):
    layer = norm.RMSNorm(4)
    layer.params["gamma"][:] = [0.5, 2.0, -1.0, 1.5]
    x = rng.normal(1.0, 2.0, size=shape)
    rows = x.reshape(shape[0], -1)
    x_hat = (rows / np.sqrt(np.mean(rows**2, axis=1, keepdims=True) + EPS)).reshape(shape)
    gamma = layer.params["gamma"].reshape((1, 4) + (1,) * (len(shape) - 2))
    np.testing.assert_allclose(layer.forward(x), gamma * x_hat, rtol=1e-13, atol=1e-13)
    assert list(layer.params) == ["gamma"] and list(layer.grads) == ["gamma"]


def test_rmsnorm_keeps_a_shift_that_layer_norm_removes(rng):
    x = rng.standard_normal((6, 8))
    shifted = x + 3.0
    ln, rms = norm.LayerNorm(8), norm.RMSNorm(8)
    np.testing.assert_allclose(ln.forward(shifted), ln.forward(x), atol=1e-12)
    assert np.max(np.abs(rms.forward(shifted) - rms.forward(x))) > 0.1
    # both divide out a scale, and on zero-mean rows the two agree up to eps
    np.testing.assert_allclose(rms.forward(5.0 * x), rms.forward(x), rtol=1e-4)
    centred = x - x.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(rms.forward(centred), ln.forward(centred), atol=1e-12)


def test_rmsnorm_backward_removes_only_the_x_hat_direction(rng):
    layer = norm.RMSNorm(7, eps=1e-300)  # exact projection, eps aside
    x = rng.normal(2.0, 1.0, size=(5, 7))
    x_hat = layer.forward(x)  # gamma = 1
    dx = layer.backward(rng.standard_normal(x.shape))
    np.testing.assert_allclose((dx * x_hat).sum(axis=1), 0.0, atol=1e-12)
    assert np.min(np.abs(dx.sum(axis=1))) > 1e-6  # the constant direction stays


def test_rmsnorm_argument_checks(rng):
    with pytest.raises(ValueError, match="single value"):
        norm.RMSNorm(1).forward(rng.standard_normal((4, 1)))
    with pytest.raises(ValueError, match="4 channels"):
        norm.RMSNorm(4).forward(np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"\(N, 4\) or \(N, 4, H, W\)"):
        norm.RMSNorm(4).forward(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match="C must be a positive"):
        norm.RMSNorm(0)
    with pytest.raises(TypeError, match="integer"):
        norm.RMSNorm("4")
    with pytest.raises(ValueError, match="eps"):
        norm.RMSNorm(3, eps=0.0)
    with pytest.raises(ValueError, match="finite"):
        norm.RMSNorm(3).forward(np.array([[np.nan, 1.0, 2.0]]))


def test_rmsnorm_index_repr_protocol_and_1e200():
    layer = norm.RMSNorm(6)
    assert isinstance(layer, Layer) and repr(layer) == "RMSNorm(C=6, eps=1e-05)"
    ids = layer.statistic_index((4, 6, 3, 5))
    assert len(np.unique(ids)) == 4 and layer.group_size((4, 6, 3, 5)) == 6 * 3 * 5
    out = norm.RMSNorm(3).forward(np.array([[1e200, -1e200, 0.0]]))
    np.testing.assert_allclose(out[0], [np.sqrt(1.5), -np.sqrt(1.5), 0.0], rtol=1e-12)
    assert layer.eval().forward(np.ones((2, 6))).shape == (2, 6)

"""Tests for helpers.layers: every backward pass against central differences, the
containers against hand composition, and the errors that name their argument."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import layers
from helpers.gradcheck import check_layer, numerical_grad, rel_error
from tests.support.gradients import assert_agrees, round_off_floor

TOL = 1e-6
KINKED = ("relu", "leaky_relu", "prelu", "rrelu", "elu")
SMOOTH = ("sigmoid", "tanh", "gelu", "silu", "softplus")

batch_sizes = st.integers(1, 5)
widths = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)


def away_from_kink(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Inputs with |x| >= 0.1, so that a central difference never straddles x = 0."""
    magnitude = 0.1 + np.abs(rng.standard_normal(shape))
    return np.where(rng.random(shape) < 0.5, -magnitude, magnitude)


def assert_passed(report) -> None:
    assert report.passed, report.failure_message()
    assert report.errors, "the check compared nothing"


# --- every layer's backward passes check_layer --------------------------------------


@settings(deadline=None, max_examples=40)
@given(n=batch_sizes, n_in=widths, n_out=widths, seed=seeds, bias=st.booleans())
def test_linear_backward(n, n_in, n_out, seed, bias):
    rng = np.random.default_rng(seed)
    layer = layers.Linear(n_in, n_out, init="normal", rng=rng, bias=bias, std=1.0)
    report = check_layer(layer, rng.standard_normal((n, n_in)), rng=rng, tol=TOL)
    assert_passed(report)
    assert set(report.errors) == ({"x", "W", "b"} if bias else {"x", "W"})


@settings(deadline=None, max_examples=40)
@given(
    name=st.sampled_from(SMOOTH + KINKED),
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    seed=seeds,
)
def test_activation_layer_backward(name, shape, seed):
    rng = np.random.default_rng(seed)
    layer = layers.ActivationLayer(name)
    x = away_from_kink(rng, shape) if name in KINKED else 3 * rng.standard_normal(shape)
    dout_rng = copy.deepcopy(rng)
    report = check_layer(layer, x, rng=rng, tol=TOL, raise_on_failure=False)
    # Where x is far out on a saturating activation the gradient is 1e-7 or less and
    # the central difference's round-off decides (found by hypothesis: tanh, shape (3,),
    # a gradient entry of -4.5e-07 whose relative error was 1.2e-06).
    out = layer.forward(x)
    assert_agrees(report, TOL, round_off_floor(out * dout_rng.standard_normal(out.shape)))


@pytest.mark.parametrize(
    "factory", [layers.Sigmoid, layers.Tanh, layers.ReLU, lambda: layers.LeakyReLU(0.2)]
)
def test_activation_factories_backward(factory):
    rng = np.random.default_rng(1)
    assert_passed(check_layer(factory(), away_from_kink(rng, (4, 3)), rng=rng, tol=TOL))


def test_activation_layer_matches_its_function():
    x = np.array([[-2.0, 0.5], [1.0, -0.1]])
    np.testing.assert_allclose(layers.Sigmoid().forward(x), 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_allclose(layers.LeakyReLU(0.2).forward(x), np.where(x > 0, x, 0.2 * x))


@settings(deadline=None, max_examples=40)
@given(n=batch_sizes, d=widths, seed=seeds, per_feature=st.booleans())
def test_prelu_backward_including_alpha(n, d, seed, per_feature):
    rng = np.random.default_rng(seed)
    layer = layers.PReLU(d if per_feature else None, alpha=float(rng.uniform(0.05, 0.5)))
    report = check_layer(layer, away_from_kink(rng, (n, d)), rng=rng, tol=TOL)
    assert_passed(report)
    assert "alpha" in report.errors
    assert np.shape(layer.grads["alpha"]) == layer.params["alpha"].shape


@settings(deadline=None, max_examples=30)
@given(n=batch_sizes, d=widths, seed=seeds, slope=st.floats(0.05, 0.5))
def test_rrelu_training_backward(n, d, seed, slope):
    rng = np.random.default_rng(seed)
    # lower == upper makes the training-time slope deterministic, so the numerical
    # gradient sees the same function on every forward pass.
    layer = layers.RReLU(rng, lower=slope, upper=slope)
    assert layer.training
    assert_passed(check_layer(layer, away_from_kink(rng, (n, d)), rng=rng, tol=TOL))


def test_rrelu_training_backward_uses_the_sampled_slopes():
    rng = np.random.default_rng(3)
    layer = layers.RReLU(rng)
    x = away_from_kink(rng, (50, 4))
    out = layer.forward(x)
    slope = np.where(x > 0, 1.0, out / x)  # the slopes this forward pass drew
    assert np.all((slope[x < 0] >= 1 / 8) & (slope[x < 0] <= 1 / 3))
    dout = rng.standard_normal(x.shape)
    np.testing.assert_allclose(layer.backward(dout), dout * slope, rtol=1e-12)


@settings(deadline=None, max_examples=30)
@given(n=batch_sizes, d=widths, seed=seeds, p=st.floats(0.0, 0.9))
def test_dropout_backward_with_frozen_mask(n, d, seed, p):
    rng = np.random.default_rng(seed)
    layer = layers.Dropout(p, rng)
    layer.freeze_mask = True
    assert_passed(check_layer(layer, rng.standard_normal((n, d)), rng=rng, tol=TOL))
    layer.eval()
    x = rng.standard_normal((n, d))
    np.testing.assert_array_equal(layer.forward(x), x)


def test_dropout_keeps_the_expectation_and_drops_units():
    rng = np.random.default_rng(0)
    layer = layers.Dropout(0.3, rng)
    out = layer.forward(np.ones((400, 500)))
    zero_fraction = np.mean(out == 0)
    assert abs(zero_fraction - 0.3) < 0.01, zero_fraction
    assert abs(out.mean() - 1.0) < 0.01, out.mean()


@settings(deadline=None, max_examples=30)
@given(n=batch_sizes, d=widths, seed=seeds)
def test_residual_backward(n, d, seed):
    rng = np.random.default_rng(seed)
    block = layers.Sequential(layers.Linear(d, d, init="normal", rng=rng, std=1.0), layers.Tanh())
    layer = layers.Residual(block)
    report = check_layer(layer, rng.standard_normal((n, d)), rng=rng, tol=TOL)
    assert_passed(report)
    assert set(report.errors) == {"x", "block.0.W", "block.0.b"}


# --- Sequential composes ------------------------------------------------------------


@settings(deadline=None, max_examples=40)
@given(
    n=batch_sizes,
    sizes=st.lists(widths, min_size=2, max_size=5),
    act=st.sampled_from(SMOOTH),
    seed=seeds,
)
def test_sequential_backward(n, sizes, act, seed):
    rng = np.random.default_rng(seed)
    stack = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        stack += [layers.Linear(n_in, n_out, init="normal", rng=rng, std=1.0)]
        stack += [layers.ActivationLayer(act)]
    model = layers.Sequential(*stack)
    x, dout_rng = rng.standard_normal((n, sizes[0])), copy.deepcopy(rng)
    report = check_layer(model, x, rng=rng, tol=TOL, raise_on_failure=False)
    # Stacks as narrow as one unit at weight std 1 can leave a layer a gradient 1e-5 of
    # the loss or less (found by hypothesis: n=1, sizes [5, 1, 2, 5, 1], sigmoid). The
    # central differences of L = sum(out * dout) carry round-off of about
    # eps * sum|out * dout| / h; a gradient that small is compared against that floor.
    out = model.forward(x)
    assert_agrees(report, TOL, round_off_floor(out * dout_rng.standard_normal(out.shape)))
    expected = {"x"} | {f"{2 * i}.{k}" for i in range(len(sizes) - 1) for k in ("W", "b")}
    assert set(report.errors) == expected


@settings(deadline=None, max_examples=40)
@given(n=batch_sizes, d=widths, h=widths, k=widths, seed=seeds)
def test_sequential_equals_manual_composition(n, d, h, k, seed):
    rng = np.random.default_rng(seed)
    first = layers.Linear(d, h, init="normal", rng=rng, std=1.0)
    second = layers.Linear(h, k, init="normal", rng=rng, std=1.0)
    model = layers.Sequential(first, layers.Sigmoid(), second)
    x, dout = rng.standard_normal((n, d)), rng.standard_normal((n, k))
    W1, b1, W2, b2 = first.params["W"], first.params["b"], second.params["W"], second.params["b"]

    # The same network written out by hand, forward and backward.
    z = x @ W1 + b1
    a = 1 / (1 + np.exp(-z))
    out = a @ W2 + b2
    dW2, db2, da = a.T @ dout, dout.sum(axis=0), dout @ W2.T
    dz = da * a * (1 - a)
    dW1, db1, dx = x.T @ dz, dz.sum(axis=0), dz @ W1.T

    np.testing.assert_allclose(model.forward(x), out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.backward(dout), dx, rtol=1e-12, atol=1e-14)
    for key, manual in {"0.W": dW1, "0.b": db1, "2.W": dW2, "2.b": db2}.items():
        np.testing.assert_allclose(model.grads[key], manual, rtol=1e-12, atol=1e-14)


def test_sequential_params_are_the_layers_arrays():
    rng = np.random.default_rng(0)
    lin = layers.Linear(3, 2, rng=rng)
    model = layers.Sequential(lin, layers.ReLU())
    assert model.params["0.W"] is lin.params["W"]
    assert len(model) == 2 and model[0] is lin
    model.eval()
    assert not model.training and not lin.training
    model.train()
    assert model.training and lin.training
    assert "Linear(3 -> 2" in repr(model)


def test_sgd_step_updates_every_parameter_in_place():
    rng = np.random.default_rng(0)
    model = layers.Sequential(
        layers.Linear(3, 4, rng=rng), layers.Tanh(), layers.Linear(4, 2, rng=rng)
    )
    x = rng.standard_normal((5, 3))
    model.forward(x)
    model.backward(np.ones((5, 2)))
    before = {k: v.copy() for k, v in model.params.items()}
    grads = {k: v.copy() for k, v in model.grads.items()}
    layers.sgd_step(model, lr=0.1)
    for key, value in model.params.items():
        np.testing.assert_allclose(value, before[key] - 0.1 * grads[key], rtol=1e-14)


def test_sgd_step_lowers_a_loss_numerically_checked():
    rng = np.random.default_rng(4)
    model = layers.Sequential(
        layers.Linear(2, 3, rng=rng), layers.Sigmoid(), layers.Linear(3, 1, rng=rng)
    )
    x, y = rng.standard_normal((8, 2)), rng.standard_normal((8, 1))

    def loss() -> float:
        return float(0.5 * np.sum((model.forward(x) - y) ** 2))

    start = loss()
    model.backward(model.forward(x) - y)
    numeric = numerical_grad(lambda _: loss(), model.params["0.W"])
    assert rel_error(model.grads["0.W"], numeric) < TOL
    layers.sgd_step(model, lr=0.01)
    assert loss() < start


# --- errors name their argument -----------------------------------------------------


def test_linear_wrong_width_names_x_and_shape():
    layer = layers.Linear(3, 4, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\).*\(2, 5\)"):
        layer.forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\)"):
        layer.forward(np.ones(3))


def test_wrong_dout_shape_names_dout():
    layer = layers.Linear(3, 4, rng=np.random.default_rng(0))
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout must have the output's shape \(2, 4\)"):
        layer.backward(np.ones((2, 3)))
    act = layers.Sigmoid()
    act.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="dout"):
        act.backward(np.ones((3, 2)))


def test_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="before forward"):
        layers.Linear(2, 2, rng=np.random.default_rng(0)).backward(np.ones((1, 2)))


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: layers.Linear(2, 2, rng=rng),
        lambda rng: layers.Tanh(),
        lambda rng: layers.PReLU(2),
        lambda rng: layers.RReLU(rng),
        lambda rng: layers.Dropout(0.5, rng),
        lambda rng: layers.Dropout(0.5, rng).eval(),
        lambda rng: layers.Sequential(layers.Tanh()),
        lambda rng: layers.Residual(layers.Tanh()),
    ],
)
def test_every_layer_refuses_backward_before_forward_by_name(make):
    layer = make(np.random.default_rng(0))
    with pytest.raises(RuntimeError, match=rf"^{type(layer).__name__}\.backward called before"):
        layer.backward(np.ones((1, 2)))


@pytest.mark.parametrize("scheme", ["zeros", "constant"])
def test_schemes_that_draw_nothing_need_no_rng(scheme):
    layer = layers.Linear(2, 3, init=scheme)
    assert layer.params["W"].shape == (2, 3)
    assert np.all(layer.params["W"] == layer.params["W"][0, 0])  # every unit identical


@pytest.mark.parametrize("scheme", ["normal", "uniform", "xavier_uniform", "he_normal"])
def test_random_schemes_refuse_a_missing_rng_by_name(scheme):
    with pytest.raises(TypeError, match=r"rng must be a numpy Generator.*got NoneType"):
        layers.Linear(2, 3, init=scheme)


def test_every_layer_follows_the_protocol():
    rng = np.random.default_rng(0)
    made = [
        layers.Linear(2, 2, rng=rng),
        layers.Sigmoid(),
        layers.PReLU(),
        layers.RReLU(rng),
        layers.Dropout(0.1, rng),
        layers.Sequential(layers.Tanh()),
        layers.Residual(layers.Tanh()),
    ]
    for layer in made:
        assert isinstance(layer, layers.Layer), type(layer).__name__
    assert not isinstance(object(), layers.Layer)


def test_a_non_layer_is_refused_naming_what_it_lacks():
    class ForwardOnly:
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match=r"block must be a layer.*ForwardOnly.*\.backward"):
        layers.Residual(ForwardOnly())
    with pytest.raises(TypeError, match=r"layers\[0\] must be a layer.*got int"):
        layers.Sequential(3)


def test_containers_keep_their_childrens_mode():
    inner = layers.Dropout(0.5, np.random.default_rng(0)).eval()
    model = layers.Sequential(inner, layers.Residual(layers.Tanh().eval()))
    assert not inner.training and not model[1].training
    assert model.params == {} and model.grads == {}
    with pytest.raises(AttributeError, match="inner layers"):
        model.params = {"W": np.ones(1)}


def test_bad_constructor_arguments():
    with pytest.raises(TypeError, match="rng"):
        layers.Linear(2, 2, init="xavier_normal", rng=None)
    with pytest.raises(ValueError, match="init scheme"):
        layers.Linear(2, 2, init="nonsense", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_in"):
        layers.Linear(0, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        layers.Dropout(1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown activation"):
        layers.ActivationLayer("swish2")
    with pytest.raises(TypeError, match=r"layers\[1\]"):
        layers.Sequential(layers.ReLU(), "relu")
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\)"):
        layers.PReLU(3).forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="lr must be positive"):
        layers.sgd_step(layers.Linear(2, 2, init="zeros"), lr=0.0)


def test_reprs_explain_the_layer():
    assert repr(layers.Linear(800, 750, init="zeros")) == "Linear(800 -> 750, init=zeros)"
    assert repr(layers.LeakyReLU(0.1)) == "ActivationLayer('leaky_relu', alpha=0.1)"
    assert repr(layers.Dropout(0.5, np.random.default_rng(0))) == "Dropout(p=0.5)"
    assert repr(layers.Residual(layers.Tanh())).startswith("Residual(")


# --- aliasing, reuse, non-finite input and argument types ------------------------------


@pytest.mark.parametrize(
    "make", [lambda rng: layers.Linear(3, 2, rng=rng), lambda rng: layers.Sigmoid()]
)
def test_changing_x_after_forward_changes_nothing(make, rng):
    x = rng.standard_normal((4, 3))
    dout = rng.standard_normal(make(np.random.default_rng(0)).forward(x).shape)
    reference = make(np.random.default_rng(0))
    reference.forward(x.copy())
    expected = reference.backward(dout), dict(reference.grads)
    layer = make(np.random.default_rng(0))
    out = layer.forward(x)
    x[...] = 100.0  # the caller reuses its array
    out[...] = -5.0  # and changes what it got back
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dx, expected[0])
    for name, g in layer.grads.items():
        np.testing.assert_array_equal(g, expected[1][name])


def test_dropout_in_eval_returns_copies(rng):
    drop = layers.Dropout(0.5, rng).eval()
    x, dout = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    out, dx = drop.forward(x), drop.backward(dout)
    assert np.array_equal(out, x) and not np.shares_memory(out, x)
    assert np.array_equal(dx, dout) and not np.shares_memory(dx, dout)


def test_a_layer_twice_in_a_model_is_refused_by_name(rng):
    lin = layers.Linear(2, 2, rng=rng)
    with pytest.raises(ValueError, match=r"layers\[1\] is the same layer object as layers\[0\]"):
        layers.Sequential(lin, lin)
    with pytest.raises(ValueError, match=r"layers\[1\]\.block"):
        layers.Sequential(lin, layers.Residual(lin))
    model = layers.Sequential(lin, layers.Tanh())
    model.layers[1] = lin  # replaced after construction: refused at the forward pass
    with pytest.raises(ValueError, match="same layer object"):
        model.forward(np.ones((1, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_layers_refuse_non_finite_input_by_name(bad, rng):
    x = np.ones((2, 3))
    x[1, 2] = bad
    with pytest.raises(ValueError, match=r"x must be finite; it holds .* at index \(1, 2\)"):
        layers.Linear(3, 2, rng=rng).forward(x)
    lin = layers.Linear(3, 2, rng=rng)
    lin.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="dout must be finite"):
        lin.backward(np.full((2, 2), bad))


def test_an_overflowing_output_is_refused_naming_the_input(rng):
    with pytest.raises(ValueError, match="x is too large"):
        layers.Dropout(0.5, rng).forward(np.full((4, 4), 1e308))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda rng: layers.Linear(2, 2, rng=rng, bias="no"), "bias"),
        (lambda rng: layers.PReLU(0), "num_features"),
        (lambda rng: layers.PReLU(num_features=-1), "num_features"),
        (lambda rng: layers.Sequential(), "at least one layer"),
        (lambda rng: setattr(layers.Dropout(0.5, rng), "training", "no"), "training"),
        (lambda rng: setattr(layers.Dropout(0.5, rng), "freeze_mask", 1), "freeze_mask"),
        (lambda rng: layers.Sequential(layers.Tanh()).forward("abc"), "x must be"),
        (lambda rng: layers.sgd_step("notalayer", 0.1), "layer must be a layer"),
        (lambda rng: layers.LeakyReLU(alpha=np.ones(2)), "alpha"),
    ],
)
def test_wrong_types_and_degenerate_arguments_are_refused(make, match, rng):
    with pytest.raises((ValueError, TypeError), match=match):
        make(rng)


def test_sgd_step_refuses_integer_weights(rng):
    lin = layers.Linear(2, 2, init="zeros")
    lin.params["W"] = np.array([[3, -2], [1, 0]])
    with pytest.raises(TypeError, match=r"params\['W'\] must be a float64"):
        layers.sgd_step(lin, 0.1)

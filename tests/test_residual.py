"""Residual's backward pass, gradient-checked on random shapes."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers import layers
from helpers.gradcheck import check_layer


@settings(deadline=None, max_examples=40)
@given(
    n=st.integers(1, 5),
    d=st.integers(1, 6),
    activation=st.sampled_from(["sigmoid", "tanh", "relu"]),
    seed=st.integers(0, 2**16),
)
def test_residual_backward_matches_numerical_gradients(n, d, activation, seed):
    rng = np.random.default_rng(seed)
    block = layers.Sequential(layers.Linear(d, d, rng=rng), layers.ActivationLayer(activation))
    model = layers.Residual(block)
    x = rng.standard_normal((n, d))
    # Central differences straddling ReLU's kink are wrong, not the backward pass.
    z = x @ block[0].params["W"] + block[0].params["b"]
    assume(activation != "relu" or np.min(np.abs(z)) > 1e-4)
    report = check_layer(model, x, rng=rng, tol=1e-6)
    assert report.passed, report.failure_message()
    assert set(report.errors) == {"x", "block.0.W", "block.0.b"}


@settings(deadline=None, max_examples=30)
@given(n=st.integers(1, 5), d=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_residual_adds_the_identity_to_the_blocks_jacobian(n, d, seed):
    rng = np.random.default_rng(seed)
    lin = layers.Linear(d, d, rng=rng)
    model = layers.Residual(lin)
    x, dout = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    np.testing.assert_allclose(
        model.forward(x), x + x @ lin.params["W"] + lin.params["b"], rtol=1e-12, atol=1e-12
    )
    dx = model.backward(dout)
    expected = dout + dout @ lin.params["W"].T  # d(x + xW + b)/dx applied to dout
    np.testing.assert_allclose(
        dx, expected, rtol=1e-12, atol=1e-12, err_msg=f"analytic {dx} vs expected {expected}"
    )


def test_deep_residual_stack_gradient_checks():
    rng = np.random.default_rng(1)
    model = layers.Sequential(
        *[
            layers.Residual(layers.Sequential(layers.Linear(3, 3, rng=rng), layers.Tanh()))
            for _ in range(4)
        ]
    )
    report = check_layer(model, rng.standard_normal((4, 3)), rng=rng)
    assert report.passed, report.failure_message()
    assert len(report.errors) == 1 + 2 * 4


def test_residual_refuses_a_shape_changing_block():
    model = layers.Residual(layers.Linear(3, 2, rng=np.random.default_rng(0)))
    with pytest.raises(ValueError, match="block output shape == input shape"):
        model.forward(np.zeros((2, 3)))

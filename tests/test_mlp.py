"""Tests for helpers.experiments.mlp: the builder against networks built layer by layer,
its options (blocks, residual connections, normalisation, dropout, the head's
initialisation) and its argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import layers, norm
from helpers.experiments import mlp
from tests.support.params import assert_same_params


def test_mlp_shape_and_repr(rng):
    model = mlp([6, 5, 4], "tanh", rng, bias=False, head=False)
    assert len(model) == 4
    assert repr(model[0]) == "Linear(6 -> 5, init=xavier_normal)"
    assert "b" not in model[0].params and model[2].params["W"].shape == (5, 4)
    assert model.forward(np.ones((3, 6))).shape == (3, 4)


def test_mlp_passes_init_arguments(rng):
    model = mlp([2000, 10], "relu", rng, init="normal", head=False, std=0.5)
    assert abs(model[0].params["W"].std() - 0.5) < 0.01


@pytest.mark.parametrize("widths", [[5], [], [3, 0, 2]])
def test_mlp_refuses_bad_widths(rng, widths):
    with pytest.raises(ValueError, match="widths"):
        mlp(widths, "tanh", rng)


def test_mlp_draws_the_weights_of_the_same_network_built_by_hand():
    """Same seed, same layers in the same order: the same weights, bit for bit."""
    built = mlp([3, 4, 4, 2], "tanh", np.random.default_rng(5), init="he_normal", gain=1.5)
    gen = np.random.default_rng(5)
    by_hand = layers.Sequential(
        layers.Linear(3, 4, init="normal", rng=gen, std=1.5 / np.sqrt(3)),
        layers.Tanh(),
        layers.Linear(4, 4, init="normal", rng=gen, std=1.5 / np.sqrt(4)),
        layers.Tanh(),
        layers.Linear(4, 2, init="normal", rng=gen, std=1.5 / np.sqrt(4)),
    )
    assert_same_params(built, by_hand)


def test_mlp_blocks_residual_norm_dropout_and_head_init(rng):
    net = mlp([3, 5, 5, 5, 2], "relu", rng, blocks=True, residual=True)
    assert len(net) == 4 and isinstance(net[0], layers.Sequential)
    assert isinstance(net[1], layers.Residual) and isinstance(net[2], layers.Residual)
    assert repr(net[3]) == "Linear(5 -> 2, init=xavier_normal)"
    x = rng.standard_normal((4, 3))
    a1 = net[0](x)
    np.testing.assert_array_equal(net[1](a1), a1 + net[1].block(a1))
    bn = mlp([3, 5, 2], layers.Tanh, rng, init="normal", bias=False, norm=norm.BatchNorm, std=0.1)
    assert [type(layer).__name__ for layer in bn.layers] == [
        "Linear",
        "BatchNorm",
        "ActivationLayer",
        "Linear",
    ]
    assert "b" not in bn[0].params and "b" in bn[3].params
    assert abs(bn[0].params["W"].std() - 0.1) < 0.1
    other = mlp([3, 5, 2], "tanh", rng, init="he_normal", head_init="zeros")
    assert not other[2].params["W"].any() and other[0].params["W"].any()
    scaled = mlp([3, 5, 2], "tanh", rng, head_init="constant", head_kwargs={"value": 0.25})
    assert np.all(scaled[2].params["W"] == 0.25)
    drop = mlp([3, 5, 1], "tanh", rng, dropout=0.5)
    assert isinstance(drop[2], layers.Dropout) and drop[2].p == 0.5


def test_mlp_refuses_bad_arguments(rng):
    with pytest.raises(ValueError, match="keep the width"):
        mlp([3, 5, 6, 2], "relu", rng, residual=True)
    with pytest.raises(TypeError, match="activation"):
        mlp([3, 2], 3, rng)
    with pytest.raises(TypeError, match="widths"):
        mlp(5, "tanh", rng)
    with pytest.raises(TypeError, match="rng"):
        mlp([3, 4, 1], "tanh", None, dropout=0.5)
    with pytest.raises(ValueError, match="head_init"):
        mlp([3, 4, 1], "tanh", rng, head_kwargs={"std": 1.0})


def test_mlp_refuses_wrong_flags_and_unknown_activations_at_once(rng):
    with pytest.raises(TypeError, match="blocks must be True or False"):
        mlp([3, 4, 1], "tanh", rng, blocks="no")
    with pytest.raises(ValueError, match="unknown activation name 'bogus'"):
        mlp([3, 2], "bogus")

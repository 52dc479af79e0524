"""helpers.probes: the per-layer statistics against hand computation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers import experiments, layers, losses, probes
from helpers.gradcheck import numerical_grad, rel_error


@settings(deadline=None, max_examples=25)
@given(
    seed=st.integers(0, 2**32 - 1), n=st.integers(1, 4), act=st.sampled_from(["tanh", "sigmoid"])
)
def test_trace_outputs_and_gradients_match_hand_computation(seed, n, act):
    rng = np.random.default_rng(seed)
    model = experiments.mlp([4, 3, 3, 2], act, rng, init="xavier_normal", bias=False, head=False)
    x = rng.standard_normal((n, 4))
    dout = rng.standard_normal((n, 2))
    tr = probes.trace(model, x, dout)
    assert len(tr.outputs) == len(tr.grads_out) == 6
    np.testing.assert_allclose(tr.outputs[-1], model.forward(x), rtol=1e-12)
    # dL/d(output of layer i) for L = sum(final output * dout), by central differences
    for i in (1, 3):
        rest = layers.Sequential(*model.layers[i + 1 :])
        h = tr.outputs[i].copy()
        numeric = numerical_grad(lambda h_, rest=rest: float(np.sum(rest.forward(h_) * dout)), h)
        err = rel_error(tr.grads_out[i], numeric)
        # 1e-7 is typical; a draw with a tiny entry reaches 1.1e-7, and a bug gives 1e-2
        assert err < 1e-6, f"layer {i}: analytic\n{tr.grads_out[i]}\nnumeric\n{numeric}"


def test_trace_without_backward_and_bad_dout(rng):
    model = experiments.mlp([3, 2], "relu", rng, init="he_normal", bias=False, head=False)
    tr = probes.trace(model, np.ones((2, 3)))
    assert tr.grads_out == [None, None]
    with pytest.raises(ValueError, match="arrays\\[0\\] is None"):
        probes.layer_stats(tr.grads_out)
    with pytest.raises(ValueError, match="dout must have the output's shape"):
        probes.trace(model, np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(TypeError, match="Sequential"):
        probes.trace(model[0], np.ones((2, 3)))


def test_layer_stats_by_hand():
    a = np.array([[0.0, 1.0], [-0.995, 0.5]])
    (s,) = probes.layer_stats([a])
    assert s["mean"] == pytest.approx(a.mean()) and s["std"] == pytest.approx(a.std())
    assert s["frac_zero"] == 0.25 and s["frac_saturated"] == 0.5


def test_grad_norms_per_layer(rng):
    model = experiments.mlp([4, 3, 2], "tanh", rng, init="xavier_normal", bias=False, head=False)
    probes.trace(model, rng.standard_normal((5, 4)), rng.standard_normal((5, 2)))
    norms = probes.grad_norms_per_layer(model)
    expected = [np.sqrt(np.sum(model[i].grads["W"] ** 2)) for i in (0, 2)]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="no Linear"):
        probes.grad_norms_per_layer(layers.Sequential(layers.Tanh()))


@settings(deadline=None, max_examples=40)
@given(
    values=st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=60),
    bins=st.integers(1, 12),
)
def test_histograms_match_numpy_inside_the_range(values, bins):
    a = np.array(values)
    edges, fractions = probes.histograms([a, a * 0.5], bins, (-2.0, 3.0))
    assert fractions.shape == (2, bins) and np.allclose(fractions.sum(axis=1), 1.0)
    np.testing.assert_allclose(edges, np.linspace(-2.0, 3.0, bins + 1))
    # numpy's histogram of the values clipped into the range, as an independent count
    clipped = np.clip(a, -2.0, 3.0)
    on_edge = np.min(np.abs(clipped[:, None] - edges[1:-1][None, :]), initial=1.0) < 1e-9
    assume(not on_edge)  # where float rounding may put a value in either bin
    expected, _ = np.histogram(clipped, bins=edges)
    np.testing.assert_allclose(fractions[0], expected / a.size, atol=1e-12)


def test_histograms_refuse_bad_input():
    with pytest.raises(ValueError, match="value_range"):
        probes.histograms([np.zeros(3)], 4, (1.0, 1.0))
    with pytest.raises(ValueError, match="bins"):
        probes.histograms([np.zeros(3)], 0, (0.0, 1.0))
    with pytest.raises(ValueError, match="finite"):
        probes.histograms([np.array([np.nan])], 4, (0.0, 1.0))
    with pytest.raises(ValueError, match="empty"):
        probes.histograms([np.zeros(0)], 4, (0.0, 1.0))


def test_linear_layers_finds_them_inside_blocks_and_residuals(rng):
    net = experiments.mlp([3, 4, 4, 2], "tanh", rng, blocks=True, residual=True)
    found = probes.linear_layers(net)
    assert [lin.params["W"].shape for lin in found] == [(3, 4), (4, 4), (4, 2)]
    assert found[1] is net[1].block[0]
    assert probes.linear_layers(layers.Tanh()) == []


def test_a_trace_keeps_its_own_dout(rng):
    model = layers.Sequential(layers.Tanh())
    dout = np.ones((2, 2))
    tr = probes.trace(model, rng.standard_normal((2, 2)), dout)
    dout[...] = 5.0
    assert np.all(tr.grads_out[-1] == 1.0)


def test_norms_and_statistics_of_huge_values():
    assert probes.l2_norm(np.array([3e200, 4e200])) == pytest.approx(5e200, rel=1e-15)
    stats = probes.layer_stats([np.array([1e308, -1e308])])[0]  # no overflow warning
    assert stats["mean"] == 0.0 and stats["std"] == pytest.approx(1e308)


# --- LayerMonitor: per-layer numbers of a training run -----------------------------------


def _monitored_run(rng, every=1, steps=6, optimizer=None):
    model = experiments.mlp([5, 4, 3, 2], "tanh", rng)
    X, y = rng.standard_normal((12, 5)), rng.standard_normal((12, 2))
    monitor = probes.LayerMonitor(model, every=every)
    weights, grads = [], []

    def before(model, step):  # what the monitor should see, taken independently
        weights.append([model.params[k].copy() for k in ("0.W", "2.W", "4.W")])
        grads.append([model.grads[k].copy() for k in ("0.W", "2.W", "4.W")])

    def both_before(model, step):
        before(model, step)
        monitor.after_backward(model, step)

    experiments.train(
        model,
        losses.mse,
        X,
        y,
        lr=0.1,
        steps=steps,
        optimizer=optimizer,
        after_backward=both_before,
        after_step=monitor.after_step,
    )
    weights.append([model.params[k].copy() for k in ("0.W", "2.W", "4.W")])
    return monitor, weights, grads


def test_monitor_records_gradient_norms_and_update_ratios_of_every_layer(rng):
    monitor, weights, grads = _monitored_run(rng)
    assert monitor.steps.tolist() == list(range(6))
    assert monitor.grad_norms.shape == monitor.update_ratios.shape == (6, 3)
    for t in range(6):
        for layer in range(3):
            norm = np.linalg.norm(grads[t][layer])
            moved = np.linalg.norm(weights[t + 1][layer] - weights[t][layer])
            ratio = moved / np.linalg.norm(weights[t][layer])
            np.testing.assert_allclose(monitor.grad_norms[t, layer], norm, rtol=1e-12)
            np.testing.assert_allclose(monitor.update_ratios[t, layer], ratio, rtol=1e-12)
    # plain gradient descent: the update is lr * gradient
    np.testing.assert_allclose(
        monitor.update_ratios[:, 0],
        0.1 * monitor.grad_norms[:, 0] / [np.linalg.norm(w[0]) for w in weights[:-1]],
        rtol=1e-10,
    )


def test_monitor_records_every_kth_step_and_its_hooks_plug_into_train(rng):
    monitor, _, _ = _monitored_run(rng, every=3, steps=7)
    assert monitor.steps.tolist() == [0, 3, 6]
    assert monitor.update_ratios.shape == (3, 3)
    model = experiments.mlp([3, 2], "tanh", rng)
    other = probes.LayerMonitor(model)
    experiments.train(
        model, losses.mse, np.ones((4, 3)), np.ones((4, 2)), lr=0.1, steps=2, **other.hooks
    )
    assert other.steps.tolist() == [0, 1] and "2 steps recorded" in repr(other)


def test_monitor_update_ratio_of_a_zero_matrix_is_infinite_then_finite(rng):
    model = experiments.mlp([3, 4, 2], "tanh", rng, head_init="zeros")
    monitor = probes.LayerMonitor(model)
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    experiments.train(model, losses.mse, X, y, lr=0.1, steps=2, **monitor.hooks)
    assert np.isinf(monitor.update_ratios[0, 1]) and np.isfinite(monitor.update_ratios[1]).all()
    frozen = experiments.mlp([3, 2], "tanh", rng, init="zeros")
    still = probes.LayerMonitor(frozen)
    experiments.train(frozen, losses.mse, X, np.zeros((8, 2)), lr=0.1, steps=1, **still.hooks)
    assert still.update_ratios.tolist() == [[0.0]]


def test_monitor_refuses_another_model_and_bad_arguments(rng):
    model = experiments.mlp([3, 2], "tanh", rng)
    monitor = probes.LayerMonitor(model)
    with pytest.raises(ValueError, match="model must be the model this monitor watches"):
        monitor.after_backward(experiments.mlp([3, 2], "tanh", rng), 0)
    with pytest.raises(ValueError, match="every must be a positive integer"):
        probes.LayerMonitor(model, every=0)
    with pytest.raises(TypeError, match="model must be a layer"):
        probes.LayerMonitor("model")
    with pytest.raises(ValueError, match="no Linear layers"):
        probes.LayerMonitor(layers.Sequential(layers.Tanh()))

"""helpers.data.mnist1d against the reference implementation of MNIST-1D, and the
paper's baselines reproduced with helpers.

The reference is the ``mnist1d`` package of Greydanus and Kobak (a test extra: it needs
scipy and requests, which helpers does not). It is used only through its generating
functions, with the network refused while it runs: nothing is downloaded. Without the
package the comparisons are skipped, except under CI=true, where they fail.

The comparison of distributions works in standard errors. For each digit, it compares
the mean and the standard deviation of the reference's signals with ours at each
position; it does the same for the signals' second differences, where the small iid
noise shows (the signals' own spread hardly feels it), and for each signal's values
sorted, where the scale and the noise levels show without the shifts' variation. Each
difference is divided by its standard error: sqrt(s1^2 / n1 + s2^2 / n2) for a mean; for
a standard deviation, each sample's delta-method error sqrt((m4 - s^4) / n) / (2 s), m4
the fourth central moment, combined the same way. For a correct generator each ratio is
close to standard normal (measured: their standard deviation is 0.91 to 1.09 between
reference data sets and ours). There are 10 digits x (40 + 38 + 40) positions x 2
statistics = 2,360 of them, and P(|z| > 5) = 5.7e-7, so a correct generator fails with
probability below 0.2 % (the union bound): the tolerance is 5 standard errors. Four
reference data sets (its seeds 42 to 45) compared pairwise reach at most 4.2.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import numpy as np
import pytest

from helpers import data, experiments, losses
from tests.support.site import in_ci

#: The largest difference allowed, in standard errors (see the module docstring).
TOLERANCE = 5.0
#: How many of our signals each comparison draws: 2,000 per digit, four times the
#: reference's 500, so that the reference's sampling error dominates.
N_OURS = 20_000


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        message = (
            f"{name} is not installed; it comes with the test extras: pip install -e '.[test]'"
        )
        if in_ci():
            pytest.fail(f"{message} (CI=true requires the comparison with MNIST-1D's reference)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    """The reference's data module, ``mnist1d.data``."""
    return _import("mnist1d.data")


@contextmanager
def _global_generators() -> Iterator[None]:
    """The reference draws from numpy's and Python's global generators (seeding them
    itself): put them back as they were afterwards."""
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)


def _no_network(*args, **kwargs):
    raise AssertionError(f"the reference tried to reach the network: {args}")


@pytest.fixture(scope="module")
def reference_set(reference) -> tuple[np.ndarray, np.ndarray]:
    """The reference's default data set (5,000 signals, its seed 42), all of it, made by
    its own make_dataset with requests.get refused. returns X: (5000, 40), y: (5000,)."""
    with _global_generators(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(reference.requests, "get", _no_network)
        made = reference.make_dataset(reference.get_dataset_args())
    return np.vstack([made["x"], made["x_test"]]), np.concatenate([made["y"], made["y_test"]])


def _moments(X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Per digit (rows) and position (columns): the mean, the standard deviation, and
    their standard errors."""
    groups = [X[y == digit] for digit in range(10)]
    n = np.array([[len(Z)] for Z in groups])
    mean = np.stack([Z.mean(axis=0) for Z in groups])
    sd = np.stack([Z.std(axis=0, ddof=1) for Z in groups])
    m4 = np.stack([np.mean((Z - Z.mean(axis=0)) ** 4, axis=0) for Z in groups])
    se_sd = np.sqrt(np.maximum(m4 - sd**4, 0) / n) / (2 * sd)
    return {"mean": mean, "sd": sd, "se_mean": sd / np.sqrt(n), "se_sd": se_sd}


#: What is compared, per digit: X: (N, 40) -> (N, positions).
FEATURES = {
    "signal": lambda X: X,
    "2nd difference": lambda X: np.diff(X, 2),
    "sorted": lambda X: np.sort(X),
}


def compare(reference: tuple, ours: tuple) -> dict[str, tuple[float, float]]:
    """The largest difference of means and of standard deviations, per digit and
    position, of each feature: for each, (largest |z|, largest |difference|), z in
    standard errors."""
    out = {}
    for feature, view in FEATURES.items():
        a, b = _moments(view(reference[0]), reference[1]), _moments(view(ours[0]), ours[1])
        for stat in ("mean", "sd"):
            diff = a[stat] - b[stat]
            z = diff / np.hypot(a[f"se_{stat}"], b[f"se_{stat}"])
            out[f"{stat} of {feature}"] = (float(np.abs(z).max()), float(np.abs(diff).max()))
    return out


def _ours(seed: int, **params) -> tuple[np.ndarray, np.ndarray]:
    split = data.mnist1d(np.random.default_rng(seed), n_train=N_OURS, n_val=10, n_test=10, **params)
    return split.train


def _report(found: dict[str, tuple[float, float]]) -> str:
    return "; ".join(f"{k}: {z:.2f} SE ({d:.3f})" for k, (z, d) in found.items())


# --- the pieces, exactly ------------------------------------------------------------------


def test_the_templates_equal_the_references(reference):
    np.testing.assert_array_equal(data.MNIST1D_TEMPLATES, reference.get_templates()["x"])


def test_the_correlated_noise_is_smoothed_as_the_reference_smooths_it():
    transform = _import("mnist1d.transform")
    with _global_generators():
        np.random.seed(0)  # noqa: NPY002
        theirs = transform.corr_noise_like(np.zeros(72), 0.25)
    # the same draws: the global generator seeded with 0 is RandomState(0)
    noise = 0.25 * np.random.RandomState(0).standard_normal((1, 72))
    np.testing.assert_allclose(data._smooth(noise, 2.0)[0], theirs, rtol=0, atol=1e-15)


@pytest.mark.parametrize(("n_in", "n_out"), [(72, 40), (48, 72), (60, 60)])
def test_the_resampling_is_the_references_linear_interpolation(n_in, n_out):
    transform = _import("mnist1d.transform")
    x = np.random.default_rng(n_in).standard_normal(n_in)
    ours = data._interpolate(x[None], np.linspace(0, n_in - 1, n_out))[0]
    np.testing.assert_allclose(ours, transform.interpolate(x, n_out), rtol=0, atol=1e-13)


# --- the distributions ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_the_signals_are_distributed_as_the_references(reference_set, seed):
    found = compare(reference_set, _ours(seed))
    worst = max(z for z, _ in found.values())
    assert worst < TOLERANCE, (
        f"a statistic is {worst:.2f} SE off (tolerance {TOLERANCE}): " + _report(found)
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "wrong",
    [
        {"shear": 0.375},
        {"shear": 1.5},
        {"iid_noise": 0.04},
        {"corr_noise": 0.3},
        {"scale": 0.0},
        {"max_translation": 40},
    ],
    ids=[
        "shear halved",
        "shear doubled",
        "iid noise doubled",
        "correlated noise +20%",
        "no scaling",
        "translation 40",
    ],
)
def test_the_comparison_fails_for_a_wrong_generator(reference_set, wrong):
    found = compare(reference_set, _ours(0, **wrong))
    worst = max(z for z, _ in found.values())
    assert worst > TOLERANCE, f"{wrong} passed as the reference: " + _report(found)


# --- the paper's baselines ----------------------------------------------------------------
#: The paper's test accuracies (Greydanus and Kobak, 2024, and the reference's README).
PAPER = {"logistic": 0.32, "mlp": 0.68}
#: How far the mean over SEEDS may land from them. Over seeds 0 to 11 we measured
#: 32.8 % (standard deviation 1.1 points) and 64.0 % (0.9 points; 61.9 to 65.4). The
#: reference's own benchmark notebook trains the same two models to 31.5 % and 65.1 %,
#: and the same training on the reference's data set and on ours gives the same
#: accuracy (MLP, 1,000 steps, 8 seeds: 63.6 % and 64.1 %): the MLP's distance to 68 %
#: lies in the training, not in the data. With 4 seeds the mean's standard error is
#: 0.55 and 0.5 points, so these distances leave 2.2 and 2.0 of them beyond the
#: distances measured (0.8 and 4.0).
DISTANCE = {"logistic": 0.02, "mlp": 0.05}
SEEDS = [0, 1, 2, 3]


def baseline(kind: str, seed: int, **params) -> float:
    """Test accuracy of the paper's model trained on the 4,000 signals of the default
    split's training and validation sets together (the paper's training set).

    logistic: one Linear layer, 40 -> 10; the loss is convex, so it is trained to its
    optimum quickly, with full batches (Adam, lr 0.05, 200 steps): the training accuracy
    it reaches, 37.6 %, is the reference notebook's 37.2 % after its 6,000 small steps.
    mlp: the reference's network, 40 -> 100 -> 100 -> 10 with ReLU and the second hidden
    layer residual, trained as the reference trains it (Adam, lr 0.01, batches of 100),
    for 1,000 steps instead of 6,000: its test accuracy has stopped rising by then (over
    seeds 0 to 5, 2,000 steps gave 63.6 %, no better than 1,000 steps' 64.0 %).
    """
    data_rng, train_rng = np.random.default_rng(seed).spawn(2)
    split = data.mnist1d(data_rng, **params)
    X, y = np.vstack([split.X_train, split.X_val]), np.concatenate([split.y_train, split.y_val])
    if kind == "logistic":
        model = experiments.mlp([40, 10], "relu", train_rng)
        settings = {"lr": 0.05, "steps": 200}
    else:
        model = experiments.mlp(
            [40, 100, 100, 10], "relu", train_rng, init="he_normal", residual=True
        )
        settings = {"lr": 0.01, "steps": 1000, "batch_size": 100, "rng": train_rng}
    experiments.train(
        model, losses.softmax_cross_entropy, X, y, optimizer=experiments.Adam(), **settings
    )
    return float(np.mean(model.forward(split.X_test).argmax(axis=1) == split.y_test))


def far_from_the_paper(kind: str, accuracies: list[float]) -> str | None:
    """Why the mean accuracy is too far from the paper's, or None."""
    mean, spread = np.mean(accuracies), np.std(accuracies, ddof=1)
    if abs(mean - PAPER[kind]) <= DISTANCE[kind]:
        return None
    return (
        f"{kind}: test accuracy {mean:.3f} (standard deviation {spread:.3f} over seeds "
        f"{SEEDS}: {np.round(accuracies, 3).tolist()}) is more than {DISTANCE[kind]} from "
        f"the paper's {PAPER[kind]}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["logistic", "mlp"])
def test_the_baselines_land_near_the_papers(kind):
    problem = far_from_the_paper(kind, [baseline(kind, seed) for seed in SEEDS])
    assert problem is None, problem


@pytest.mark.slow
def test_the_baseline_check_fails_on_data_without_translation():
    # unshifted digits are easy for a linear model: it scores about 99 %, not 32 %
    problem = far_from_the_paper(
        "logistic", [baseline("logistic", seed, max_translation=1) for seed in SEEDS]
    )
    assert problem is not None and "logistic: test accuracy 0.9" in problem, problem

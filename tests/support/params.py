"""Comparing the parameters of two networks."""

from __future__ import annotations

import numpy as np

from helpers import layers


def assert_same_params(a: layers.Layer, b: layers.Layer) -> None:
    """The two networks hold the same parameters, by name and value, in one order."""
    assert list(a.params) == list(b.params)
    for name in a.params:
        assert np.array_equal(a.params[name], b.params[name]), name

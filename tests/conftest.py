"""Shared fixtures: a seeded generator; the browser's and the built site's fixtures
come from tests/support/site.py. Nothing here is imported by a test: the book's paths
and structure are :mod:`editions.book`, shared helpers are in tests/support."""

from __future__ import annotations

import numpy as np
import pytest

from editions.kernels import use_ipc_kernels

pytest_plugins = ["tests.support.site"]


def pytest_configure(config: pytest.Config) -> None:
    # The notebooks' kernels (nbval, nbclient) talk over Unix sockets, as the book
    # build's do, so that they log no transport warning (see editions/kernels.py).
    use_ipc_kernels()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)

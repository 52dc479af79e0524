"""Shared fixtures: a seeded generator; the browser's and the built site's fixtures
come from tests/support/site.py. Nothing here is imported by a test: the book's paths
and structure are :mod:`editions.book`, shared helpers are in tests/support."""

from __future__ import annotations

import numpy as np
import pytest

from editions.kernels import use_ipc_kernels
from tests.support.seeds import ci_seeds

pytest_plugins = ["tests.support.site"]


def pytest_report_header() -> str:
    """The run says which other seeds the chapters run with today (tests/test_seeds.py)."""
    return f"chapters also run with SEED = {', '.join(map(str, ci_seeds()))} (today's seeds)"


def pytest_configure(config: pytest.Config) -> None:
    # The notebooks' kernels (nbval, nbclient) talk over Unix sockets, as the book
    # build's do, so that they log no transport warning (see editions/kernels.py).
    use_ipc_kernels()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)

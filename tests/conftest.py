"""Shared fixtures: a seeded generator; the browser's and the built site's fixtures
come from tests/support/site.py. Nothing here is imported by a test: the book's paths
and structure are :mod:`editions.book`, shared helpers are in tests/support."""

from __future__ import annotations

from collections import Counter

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


#: The test files that take longest, longest first: CPU seconds of each alone, on two
#: cores: 434, 394, 194, 122, 119, 94, 82 and 60. They start first, and the other files
#: fill in around them, so that no worker is left running a long file at the end.
LONGEST_FIRST = (
    "test_live_jupyter.py",
    "test_lite.py",
    "test_site_accessibility.py",
    "test_seeds.py",
    "test_site_pages.py",
    "test_site_explorers_live.py",
    "test_binder.py",
    "test_student.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first; then the others, those with most tests first, as xdist
    orders files by itself (the sort is stable: a file's tests keep their order)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    counts = Counter(item.path for item in items)
    items.sort(key=lambda item: (rank.get(item.path.name, len(rank)), -counts[item.path]))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)

"""Shared fixtures: a seeded generator and the repository's paths; the browser's and
the built site's fixtures come from tests/support/site.py."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from editions.kernels import use_ipc_kernels

pytest_plugins = ["tests.support.site"]

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
# The longest code line a chapter may hold: the line-length that ruff applies to
# the notebooks (book/ruff.toml), which the book's code column shows in full.
CODE_WIDTH: int = tomllib.loads((BOOK / "ruff.toml").read_text(encoding="utf-8"))["line-length"]


def pytest_configure(config: pytest.Config) -> None:
    # The notebooks' kernels (nbval, nbclient) talk over Unix sockets, as the book
    # build's do, so that they log no transport warning (see editions/kernels.py).
    use_ipc_kernels()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)

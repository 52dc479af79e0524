"""Shared fixtures: a seeded generator, the repository's paths, and the browser."""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from editions.kernels import use_ipc_kernels

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


def _find_chromium() -> str | None:
    """The system Chromium: $CHROMIUM, else chromium / chromium-browser on PATH."""
    candidates = [os.environ.get("CHROMIUM"), "chromium", "chromium-browser"]
    for name in filter(None, candidates):
        path = shutil.which(name) or (name if Path(name).is_file() else None)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the Chromium the browser tests drive; a missing one fails under CI=true."""
    path = _find_chromium()
    if path is None:
        message = "no Chromium found (install Debian's chromium or set CHROMIUM)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message + "; CI=true requires the browser tests to run")
        pytest.skip(message)
    return path

"""Shared fixtures: a seeded generator and the repository's paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)

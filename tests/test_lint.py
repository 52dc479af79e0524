"""The code, tests and notebooks are ruff clean and ruff formatted, and the project's
code passes mypy (configured in pyproject.toml) with no errors."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from editions.book import ROOT

RUFF = Path(sys.executable).parent / "ruff"
TARGETS = ["helpers", "editions", "tests", "book", "benchmarks", "_ext"]
#: What mypy checks: every folder of code but the tests themselves.
TYPED = ["helpers", "editions", "benchmarks", "_ext", "tests/support"]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    present = [t for t in TARGETS if (ROOT / t).exists()]
    return subprocess.run(
        [str(RUFF), *args, *present], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check_passes():
    result = _ruff("check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    result = _ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_checks_every_folder_of_code():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["mypy"]["files"] == TYPED


def test_mypy_finds_no_errors():
    # The files to check and the options are in pyproject.toml ([tool.mypy]). It runs
    # against whichever numpy and matplotlib are installed: the lock's, and in CI the
    # oldest supported ones too (matplotlib 3.8's stubs type Figure.subplots() as a
    # union, so the widgets build their axes with add_subplot, typed Axes in both).
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout, result.stdout

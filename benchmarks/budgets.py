"""The performance budgets, read from ``benchmarks/budgets.toml`` (their one home).

``BUDGETS[key]`` is a :class:`Budget`; its ``limit`` is in seconds or bytes, the units
the measurements use. ``python -m benchmarks.budgets`` prints the Markdown table that
CONTRIBUTING.md shows. The book's execution over (chapters x kernel floor) is measured
and reported too, as a tracked figure with no budget: the content decides it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

FILE = Path(__file__).with_name("budgets.toml")
UNITS = {"s": 1.0, "ms": 1.0, "MB": 1e6}


@dataclass(frozen=True)
class Budget:
    """One budget: what it limits, its value as written, and its unit."""

    key: str
    what: str
    value: float
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"budget {self.key!r}: unit must be one of {sorted(UNITS)}")
        if not self.value > 0:
            raise ValueError(f"budget {self.key!r}: value must be positive, got {self.value}")

    @property
    def limit(self) -> float:
        """The budget in seconds (units s and ms) or bytes (MB)."""
        return self.value * UNITS[self.unit]

    @property
    def shown(self) -> str:
        """ "10 s", "50 ms", "3 MB", "10 min" for 600 s."""
        if self.unit == "ms":
            return f"{self.value * 1000:g} ms"
        if self.unit == "s" and self.value >= 120 and self.value % 60 == 0:
            return f"{self.value / 60:g} min"
        return f"{self.value:g} {self.unit}"


def load(path: Path = FILE) -> dict[str, Budget]:
    """Every budget of the file, in its order."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        key: Budget(key, str(v["what"]), float(v["value"]), str(v["unit"]))
        for key, v in data.items()
    }


BUDGETS = load()


def markdown_table(budgets: dict[str, Budget] = BUDGETS) -> str:
    """The budgets as the Markdown table CONTRIBUTING.md shows."""
    lines = ["| what | budget |", "|---|---|"]
    lines += [f"| {b.what} | {b.shown} |" for b in budgets.values()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")

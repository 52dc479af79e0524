"""Chapter 3's example, f(x; w, b) = 1 / (exp(-(w x + b)) + 1), as the six elementary
steps the chapter writes it in."""

from __future__ import annotations

from typing import Any

from helpers.autodiff import exp


def logistic_steps(x: Any, w: Any, b: Any) -> list[Any]:
    """h1 = w x, h2 = h1 + b, h3 = -h2, h4 = exp(h3), h5 = h4 + 1, h6 = 1 / h5; each step's
    node (Var or Dual, as x, w and b are), in order."""
    h1 = w * x
    h2 = h1 + b
    h3 = -h2
    h4 = exp(h3)
    h5 = h4 + 1
    h6 = h5**-1
    return [h1, h2, h3, h4, h5, h6]

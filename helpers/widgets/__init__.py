"""Interactive explorers, each a pure ``draw(fig, **params)`` with two front-ends.

See :mod:`helpers.widgets._core` for the pattern. Each explorer lives in its own
module and is built by a function that returns an :class:`Explorer`:

- :func:`activation_explorer` (chapter 2): activation x slope alpha x input range.
"""

from ._core import Choice, Explorer, ExplorerOutput, Slider
from .activation import activation_explorer, draw_activation

__all__ = [
    "Choice",
    "Explorer",
    "ExplorerOutput",
    "Slider",
    "activation_explorer",
    "draw_activation",
]

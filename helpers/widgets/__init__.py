"""Interactive explorers, each a pure ``draw(fig, **params)`` with two front-ends.

See :mod:`helpers.widgets._core` for the pattern. Each explorer lives in its own
module and is built by a function that returns an :class:`Explorer`:

- :func:`activation_explorer` (chapter 2): activation x slope alpha x input range;
- :func:`init_explorer` (chapter 5): activation x init scheme x scale, per-layer
  histograms;
- :func:`gradient_flow_explorer` (chapter 6): depth x init scale x activation,
  gradient norm per layer.
"""

from ._core import Choice, Explorer, ExplorerOutput, Slider
from .activation import activation_explorer, draw_activation
from .gradient_flow import draw_gradient_flow, gradient_flow_explorer
from .initialization import draw_init, init_explorer

__all__ = [
    "Choice",
    "Explorer",
    "ExplorerOutput",
    "Slider",
    "activation_explorer",
    "draw_activation",
    "draw_gradient_flow",
    "draw_init",
    "gradient_flow_explorer",
    "init_explorer",
]

"""Interactive explorers: each a pure ``draw(fig, **params)`` with three front-ends.

One module per job: :mod:`._model` (the explorer, its controls, its alt texts),
:mod:`._static` (the precomputed frames of the HTML book, with their HTML, CSS and
JavaScript as files in ``static/``), :mod:`._live` (the ipywidgets front-end),
:mod:`._worker` (the in-page front-end: what a Web Worker on a book page runs, with
Pyodide, to draw any value on the reader's request; its scripts are in
``static/page/``), :mod:`._output` (what a notebook cell displays) and :mod:`._cache`
(artists kept between frames, and a frame's computation shared by its picture and its
alt text).

Each explorer lives in its own module and is built by a function that returns an
:class:`Explorer`:

- :func:`activation_explorer` (chapter 2): activation x slope alpha x input range;
- :func:`init_explorer` (chapter 5): activation x init scheme x scale, per-layer
  histograms;
- :func:`gradient_flow_explorer` (chapter 6): depth x init scale x activation,
  gradient norm per layer.
"""

from collections.abc import Callable

from ._model import Choice, Explorer, Slider
from ._output import FRAMES_ENV, ExplorerOutput
from .activation import activation_explorer, draw_activation
from .gradient_flow import draw_gradient_flow, gradient_flow_explorer
from .initialization import draw_init, init_explorer

#: Every explorer of the book by its name (``Explorer.name``): the function that builds it.
EXPLORERS: dict[str, Callable[[], Explorer]] = {
    "activation": activation_explorer,
    "initialization": init_explorer,
    "gradient_flow": gradient_flow_explorer,
}

__all__ = [
    "EXPLORERS",
    "FRAMES_ENV",
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

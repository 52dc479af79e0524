"""The numpy package behind the book's chapters.

One idea per module; see each module's docstring for its contract:

- :mod:`helpers.activations`: activation functions, derivatives, softmax;
- :mod:`helpers.gradcheck`: numerical gradients and layer checks;
- :mod:`helpers.init`: weight initialisation schemes;
- :mod:`helpers.layers`: layers sharing one forward/backward protocol;
- :mod:`helpers.losses`: losses returning value and gradient;
- :mod:`helpers.probes`: per-layer statistics of activations and gradients;
- :mod:`helpers.plots`: the book's figure style;
- :mod:`helpers.widgets`: the interactive explorers.
"""

from . import activations, gradcheck, init, layers, losses, plots, probes, widgets

__all__ = [
    "activations",
    "gradcheck",
    "init",
    "layers",
    "losses",
    "plots",
    "probes",
    "widgets",
]
__version__ = "0.1.0"

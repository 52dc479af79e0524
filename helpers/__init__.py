"""The numpy package behind the book's chapters.

One idea per module; see each module's docstring for its contract:

- :mod:`helpers.activations`: activation functions, derivatives, softmax;
- :mod:`helpers.autodiff`: forward-mode (``Dual``) and reverse-mode (``Var``) autodiff;
- :mod:`helpers.graph_drawing`: drawings of a recorded computation graph;
- :mod:`helpers.gradcheck`: numerical gradients and layer checks;
- :mod:`helpers.init`: weight initialisation schemes;
- :mod:`helpers.layers`: layers sharing one forward/backward protocol;
- :mod:`helpers.losses`: losses returning value and gradient;
- :mod:`helpers.norm`: batch, layer, instance and group normalisation;
- :mod:`helpers.norm_drawing`: which cells each normalisation averages over;
- :mod:`helpers.network_drawing`: networks drawn as units and weights, labelled;
- :mod:`helpers.experiments`: the experiment toolkit: build, train, profile;
- :mod:`helpers.optim`: optimisers (SGD, momentum, Adam, AdamW) behind one interface;
- :mod:`helpers.schedules`: learning-rate schedules (step decay, cosine, warm-up);
- :mod:`helpers.clipping`: gradient clipping by value and by norm;
- :mod:`helpers.regularization`: L1 and L2 penalties and their gradients;
- :mod:`helpers.data`: toy data sets and MNIST-1D, generated locally;
- :mod:`helpers.exercises`: the student edition's checks, right or wrong in a sentence;
- :mod:`helpers.probes`: per-layer statistics of activations and gradients;
- :mod:`helpers.plots`: the book's figure style;
- :mod:`helpers.widgets`: the interactive explorers.

Bad arguments raise ValueError or TypeError naming the argument. NaN and infinity follow
one policy (see :mod:`helpers._checks`): layers, losses, penalties, clipping,
optimisers and training refuse them, and elementwise activations follow IEEE
arithmetic.

In the in-browser edition, importing the package also lets Pyodide's kernel fill in
the values the prose quotes (see :mod:`helpers._pyodide`).
"""

import importlib
import sys
from types import ModuleType

__all__ = [
    "activations",
    "autodiff",
    "clipping",
    "data",
    "exercises",
    "experiments",
    "gradcheck",
    "graph_drawing",
    "init",
    "layers",
    "losses",
    "network_drawing",
    "norm",
    "norm_drawing",
    "optim",
    "plots",
    "probes",
    "regularization",
    "schedules",
    "widgets",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> ModuleType:
    """Import a module of the package when it is first used, as in ``helpers.plots``:
    ``import helpers.autodiff`` alone then does not pay for matplotlib."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if sys.platform == "emscripten":  # the in-browser edition's kernel: see helpers._pyodide
    from . import _pyodide

    _pyodide.install()

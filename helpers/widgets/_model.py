"""The explorer model: one pure ``draw(fig, **params)``, its controls, and the words
that describe each frame.

An :class:`Explorer` wraps a function ``draw(fig, **params)`` that draws a complete
figure for one choice of parameters and returns nothing else, with the controls of
those parameters (:class:`Slider`, :class:`Choice`). Three front-ends show it, each in
a module of its own and each calling the same :meth:`Explorer.render` and
:meth:`Explorer.alt_text`:

- the live one (:mod:`helpers.widgets._live`): ipywidgets controls and an image that
  the kernel redraws whenever a control moves (JupyterLab, Notebook 7, Binder);
- the static one (:mod:`helpers.widgets._static`): every frame of the parameter grid
  rendered ahead of time, with a range input per slider and a select per choice;
  it needs no kernel and loads nothing from the network (the HTML book, offline);
- the in-page one (:mod:`helpers.widgets._worker`): on the reader's request, the HTML
  book's page runs this package in a Web Worker (Pyodide, the site's own files) and
  each slider then steps through :meth:`Slider.live_values`, every value drawn there;
- :meth:`Explorer.show`, one notebook output that holds the live one everywhere and
  the static one where the HTML book is built (:mod:`helpers.widgets._output`).

For screen readers, every frame carries its own alt text, :meth:`Explorer.alt_text`:
the parameter values and a description that ``describe(**params)`` computes from the
same numbers the frame plots.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

from .. import plots
from .._checks import ArgumentTypeError


@dataclass(frozen=True)
class Slider:
    """A numeric parameter.

    values: the grid of the static front-end (its frames), in increasing order.
    step: the live sliders' step (default: the first gap of values); the live range
        is [values[0], values[-1]] (see :meth:`live_values`).
    fmt: how the value is shown, e.g. "{:.2f}".
    """

    name: str
    values: Sequence[float]
    label: str = ""
    step: float | None = None
    fmt: str = "{:g}"
    default: float | None = None

    def __post_init__(self) -> None:
        if len(self.values) < 2 or list(self.values) != sorted(self.values):
            raise ValueError(f"Slider {self.name!r}: values must be >= 2 increasing numbers")
        if self.default is not None and self.default not in self.values:
            raise ValueError(f"Slider {self.name!r}: default must be one of values")

    @property
    def start(self) -> float:
        return self.values[len(self.values) // 2] if self.default is None else self.default

    def show(self, value: Any) -> str:
        return self.fmt.format(value)

    @property
    def live_step(self) -> float:
        """The step of the live front-ends' sliders."""
        return float(self.step or (self.values[1] - self.values[0]))

    def live_values(self) -> list[float]:
        """Every value a live slider takes: [values[0], values[-1]] in steps of
        ``live_step``, rounded to 12 digits (so 0.1 + 0.2 gives 0.3), with the static
        values among them. The in-page front-end moves through these (its range input
        steps through their indices), and so its frames start where the static ones are.
        """
        lo, hi = float(self.values[0]), float(self.values[-1])
        count = round((hi - lo) / self.live_step)
        grid = {round(lo + k * self.live_step, 12) for k in range(count + 1)} | {hi}
        return sorted(grid | {float(v) for v in self.values})


@dataclass(frozen=True)
class Choice:
    """A categorical parameter, e.g. the activation function's name."""

    name: str
    options: Sequence[str]
    label: str = ""
    default: str | None = None

    def __post_init__(self) -> None:
        if len(self.options) < 1:
            raise ValueError(f"Choice {self.name!r}: options must not be empty")
        if self.default is not None and self.default not in self.options:
            raise ValueError(f"Choice {self.name!r}: default must be one of options")

    @property
    def values(self) -> Sequence[str]:
        return self.options

    @property
    def start(self) -> str:
        return self.options[0] if self.default is None else self.default

    def show(self, value: Any) -> str:
        return str(value)


Control = Slider | Choice


@dataclass
class Explorer:
    """An interactive figure: ``draw(fig, **params)`` plus the controls for params.

    canonical: maps a parameter dict to the parameters that actually change the
        figure (e.g. drops ``alpha`` for an activation without one), so the static
        front-end renders each distinct frame once.
    title: what the explorer shows, in a few words (its accessible name).
    describe: ``describe(**params) -> str``, what the frame for params shows, computed
        from the numbers it plots (its axes, its values, its point); part of the
        frame's alt text.
    """

    name: str
    draw: Callable[..., None]
    controls: Sequence[Control]
    width: float = plots.WIDTH
    height: float = plots.HEIGHT
    static_dpi: int = 72
    live_dpi: int = 80
    canonical: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    fixed: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    describe: Callable[..., str] | None = None

    def __post_init__(self) -> None:
        if not callable(self.draw):
            raise ArgumentTypeError(f"draw must be callable, got {type(self.draw).__name__}")
        if self.describe is not None and not callable(self.describe):
            kind = type(self.describe).__name__
            raise ArgumentTypeError(f"describe must be callable or None, got {kind}")
        names = [c.name for c in self.controls]
        if len(set(names)) != len(names):
            raise ValueError(f"control names must be distinct, got {names}")
        # One canvas per dpi (the live image's and the static frames'): a canvas drawn
        # at its own dpi keeps its renderer from frame to frame.
        self._canvases: dict[int, Figure] = {}

    # --- rendering --------------------------------------------------------------

    def params(self, **overrides: Any) -> dict[str, Any]:
        """The start value of every control, updated by ``overrides``."""
        unknown = set(overrides) - {c.name for c in self.controls}
        if unknown:
            raise ValueError(f"{self.name}: unknown parameter(s) {sorted(unknown)}")
        return {**{c.name: c.start for c in self.controls}, **overrides}

    def render(self, dpi: int | None = None, **params: Any) -> bytes:
        """Draw one frame and return it as PNG bytes."""
        dpi = dpi or self.live_dpi
        fig = self._canvases.get(dpi)
        if fig is None:
            fig = self._canvases[dpi] = plots.canvas(self.width, self.height, dpi)
        with plots.style():
            self.draw(fig, **self.fixed, **self.params(**params))
        return plots.to_png(fig, dpi)

    # --- descriptions for screen readers -------------------------------------------

    @property
    def heading(self) -> str:
        """The explorer's accessible name: its title, else its name."""
        return self.title or f"{self.name} explorer"

    def values_text(self, **params: Any) -> str:
        """The controls' values as shown, e.g. "activation relu, alpha 0.10"."""
        params = self.params(**params)
        return ", ".join(f"{c.label or c.name} {c.show(params[c.name])}" for c in self.controls)

    def alt_text(self, **params: Any) -> str:
        """The alt text of the frame for params: what it shows, for these values.

        Only the values that change the frame are named (see ``canonical``): frames
        shared by several values of an ignored control then have one true alt text.
        """
        params = self.params(**params)
        shown = self.canonical(dict(params)) if self.canonical else params
        values = ", ".join(
            f"{c.label or c.name} {c.show(params[c.name])}"
            for c in self.controls
            if c.name in shown
        )
        text = f"{self.heading}, for {values}."
        if self.describe is not None:
            description = self.describe(**self.fixed, **params)
            if not isinstance(description, str) or not description.strip():
                raise ValueError(f"{self.name}: describe must return a non-empty string")
            text += " " + description.strip()
        return text

    # --- the parameter grid -------------------------------------------------------

    def grid(self) -> Iterator[tuple[str, dict[str, Any], str]]:
        """Every grid point: (its key "i-j-..." of value indices, its parameters, the
        key of the frame it shows; grid points that differ only in parameters the
        figure ignores share that frame)."""
        indices = [range(len(c.values)) for c in self.controls]
        for combo in itertools.product(*indices):
            params = {c.name: c.values[i] for c, i in zip(self.controls, combo, strict=True)}
            canon = self.canonical(dict(params)) if self.canonical else params
            yield "-".join(map(str, combo)), params, json.dumps(canon, sort_keys=True, default=str)

    def frames(self) -> tuple[list[bytes], dict[str, int]]:
        """Render every distinct frame of the grid once: (PNGs, grid key -> frame index)."""
        from ._static import grid_frames

        pngs, _, index = grid_frames(self)
        return pngs, index

    # --- the front-ends -------------------------------------------------------------

    def static_html(self) -> str:
        """The static front-end: self-contained HTML with every frame; no kernel."""
        from ._static import static_html

        return static_html(self)

    def live(self) -> Any:
        """The live front-end: an ipywidgets box the kernel redraws."""
        from ._live import live_widget

        return live_widget(self)

    def show(self) -> Any:
        """One output holding the front-ends; the viewer shows the one it can run."""
        from ._output import ExplorerOutput

        return ExplorerOutput(self)

    def __repr__(self) -> str:
        names = ", ".join(c.name for c in self.controls)
        return f"Explorer({self.name!r}, controls: {names})"

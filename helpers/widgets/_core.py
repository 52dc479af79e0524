"""The explorer pattern: one pure ``draw`` function, two front-ends.

An :class:`Explorer` wraps a function ``draw(fig, **params)`` that draws a complete
figure for one choice of parameters and returns nothing else. From it come

- :meth:`Explorer.live`: ipywidgets controls and an image that the kernel redraws
  whenever a control moves (JupyterLab, Notebook 7, Binder);
- :meth:`Explorer.static_html`: every frame of a parameter grid rendered ahead of
  time, with a range input per numeric parameter, a select per choice and a few lines
  of inline JavaScript that swap the frame. It needs no kernel and loads nothing from
  the network, so it works in the HTML book, offline;
- :meth:`Explorer.show`: one notebook output holding both. JupyterLab renders the live
  widget; the HTML book (see ``nb_mime_priority_overrides`` in ``_config.yml``)
  renders the static one. In the in-browser edition (Pyodide), where the live widget
  is always what shows, the static frames are left out: rendering them would take
  most of a chapter's run time there.

For screen readers, every static frame carries its own alt text, :meth:`Explorer.alt_text`:
the parameter values and a description that ``describe(**params)`` computes from the
same numbers the frame plots. A live region announces the new values whenever a
control moves, and each range input reports its shown value (``aria-valuetext``), not
its index.

Stable CSS classes (``nnfb-explorer``, ``nnfb-control-<param>``, ``nnfb-image``,
``nnfb-status``, and ``nnfb-static-explorer``, ``nnfb-frame``, ``nnfb-value``,
``nnfb-announce`` in the static version) let the browser tests find the parts.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import itertools
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .. import plots
from .._checks import ArgumentTypeError


def reuse(fig: Figure, key: str, build: Callable[[Figure], dict[str, Any]]) -> dict[str, Any]:
    """The artists that ``build(fig)`` made on an earlier call with the same key.

    A draw function builds its axes and lines once and afterwards only updates their
    data, which is several times faster than drawing from scratch: a live slider
    then redraws in tens of milliseconds. The figure must still depend on the
    parameters alone; the tests check this by comparing a reused figure's PNG with a
    fresh one's, byte for byte.
    """
    cache = fig.__dict__.setdefault("_nnfb_artists", {})
    if key not in cache or not fig.axes:
        fig.clear()
        fig.subplots_adjust(**fig.__dict__.get("_nnfb_margins", {}))
        cache.clear()
        cache[key] = build(fig)
    return cache[key]


def last_result(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn``, remembering the result of its last call: the same arguments again (by
    ``==``) return it without recomputing.

    A static frame calls its explorer's computation twice, once to draw it and once to
    describe it in the alt text; with this the second call is free. Arrays in the
    result are made read-only and its lists and tuples are copies, so a caller cannot
    change what a later call returns. Arguments that fn refuses raise as before:
    nothing is remembered for them.
    """
    last: list[Any] = []  # [key, result] once fn has returned

    def fresh(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
        elif isinstance(value, list | tuple):
            return type(value)(fresh(item) for item in value)
        return value

    @functools.wraps(fn)
    def remembered(*args: Any, **kwargs: Any) -> Any:
        key = (args, kwargs)
        if not (last and _same(last[0], key)):
            last[:] = [key, fn(*args, **kwargs)]
        return fresh(last[1])

    return remembered


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # e.g. arrays as arguments: compare nothing
        return False


@dataclass(frozen=True)
class Slider:
    """A numeric parameter.

    values: the grid of the static front-end (its frames), in increasing order.
    step: the live slider's step; the live range is [values[0], values[-1]].
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

    # --- static front-end ---------------------------------------------------------

    def _grid(self) -> tuple[list[bytes], list[str], dict[str, int]]:
        """Every grid point once: (unique PNGs, their alt texts, grid key -> frame index)."""
        grid = [list(range(len(c.values))) for c in self.controls]
        pngs: list[bytes] = []
        alts: list[str] = []
        seen: dict[str, int] = {}
        index: dict[str, int] = {}
        for combo in itertools.product(*grid):
            params = {c.name: c.values[i] for c, i in zip(self.controls, combo, strict=True)}
            canon = self.canonical(dict(params)) if self.canonical else params
            canon_key = json.dumps(canon, sort_keys=True, default=str)
            if canon_key not in seen:
                seen[canon_key] = len(pngs)
                pngs.append(self.render(dpi=self.static_dpi, **params))
                alts.append(self.alt_text(**params))
            index["-".join(map(str, combo))] = seen[canon_key]
        return pngs, alts, index

    def frames(self) -> tuple[list[bytes], dict[str, int]]:
        """Render every grid point once; return (unique PNGs, grid key -> frame index)."""
        pngs, _, index = self._grid()
        return pngs, index

    def static_html(self) -> str:
        """Self-contained HTML: precomputed frames, range inputs, inline JS; no kernel."""
        pngs, alts, index = self._grid()
        uid = (
            "nnfb-"
            + hashlib.sha1(
                (self.name + json.dumps(index)).encode(), usedforsecurity=False
            ).hexdigest()[:10]
        )
        start = [list(c.values).index(c.start) for c in self.controls]
        controls_html = []
        labels: list[list[str]] = []
        for c, i in zip(self.controls, start, strict=True):
            shown = [c.show(v) for v in c.values]
            labels.append(shown)
            title = html.escape(c.label or c.name)
            if isinstance(c, Slider):
                widget = (
                    f'<input type="range" min="0" max="{len(c.values) - 1}" step="1" '
                    f'value="{i}" data-param="{c.name}" aria-label="{title}" '
                    f'aria-valuetext="{html.escape(shown[i])}">'
                )
            else:
                opts = "".join(
                    f'<option value="{k}"{" selected" if k == i else ""}>{html.escape(s)}</option>'
                    for k, s in enumerate(shown)
                )
                widget = f'<select data-param="{c.name}" aria-label="{title}">{opts}</select>'
            # The value is read out by the control itself (aria-valuetext, or the
            # selected option), so screen readers skip the visible copy.
            controls_html.append(
                f'<label class="nnfb-control nnfb-control-{c.name}">'
                f"<span>{title}</span> {widget} "
                f'<span class="nnfb-value" aria-hidden="true">{html.escape(shown[i])}</span>'
                "</label>"
            )
        data: dict[str, Any] = {
            "frames": [base64.b64encode(p).decode("ascii") for p in pngs],
            "alts": alts,
            "index": index,
            "labels": labels,
            "names": [c.label or c.name for c in self.controls],
        }
        first = index["-".join(map(str, start))]
        return _STATIC_TEMPLATE.format(
            uid=uid,
            name=html.escape(self.name),
            heading=html.escape(self.heading),
            controls="".join(controls_html),
            src=f"data:image/png;base64,{data['frames'][first]}",
            alt=html.escape(alts[first]),
            # The script tag holds JSON: escape "</" so no string can close the tag.
            data=json.dumps(data, separators=(",", ":")).replace("</", "<\\/"),
        )

    # --- live front-end -------------------------------------------------------------

    def live(self) -> Any:
        """An ipywidgets box: the controls, a status label and the figure as an image."""
        import ipywidgets as w

        inputs: dict[str, Any] = {}
        for c in self.controls:
            desc = c.label or c.name
            if isinstance(c, Slider):
                step = c.step or (c.values[1] - c.values[0])
                widget = w.FloatSlider(
                    value=c.start,
                    min=c.values[0],
                    max=c.values[-1],
                    step=step,
                    description=desc,
                    continuous_update=False,
                    readout_format=".3g",
                    style={"description_width": "initial"},
                )
            else:
                widget = w.Dropdown(
                    options=list(c.options),
                    value=c.start,
                    description=desc,
                    style={"description_width": "initial"},
                )
            widget.add_class(f"nnfb-control-{c.name}")
            inputs[c.name] = widget
        image = w.Image(format="png")
        image.add_class("nnfb-image")
        status = w.HTML()
        status.add_class("nnfb-status")

        def redraw(_: Any = None) -> None:
            params = {name: widget.value for name, widget in inputs.items()}
            image.value = self.render(**params)
            status.value = ", ".join(
                f"{c.label or c.name} = {c.show(params[c.name])}" for c in self.controls
            )

        for widget in inputs.values():
            widget.observe(redraw, names="value")
        redraw()
        box = w.VBox([w.HBox(list(inputs.values())), status, image])
        box.add_class("nnfb-explorer")
        box.add_class(f"nnfb-explorer-{self.name}")
        box.redraw = redraw  # for tests and benchmarks
        box.inputs = inputs
        return box

    def time_redraw(self, params_list: Sequence[Mapping[str, Any]]) -> list[float]:
        """Seconds for each live redraw (draw plus PNG encode) at the given parameters."""
        times = []
        for params in params_list:
            t0 = time.perf_counter()
            self.render(**params)
            times.append(time.perf_counter() - t0)
        return times

    def show(self) -> ExplorerOutput:
        """One output with both front-ends; the viewer picks the one it can run."""
        return ExplorerOutput(self)

    def __repr__(self) -> str:
        names = ", ".join(c.name for c in self.controls)
        return f"Explorer({self.name!r}, controls: {names})"


class ExplorerOutput:
    """Displays as the live widget where a kernel is attached, and as the static
    frames where none is (the HTML book)."""

    def __init__(self, explorer: Explorer) -> None:
        self.explorer = explorer
        self.widget = explorer.live()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_() or {})
        if sys.platform == "emscripten":  # the in-browser edition shows the widget
            bundle["text/html"] = (
                f"<p>{html.escape(self.explorer.heading)}: it runs in the kernel; its "
                "precomputed frames are in the HTML book.</p>"
            )
        else:
            bundle["text/html"] = self.explorer.static_html()
        bundle["text/plain"] = repr(self.explorer)
        return bundle


_STATIC_TEMPLATE = """<div class="nnfb-static-explorer" id="{uid}" data-explorer="{name}"
 role="group" aria-label="{heading}">
<style>
.nnfb-static-explorer .nnfb-controls {{
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.4em 1.8em; margin-bottom: 0.6em;
}}
.nnfb-static-explorer .nnfb-control {{
  display: inline-flex; align-items: center; gap: 0.5em; white-space: nowrap; margin: 0;
}}
.nnfb-static-explorer .nnfb-value {{
  min-width: 2.5em; font-variant-numeric: tabular-nums; color: #555;
}}
.nnfb-static-explorer .nnfb-announce {{
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
  overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap;
}}
</style>
<div class="nnfb-controls">{controls}</div>
<p class="nnfb-announce" role="status" aria-live="polite" aria-atomic="true"></p>
<img class="nnfb-frame" src="{src}" alt="{alt}" style="max-width:100%">
<script type="application/json" class="nnfb-frames">{data}</script>
<script>
(function () {{
  var root = document.getElementById("{uid}");
  var data = JSON.parse(root.querySelector(".nnfb-frames").textContent);
  var inputs = root.querySelectorAll("[data-param]");
  var outs = root.querySelectorAll(".nnfb-value");
  var img = root.querySelector(".nnfb-frame");
  var announce = root.querySelector(".nnfb-announce");
  function update() {{
    var key = [], said = [];
    inputs.forEach(function (el, k) {{
      var shown = data.labels[k][Number(el.value)];
      key.push(el.value);
      outs[k].textContent = shown;
      if (el.type === "range") el.setAttribute("aria-valuetext", shown);
      said.push(data.names[k] + " " + shown);
    }});
    var frame = data.index[key.join("-")];
    img.src = "data:image/png;base64," + data.frames[frame];
    img.alt = data.alts[frame];
    announce.textContent = said.join(", ");
  }}
  inputs.forEach(function (el) {{
    el.addEventListener("input", update);
    el.addEventListener("change", update);
  }});
}})();
</script>
</div>"""

"""The in-page front-end's Python: what the explorers' Web Worker runs on a book page.

On a reader's request, a page of the HTML book starts Pyodide in a Web Worker
(``static/page/explorer-worker.js``) with numpy, matplotlib and this package, and
asks it for one frame at a time by the explorer's name and a key of value indices,
``"i-j-..."``, one index per control in the explorer's order: an option of a
:class:`Choice`, or a value of :meth:`Slider.live_values` for a slider (the static
front-end's keys index ``Slider.values`` instead). :func:`frame` answers with what
the static front-end shows for a precomputed frame: the PNG, drawn by the explorer's
own :meth:`Explorer.render` at the static frames' dpi, its alt text
(:meth:`Explorer.alt_text`) and the values a screen reader hears
(:meth:`Explorer.values_text`).
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from ._model import Explorer, Slider


@functools.cache
def _explorer(name: str) -> Explorer:
    """The explorer ``name`` of helpers.widgets.EXPLORERS, built once (its canvases
    keep their artists from frame to frame)."""
    from . import EXPLORERS

    if name not in EXPLORERS:
        raise ValueError(f"explorer must be one of {sorted(EXPLORERS)}, got {name!r}")
    return EXPLORERS[name]()


def live_params(explorer: Explorer, key: str) -> dict[str, Any]:
    """The parameters that ``key`` ("i-j-...", an index per control) stands for."""
    if not isinstance(key, str):
        raise TypeError(f"key must be a str like '0-3-1', got {type(key).__name__}")
    parts = key.split("-")
    if len(parts) != len(explorer.controls) or not all(p.isdigit() for p in parts):
        count = len(explorer.controls)
        raise ValueError(f"key must be {count} indices joined by '-', got {key!r}")
    params = {}
    for control, part in zip(explorer.controls, parts, strict=True):
        values = control.live_values() if isinstance(control, Slider) else control.values
        if int(part) >= len(values):
            raise ValueError(f"key {key!r}: {control.name} has {len(values)} values")
        params[control.name] = values[int(part)]
    return params


def frame(name: str, key: str) -> str:
    """One frame of explorer ``name`` for ``key``, as JSON: ``src`` (a PNG data URL),
    ``alt`` (its alt text) and ``said`` (the values, as the live region says them)."""
    explorer = _explorer(name)
    params = live_params(explorer, key)
    png = explorer.render(dpi=explorer.static_dpi, **params)
    return json.dumps(
        {
            "key": key,
            "src": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            "alt": explorer.alt_text(**params),
            "said": explorer.values_text(**params),
        }
    )

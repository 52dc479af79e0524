"""The static front-end: every frame of an explorer's grid rendered ahead of time, in
self-contained HTML that swaps them as the reader moves a control.

The markup, its CSS and its JavaScript are real files in ``static/`` (package data):
``explorer.html`` (a :class:`string.Template`), ``explorer.css`` and ``explorer.js``.
The page needs no kernel and loads nothing from the network, so it works in the HTML
book offline. Each range input reports its shown value (``aria-valuetext``), not its
index; a live region announces the new values whenever a control moves, and every
frame carries its own alt text.

On the book's pages a live mode can take over (``static/page/explorer-live.js``, see
:mod:`._worker`): the markup has its button and a note, hidden or empty until that
script fills them, and the data holds, for each slider, the labels of its live values
and where its static values are among them.

Stable CSS classes (``nnfb-static-explorer``, ``nnfb-control-<param>``, ``nnfb-frame``,
``nnfb-value``, ``nnfb-announce``) let the browser tests find the parts.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Any

from ._model import Slider

if TYPE_CHECKING:
    from ._model import Explorer


@functools.cache
def asset(name: str) -> str:
    """The text of one of the front-end's files in ``helpers/widgets/static/``."""
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


def grid_frames(explorer: Explorer) -> tuple[list[bytes], list[str], dict[str, int]]:
    """Every distinct frame of the grid once: (PNGs, their alt texts, grid key -> index)."""
    pngs: list[bytes] = []
    alts: list[str] = []
    seen: dict[str, int] = {}
    index: dict[str, int] = {}
    for key, params, frame in explorer.grid():
        if frame not in seen:
            seen[frame] = len(pngs)
            pngs.append(explorer.render(dpi=explorer.static_dpi, **params))
            alts.append(explorer.alt_text(**params))
        index[key] = seen[frame]
    return pngs, alts, index


def _control_html(control: Any, start: int) -> str:
    """One labelled control: a range input over the value indices, or a select."""
    shown = [control.show(v) for v in control.values]
    title = html.escape(control.label or control.name)
    if isinstance(control, Slider):
        widget = (
            f'<input type="range" min="0" max="{len(control.values) - 1}" step="1" '
            f'value="{start}" data-param="{control.name}" aria-label="{title}" '
            f'aria-valuetext="{html.escape(shown[start])}">'
        )
    else:
        options = "".join(
            f'<option value="{k}"{" selected" if k == start else ""}>{html.escape(s)}</option>'
            for k, s in enumerate(shown)
        )
        widget = f'<select data-param="{control.name}" aria-label="{title}">{options}</select>'
    # The value is read out by the control itself (aria-valuetext, or the selected
    # option), so screen readers skip the visible copy.
    return (
        f'<label class="nnfb-control nnfb-control-{control.name}">'
        f"<span>{title}</span> {widget} "
        f'<span class="nnfb-value" aria-hidden="true">{html.escape(shown[start])}</span>'
        "</label>"
    )


def _live_grid(control: Any) -> dict[str, list[Any]] | None:
    """For a slider, what the in-page live mode needs (see :mod:`._worker`): the label
    of each of its live values, and where each static value is among them."""
    if not isinstance(control, Slider):
        return None
    values = control.live_values()
    return {
        "labels": [control.show(v) for v in values],
        "at": [values.index(float(v)) for v in control.values],
    }


def static_html(explorer: Explorer) -> str:
    """Self-contained HTML: the precomputed frames, the controls and the script."""
    pngs, alts, index = grid_frames(explorer)
    digest = hashlib.sha1((explorer.name + json.dumps(index)).encode(), usedforsecurity=False)
    start = [list(c.values).index(c.start) for c in explorer.controls]
    data: dict[str, Any] = {
        "frames": [base64.b64encode(p).decode("ascii") for p in pngs],
        "alts": alts,
        "index": index,
        "labels": [[c.show(v) for v in c.values] for c in explorer.controls],
        "names": [c.label or c.name for c in explorer.controls],
        "live": [_live_grid(c) for c in explorer.controls],
    }
    first = index["-".join(map(str, start))]
    return Template(asset("explorer.html")).substitute(
        uid="nnfb-" + digest.hexdigest()[:10],
        name=html.escape(explorer.name),
        heading=html.escape(explorer.heading),
        css=asset("explorer.css"),
        controls="".join(
            _control_html(c, i) for c, i in zip(explorer.controls, start, strict=True)
        ),
        src=f"data:image/png;base64,{data['frames'][first]}",
        alt=html.escape(alts[first]),
        # The script tag holds JSON: escape "</" so no string can close the tag.
        data=json.dumps(data, separators=(",", ":")).replace("</", "<\\/"),
        script=asset("explorer.js"),
    )

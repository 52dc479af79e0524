"""What an explorer's notebook cell displays: the live widget everywhere, and the
static frames only where the HTML book is built.

Rendering every frame of the grid takes seconds a reader in a live kernel would wait
for and never see (JupyterLab and Notebook 7 show the widget, and so does the browser
edition). So the output carries the static front-end only when the kernel's
environment sets :data:`FRAMES_ENV` to ``"1"``, which the HTML book's build does for
its own kernels (``_ext/explorer_frames.py``). Elsewhere its HTML version is one
sentence saying where the frames are.
"""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._model import Explorer

#: Set to "1" in a kernel's environment to have explorers render their static frames.
FRAMES_ENV = "NNFB_STATIC_FRAMES"


def static_frames_wanted() -> bool:
    """Whether this kernel renders the static frames (the HTML book's build)."""
    return os.environ.get(FRAMES_ENV) == "1"


class ExplorerOutput:
    """Displays as the live widget where a kernel is attached, and as the static
    frames in the HTML book."""

    def __init__(self, explorer: Explorer) -> None:
        self.explorer = explorer
        self.widget = explorer.live()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_() or {})
        if static_frames_wanted():
            bundle["text/html"] = self.explorer.static_html()
        else:
            bundle["text/html"] = (
                f"<p>{html.escape(self.explorer.heading)}: it runs in the kernel; its "
                "precomputed frames are in the HTML book.</p>"
            )
        bundle["text/plain"] = repr(self.explorer)
        return bundle

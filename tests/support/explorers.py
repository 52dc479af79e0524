"""Which chapter shows which explorer, read from the chapters themselves, and a toy
explorer for the tests that must show a check failing."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import numpy as np

from editions import book
from helpers.widgets import EXPLORERS, Choice, Explorer, Slider

#: A cell that shows an explorer: ``<factory>().show()`` of helpers.widgets.
SHOW_CALL = re.compile(r"\b(\w+_explorer)\(\)\.show\(\)")
_BY_FACTORY = {factory.__name__: name for name, factory in EXPLORERS.items()}


def chapter_explorers() -> dict[str, list[str]]:
    """Chapter stem (``"02_activations"``) -> the names of the explorers it shows, in
    order, for every chapter that shows one."""
    found: dict[str, list[str]] = {}
    for path in book.chapters():
        calls = [f for src in book.code_sources(book.read(path)) for f in SHOW_CALL.findall(src)]
        if calls:
            found[path.stem] = [_BY_FACTORY[f] for f in calls]
    return found


def toy_explorer() -> Explorer:
    """Two controls, six small frames: quick to render, for the checks' self-tests."""

    def draw(fig: Any, shape: str, slope: float) -> None:
        fig.clear()
        x = np.linspace(-1.0, 1.0, 9)
        fig.subplots().plot(x, slope * (x if shape == "line" else x**2))

    def describe(shape: str, slope: float) -> str:
        return f"A {shape} of slope {slope:g} over x from -1 to 1."

    controls: list[Choice | Slider] = [
        Choice("shape", ["line", "parabola"]),
        Slider("slope", [1.0, 2.0, 3.0]),
    ]
    return Explorer("toy", draw, controls, width=2.0, height=1.5, describe=describe)


def frames_data(page: str) -> dict[str, Any]:
    """The data of an explorer's static HTML: its frames (base64 PNGs), alt texts,
    grid index, labels and live grids."""
    match = re.search(r'class="nnfb-frames">(.*?)</script>', page)
    assert match, "no frames in the static HTML"
    return json.loads(match.group(1))


def static_frames(page: str) -> tuple[list[bytes], dict[str, int]]:
    """The PNGs of an explorer's static HTML and its grid index, as Explorer.frames()
    gives them, read from the page instead of drawn again."""
    data = frames_data(page)
    return [base64.b64decode(frame) for frame in data["frames"]], data["index"]

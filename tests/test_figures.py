"""Every figure cell of a chapter declares its number, caption and alt text, and the
prose cites it: checked in the committed notebooks, before any build (the browser
tests check the same in the built pages)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from editions.book import BOOK, read, source

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
#: A code cell draws a figure when it opens one or shows an explorer.
DRAWS = re.compile(r"plots\.figure\(|plt\.subplots\(|_explorer\(\)\.show\(\)")
NUMREF = re.compile(r"\{numref\}`(?:[^`<]*<)?(fig-[\w-]+)>?`")
FILE_NAME = re.compile(r"\.(png|jpe?g|svg|gif)\b|_images/", re.I)


def figure_problems(nb: dict) -> list[str]:
    """What is missing from the notebook's figure cells, or from the prose citing them."""
    problems, names = [], []
    cells = nb["cells"]
    cited = {m for c in cells if c["cell_type"] == "markdown" for m in NUMREF.findall(source(c))}
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code" or not DRAWS.search(source(cell)):
            continue
        meta = cell.get("metadata", {}).get("mystnb", {})
        figure, image = meta.get("figure", {}), meta.get("image", {})
        name, caption = figure.get("name", ""), figure.get("caption", "")
        where = f"code cell {index}" + (f" ({name})" if name else "")
        if not re.fullmatch(r"fig-[a-z0-9-]+", name):
            problems.append(f"{where}: no figure name of the form fig-...")
        names.append(name)
        if len(caption.strip()) < 15:
            problems.append(f"{where}: no caption")
        explorer = ".show()" in source(cell)
        alt = image.get("alt", "")
        if not explorer and (len(alt.strip()) < 15 or FILE_NAME.search(alt)):
            problems.append(f"{where}: alt text {alt!r} is missing, short or a file name")
        if name and name not in cited:
            problems.append(f"{where}: the prose never cites {{numref}}`{name}`")
    problems += [f"figure name {n!r} used twice" for n in set(names) if n and names.count(n) > 1]
    return problems


def test_there_are_figures():
    drawing = [
        c
        for p in NOTEBOOKS
        for c in read(p)["cells"]
        if c["cell_type"] == "code" and DRAWS.search(source(c))
    ]
    assert len(drawing) >= len(NOTEBOOKS), "fewer figure cells than chapters: check DRAWS"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_cell_is_named_captioned_described_and_cited(path: Path):
    problems = figure_problems(read(path))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_figure_check_catches_a_bare_figure():
    nb = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": "fig, ax = plots.figure()"},
            {
                "cell_type": "code",
                "metadata": {
                    "mystnb": {
                        "figure": {"name": "fig-a", "caption": "A caption long enough."},
                        "image": {"alt": "../_images/abc.png"},
                    }
                },
                "source": "fig, ax = plots.figure()",
            },
            {"cell_type": "code", "metadata": {}, "source": "activation_explorer().show()"},
            {"cell_type": "markdown", "metadata": {}, "source": "No citation here."},
        ]
    }
    text = "\n".join(figure_problems(nb))
    for expected in (
        "code cell 0: no figure name",
        "code cell 0: no caption",
        "code cell 0: alt text '' is missing",
        "code cell 1 (fig-a): alt text '../_images/abc.png'",
        "the prose never cites {numref}`fig-a`",
        "code cell 2: no caption",
    ):
        assert expected in text, f"not reported: {expected!r}\nreported:\n{text}"

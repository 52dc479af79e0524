"""Serve MathJax from the book's own files, so formulas typeset offline.

MathJax 3 comes from the ``django-static-mathjax`` package on PyPI (a plain bundle of
MathJax's files, listed in requirements.txt); nothing third-party is committed here.
The build copies the parts the book uses into ``_static/mathjax/``, and
``mathjax_path`` in ``_config.yml`` points there. Components that MathJax loads on
demand (TeX extensions, the menu, assistive MathML, fonts) come along, so no request
ever leaves the site.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import mathjax  # the django-static-mathjax distribution
from sphinx.application import Sphinx

SOURCE = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
ENTRY = "tex-chtml.js"


def _skip(folder: str, names: list[str]) -> set[str]:
    """Leave out the other prebuilt bundles and the SVG output, which the book never loads."""
    skipped = {n for n in names if n.endswith(".js") and n != ENTRY and Path(folder) == SOURCE}
    if Path(folder) == SOURCE / "output":
        skipped |= {n for n in names if n.startswith("svg")}
    return skipped


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if not (target / ENTRY).exists():
        shutil.copytree(SOURCE, target, ignore=_skip, dirs_exist_ok=True)


def setup(app: Sphinx) -> dict[str, object]:
    if not (SOURCE / ENTRY).exists():
        raise RuntimeError(f"MathJax not found at {SOURCE}; pip install django-static-mathjax")
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

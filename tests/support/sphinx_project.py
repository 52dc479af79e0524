"""Build a one-notebook Sphinx project with some of the book's local extensions, for
tests that show what one extension changes (the control builds without it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook

from editions.book import ROOT

__all__ = ["build_one_notebook"]


def build_one_notebook(
    tmp_path: Path, cells: list, extensions: list[str], config: str = ""
) -> tuple[subprocess.CompletedProcess, Path]:
    """Build a page of a title and ``cells`` with ``extensions`` (myst_nb and names from
    _ext/) and conf.py lines ``config``; return the finished process and the page."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(f"extensions = {extensions!r}\n{config}")
    nb = new_notebook(cells=[new_markdown_cell("# Title"), *cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nbformat.write(nb, src / "index.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", str(src), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        # _ext/ on the path, as jupyter-book puts it for the book's local extensions.
        # The environment is this process's: a provisioner this process chose is not
        # inherited by the build.
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT / "_ext")},
        timeout=300,
    )
    return result, tmp_path / "out" / "index.html"

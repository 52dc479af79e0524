"""The book's structure, in one place: where the book is, what its table of contents
lists, the cells of a notebook, and the command that builds the HTML book.

Everything else (the editions, the tests, the benchmarks) asks this module, so that
there is one answer to "which chapters are there, in which order".
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

#: The repository's root: _config.yml, _toc.yml and book/ are here.
ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
BUILD = ROOT / "_build"
#: The HTML book that ``python -m editions`` writes (the full edition).
SITE = BUILD / "html"


def toc_files(root: Path = ROOT) -> list[str]:
    """Every page of ``root/_toc.yml`` in reading order, its root first, as paths without
    suffix (``"book/intro"``)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = [toc["root"]]

    def collect(entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            collect(entry.get("chapters", []) + entry.get("sections", []))

    collect(toc.get("parts", []) + toc.get("chapters", []))
    return files


def chapters(root: Path = ROOT) -> list[Path]:
    """The chapter notebooks, in the order of ``root/_toc.yml``."""
    return [p for f in toc_files(root) if (p := root / f"{f}.ipynb").is_file()]


def pages(root: Path = ROOT) -> list[Path]:
    """The Markdown pages (intro, notation, glossary, references), in the toc's order."""
    return [p for f in toc_files(root) if (p := root / f"{f}.md").is_file()]


def read(path: Path) -> dict[str, Any]:
    """A notebook as a plain dict (no validation, no nbformat needed)."""
    notebook: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return notebook


def source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (notebooks store a string or a list of lines)."""
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def code_sources(notebook: dict[str, Any]) -> list[str]:
    """The sources of a notebook's code cells, in order."""
    return [source(c) for c in notebook["cells"] if c["cell_type"] == "code"]


def dumps(notebook: dict[str, Any], sort_keys: bool = False) -> str:
    """Notebook JSON as Jupyter writes it: one-space indent, UTF-8 kept, a final newline."""
    return json.dumps(notebook, indent=1, sort_keys=sort_keys, ensure_ascii=False) + "\n"


#: The widest code line a chapter may hold: the line length of ``book/ruff.toml``, which
#: the book's code column shows without scrolling.
CODE_WIDTH: int = tomllib.loads((BOOK / "ruff.toml").read_text(encoding="utf-8"))["line-length"]


def build_command(source: Path = ROOT, *options: str) -> list[str]:
    """``jupyter-book build`` of the book at ``source``, warnings as errors, from this
    Python's environment; ``options`` are added (``--all``, ``--config FILE``...)."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    return [str(jupyter_book), "build", str(source), "-W", "-n", "--keep-going", *options]

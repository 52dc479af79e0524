"""editions.book: the one reader of the table of contents, notebooks' cells, and the
build command."""

from __future__ import annotations

import json
from pathlib import Path

from editions import book


def test_toc_files_chapters_and_pages(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n"
        "  - caption: A\n    chapters:\n      - file: book/01_a\n      - file: book/notes\n"
        "        sections:\n          - file: book/02_b\n"
    )
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    for name in ("01_a", "02_b", "03_unlisted"):
        (tmp_path / "book" / f"{name}.ipynb").write_text('{"cells": []}')
    (tmp_path / "book" / "notes.md").write_text("# Notes\n")
    assert book.toc_files(tmp_path) == ["book/intro", "book/01_a", "book/notes", "book/02_b"]
    assert book.chapters(tmp_path) == [tmp_path / "book" / f"{n}.ipynb" for n in ("01_a", "02_b")]
    assert book.pages(tmp_path) == [tmp_path / "book" / f"{n}.md" for n in ("intro", "notes")]


def test_the_book_lists_its_chapters_in_order():
    assert book.toc_files()[0] == "book/intro"
    names = [p.name for p in book.chapters()]
    assert names == sorted(names) and names[0] == "01_neural_networks.ipynb"
    assert all(p.parent == book.BOOK for p in book.chapters())


def test_cells_and_sources():
    cells = [
        {"cell_type": "markdown", "source": ["# A\n", "b"]},
        {"cell_type": "code", "source": "x = 1"},
        {"cell_type": "code", "source": ["y = 2\n", "z = 3"]},
    ]
    assert book.source(cells[0]) == "# A\nb"
    assert book.code_sources({"cells": cells}) == ["x = 1", "y = 2\nz = 3"]
    text = book.dumps({"b": "é", "a": 1}, sort_keys=True)
    assert text == '{\n "a": 1,\n "b": "é"\n}\n' and json.loads(text) == {"a": 1, "b": "é"}


def test_build_command_is_the_documented_one():
    command = book.build_command(Path("/tmp/book"), "--all")
    assert Path(command[0]).name == "jupyter-book"
    assert command[1:] == ["build", "/tmp/book", "-W", "-n", "--keep-going", "--all"]


def test_code_width_is_ruffs_for_the_notebooks():
    assert book.CODE_WIDTH == 78

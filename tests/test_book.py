"""editions.book: the one reader of the table of contents, notebooks' cells, and the
build command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

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


def test_the_build_log_check_flags_warnings_and_errors() -> None:
    """A warning, an error or a non-zero exit code makes the build unclean."""
    assert book.log_problems(0, "build succeeded.") == []
    assert book.log_problems(0, "book/intro.md:3: WARNING: undefined label: 'nope'")
    assert book.log_problems(0, "book/intro.md:5: ERROR: Unknown directive type.")
    assert book.log_problems(1, "build finished with problems.")
    kernel = "[IPKernelApp] WARNING | Kernel is running over TCP without encryption."
    assert book.log_problems(0, f"Executing: book/01.ipynb\n{kernel}\ndone") == [kernel]
    python = "/x/sphinx/util.py:12: RemovedInSphinx80Warning: use y instead"
    assert book.log_problems(0, python) == [python]
    assert book.log_problems(0, "a.py:3: DeprecationWarning: old") == [
        "a.py:3: DeprecationWarning: old"
    ]
    assert book.log_problems(0, "Debugger warning: frozen modules") == [
        "Debugger warning: frozen modules"
    ]
    clean = "reading sources... [100%] book/02_activations\nbuild succeeded.\n"
    assert book.log_problems(0, clean + "Executed notebook in 4.2 seconds\n") == []
    assert book.log_problems(0, "\x1b[91mWARNING: coloured\x1b[0m") == ["WARNING: coloured"]


def test_a_build_is_recorded_against_its_sources(tmp_path):
    """The record says which sources an edition was built from: a change to any build
    input makes it stale, caches do not count, and an incremental build is never
    taken as complete."""
    root = tmp_path / "repo"
    for name in ("book", "helpers/__pycache__", "tests"):
        (root / name).mkdir(parents=True)
    (root / "_config.yml").write_text("title: x\n")
    (root / "book" / "01_a.ipynb").write_text("{}")
    first = book.sources_digest(root)
    (root / "helpers" / "__pycache__" / "x.pyc").write_bytes(b"a cache")
    (root / "tests" / "test_x.py").write_text("# not a build input")
    assert book.sources_digest(root) == first
    path = tmp_path / "editions.json"
    book.record("book", ["a warning"], True, first, path)
    book.record("student", [], False, first, path)
    assert book.recorded("book", first, path) == ["a warning"]
    assert book.recorded("student", first, path) is None  # incremental
    assert book.recorded("lite", first, path) is None  # never built
    (root / "book" / "01_a.ipynb").write_text('{"cells": []}')
    assert book.recorded("book", book.sources_digest(root), path) is None


def chapter_table(readme: str) -> list[tuple[str, str]]:
    """(number and title, notebook) of each row of README.md's chapter table."""
    rows = re.findall(r"^\| (\d+\. [^|]+?) \| `([^`]+)` \|", readme, flags=re.M)
    return [(title, notebook) for title, notebook in rows]


def readme_table_problems(readme: str) -> list[str]:
    """How README.md's chapter table differs from the book: every chapter, in order,
    numbered as the book numbers it, under its own title."""
    expected = [
        (f"{n}. {book.title(path)}", str(path.relative_to(book.ROOT)))
        for n, path in enumerate(book.chapters(), start=1)
    ]
    found = chapter_table(readme)
    return [
        f"README has {f}, the book {e}" for f, e in zip(found, expected, strict=False) if f != e
    ] + (
        [f"README lists {len(found)} chapters, the book {len(expected)}"]
        if len(found) != len(expected)
        else []
    )


def test_the_readme_lists_every_chapter_as_the_book_numbers_it():
    problems = readme_table_problems((book.ROOT / "README.md").read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_the_readme_table_check_sees_a_missing_or_misnumbered_chapter():
    readme = (book.ROOT / "README.md").read_text(encoding="utf-8")
    first, *_ = chapter_table(readme)
    dropped = readme.replace(f"| {first[0]} | `{first[1]}` |", "")
    assert readme_table_problems(dropped)
    renumbered = readme.replace(f"| {first[0]} |", f"| 9{first[0]} |")
    assert readme_table_problems(renumbered)


def test_title_is_the_first_level_one_heading(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("(label)=\n## Not this\n# The title\n# Not this either\n")
    assert book.title(page) == "The title"
    page.write_text("## Only a subheading\n")
    with pytest.raises(ValueError, match="page.md has no level-1 heading"):
        book.title(page)

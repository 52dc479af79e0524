"""The student edition's HTML: every exercise kept, no solution left in the pages or in
the search index."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from sphinx.search.en import SearchEnglish

from editions import book
from editions import student as student_edition
from editions.book import ROOT
from tests.support.site import NOTEBOOK_PAGES, ensure_built
from tests.support.student_edition import (
    html_solution_lines,
    leaks,
    normalise,
    page_text,
    solution_fragments,
    split_page,
)


def _make_student() -> list[str]:
    try:
        return book.log_problems(0, student_edition.build(quiet=True))
    except subprocess.CalledProcessError as error:
        return book.log_problems(error.returncode, str(error.output))


@pytest.fixture(scope="module")
def student_site(build: Path) -> Path:
    """The student edition of the current sources (after the full book, whose
    environment it reuses), its log clean."""
    problems = ensure_built("student", _make_student)
    if problems:
        pytest.fail("the student build is not clean:\n" + "\n".join(problems))
    return build / "student"


def _search_terms(site: Path) -> tuple[list[str], dict[str, list[int]]]:
    """The Sphinx search index of a site: its documents, and each term's documents."""
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    terms: dict[str, list[int]] = {}
    for kind in ("terms", "titleterms"):
        for term, docs in index[kind].items():
            terms.setdefault(term, []).extend([docs] if isinstance(docs, int) else docs)
    return index["docnames"], terms


def _stems(text: str) -> set[str]:
    stemmer = SearchEnglish({})
    return {stemmer.stem(word) for word in re.findall(r"\w+", text.lower())}


@pytest.mark.build
def test_student_html_has_exercises_but_no_solutions(student_site: Path, build: Path) -> None:
    """No solution block, no solution text in any file, and each page links its notebook."""
    notebooks = student_site / "notebooks"
    for page in NOTEBOOK_PAGES:
        chapter = ROOT / f"{page}.ipynb"
        full = (build / f"{page}.html").read_text(encoding="utf-8")
        html_text = (student_site / f"{page}.html").read_text(encoding="utf-8")
        solution_block = re.compile(r'class="[^"]*\bsolution\b')
        assert solution_block.search(full), f"{page}: the full edition shows its solutions"
        assert not solution_block.search(html_text), f"{page}: a solution block is left"
        exercises = len(student_edition.exercise_labels(chapter))
        assert html_text.count('class="exercise') == exercises == full.count('class="exercise')
        link = f'href="../notebooks/{chapter.name}"'
        cells = json.loads((notebooks / chapter.name).read_text(encoding="utf-8"))["cells"]
        sources = "\n".join("".join(c["source"]) for c in cells)
        numbers = re.findall(r"^# Exercise (\d+\.\d+) \(", sources, flags=re.M)
        assert len(numbers) == exercises, f"{page}: the notebook does not number its exercises"
        assert all(f"Exercise {n}" in html_text for n in numbers), f"{page}: numbers differ"
        assert link in html_text and (notebooks / chapter.name).is_file(), page
        fragments = solution_fragments(chapter)
        assert leaks(page_text(full), fragments), f"{page}: the finder finds nothing"
        assert not leaks(page_text(html_text), fragments), page
    elsewhere = " ".join(
        normalise(split_page(p.read_text(encoding="utf-8"))[0]) for p in build.glob("book/*.html")
    )
    fragments = {
        f"{path.stem} {label}": [f for f in items if f not in elsewhere]
        for path in student_edition.chapters()
        for label, items in solution_fragments(path).items()
    }
    fragments["solution output"] = [
        line
        for page in NOTEBOOK_PAGES
        for line in html_solution_lines(
            (build / f"{page}.html").read_text(encoding="utf-8"), elsewhere
        )
    ]
    assert fragments["solution output"], "the full edition's solutions show no text"
    for path in sorted(student_site.rglob("*")):
        if path.suffix in {".html", ".js", ".txt", ".json"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            found = leaks(page_text(text) if path.suffix == ".html" else normalise(text), fragments)
            assert not found, f"{path.relative_to(student_site)}: {found[:3]}"
    assert not (student_site / "_sources").exists(), "page sources would be the full notebooks"
    assert sorted(p.name for p in student_site.rglob("*.ipynb")) == sorted(
        p.name for p in student_edition.chapters()
    )
    with zipfile.ZipFile(student_site / student_edition.ZIP_NAME) as archive:
        assert len(archive.namelist()) == len(student_edition.chapters())


@pytest.mark.build
def test_student_search_index_has_no_solution_words(student_site: Path, build: Path) -> None:
    full_docs, full_terms = _search_terms(build)
    docs, terms = _search_terms(student_site)
    assert docs == full_docs
    for page in NOTEBOOK_PAGES:
        doc = docs.index(page)
        outside, inside = split_page((build / f"{page}.html").read_text(encoding="utf-8"))
        note = split_page(
            (student_site / f"{page}.html").read_text(encoding="utf-8"), "student-download"
        )[1]
        words = _stems(inside) - _stems(outside) - _stems(note)
        in_full = {w for w in words if doc in full_terms.get(w, [])}
        assert in_full, f"{page}: no solution word found in the full index"
        left = sorted(w for w in words if doc in terms.get(w, []))
        assert not left, f"{page}: the student search index holds {left[:10]}"

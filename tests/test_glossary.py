"""The glossary and the chapters agree.

- every term defined in ``book/glossary.md`` is linked with ``{term}`` from some other
  page of the book (a term nobody uses does not belong in the glossary);
- every ``{term}`` link in the book, written ``{term}`name` `` or
  ``{term}`shown text <name>` ``, names a defined term (Sphinx matches them without
  regard to case);
- each entry gives its Chinese name first, appears once, and the list is alphabetical.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
GLOSSARY = BOOK / "glossary.md"

TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")
EXPLICIT_TARGET = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.DOTALL)
CJK = re.compile(r"[\u3400-\u9fff]")


def normalise(term: str) -> str:
    """Sphinx compares glossary terms case-insensitively; whitespace is not significant."""
    return " ".join(term.split()).lower()


def parse_glossary(text: str) -> list[tuple[list[str], list[str]]]:
    """Entries of the first ```{glossary} block: (term lines, definition lines).

    Term lines start at column 0; several term lines in a row name one entry. The
    definition is the indented lines that follow.
    """
    match = re.search(r"^```\{glossary\}[^\n]*\n(.*?)^```\s*$", text, re.DOTALL | re.MULTILINE)
    if match is None:
        raise AssertionError(f"{GLOSSARY} has no ```{{glossary}} block")
    entries: list[tuple[list[str], list[str]]] = []
    for line in match.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith(":"):  # blank line or directive option
            continue
        if line[0].isspace():
            if not entries:
                raise AssertionError(f"definition line before any term: {line!r}")
            entries[-1][1].append(line.strip())
        elif entries and not entries[-1][1]:
            entries[-1][0].append(line.strip())  # another name for the same entry
        else:
            entries.append(([line.strip()], []))
    return entries


def markdown_sources() -> dict[str, str]:
    """The markdown text of every page of the book: .md files and notebook markdown cells."""
    pages: dict[str, str] = {}
    for path in sorted(BOOK.rglob("*")):
        parts = set(path.relative_to(BOOK).parts)
        if "_build" in parts or ".ipynb_checkpoints" in parts:
            continue
        if path.suffix == ".md":
            pages[path.name] = path.read_text(encoding="utf-8")
        elif path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            pages[path.name] = "\n\n".join(
                "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                for cell in cells
                if cell["cell_type"] == "markdown"
            )
    return pages


def term_links(text: str) -> list[str]:
    """The target of every {term} role in ``text``, as written."""
    targets = []
    for content in TERM_ROLE.findall(text):
        explicit = EXPLICIT_TARGET.match(content.strip())
        targets.append(explicit.group(2) if explicit else content)
    return targets


@pytest.fixture(scope="module")
def entries() -> list[tuple[list[str], list[str]]]:
    return parse_glossary(GLOSSARY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def defined(entries) -> set[str]:
    return {normalise(term) for names, _ in entries for term in names}


@pytest.fixture(scope="module")
def links_by_page() -> dict[str, list[str]]:
    return {name: term_links(text) for name, text in markdown_sources().items()}


def test_parser_reads_roles_and_entries():
    text = "a {term}`Vanishing  Gradient` b {term}`ReLUs <ReLU>` c {term}`x\ny`"
    assert term_links(text) == ["Vanishing  Gradient", "ReLU", "x\ny"]
    block = "```{glossary}\n:sorted:\nterm a\nalias a\n  甲. def\n\nterm b\n  乙. def\n```\n"
    assert parse_glossary(block) == [
        (["term a", "alias a"], ["甲. def"]),
        (["term b"], ["乙. def"]),
    ]


def test_glossary_has_entries_each_defined_once(entries):
    assert len(entries) >= 10, f"the glossary holds only {len(entries)} entries"
    seen: dict[str, int] = defaultdict(int)
    for names, _ in entries:
        for name in names:
            seen[normalise(name)] += 1
    duplicates = sorted(term for term, count in seen.items() if count > 1)
    assert not duplicates, f"terms defined more than once in glossary.md: {duplicates}"


def test_every_entry_starts_with_its_chinese_name(entries):
    missing = [names[0] for names, definition in entries if not definition]
    assert not missing, f"glossary terms without a definition: {missing}"
    no_chinese = [names[0] for names, definition in entries if not CJK.search(definition[0])]
    assert not no_chinese, (
        f"glossary definitions must start with the Chinese term; these do not: {no_chinese}"
    )


def test_glossary_is_alphabetical(entries):
    order = [names[0] for names, _ in entries]
    expected = sorted(order, key=normalise)
    misplaced = [term for term, want in zip(order, expected, strict=True) if term != want]
    assert not misplaced, (
        "glossary.md must be in alphabetical order (ignoring case); out of place from "
        f"{misplaced[0]!r} on. Expected order: {expected}"
    )


def test_every_term_link_names_a_glossary_term(defined, links_by_page):
    unknown = {
        page: sorted({t for t in targets if normalise(t) not in defined})
        for page, targets in links_by_page.items()
    }
    unknown = {page: terms for page, terms in unknown.items() if terms}
    assert not unknown, (
        "{term} links to terms that book/glossary.md does not define "
        f"(add them there, or fix the link): {unknown}"
    )


def test_every_glossary_term_is_used(entries, links_by_page):
    used = {
        normalise(target)
        for page, targets in links_by_page.items()
        if page != GLOSSARY.name  # a glossary entry linking another is not a use by the book
        for target in targets
    }
    unused = [names[0] for names, _ in entries if not used & {normalise(n) for n in names}]
    assert not unused, (
        f"{len(unused)} glossary terms are never linked with {{term}} from a chapter or "
        f"page (link their first use, or remove them): {unused}"
    )

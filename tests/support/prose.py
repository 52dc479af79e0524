"""What a reader sees of the chapters' prose: the values the HTML book inserts, and
raw MyST that a front end failed to render.

Shared by the live-notebook tests (JupyterLab, Notebook 7) and the Binder run.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path

#: MyST source that must never reach a reader: roles, directive fences and options,
#: target labels, and the old glue roles.
RAW_MYST = [
    re.compile(r"\{[a-z][\w:-]*\}`"),  # a role: {term}`...`, {eval}`...`, {glue:text}`...`
    re.compile(r"```"),  # a directive fence
    re.compile(r"^\s*:(class|label|name|nonumber):", re.M),  # a directive option
    re.compile(r"^\s*\([\w-]+\)=\s*$", re.M),  # a target label, (ch-backprop)=
    re.compile(r"\{(solution|exercise)(-start|-end)?\}"),
]


def raw_myst(text: str) -> list[str]:
    """The pieces of raw MyST in rendered text (empty when everything rendered)."""
    found = []
    for pattern in RAW_MYST:
        for match in pattern.finditer(text):
            start = max(match.start() - 30, 0)
            found.append(text[start : match.end() + 30].replace("\n", " "))
    return found


class _InlineValues(HTMLParser):
    """Collects the text of myst-nb's inline outputs, <span class="output text_plain">."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "span" and dict(attrs).get("class") == "output text_plain":
            self._current = ""

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._current is not None:
            self.values.append(self._current)
            self._current = None


def html_prose_values(page: Path) -> list[str]:
    """The values a built chapter page inserts into its prose, in reading order."""
    stat = page.stat()
    return list(_parsed_values(page, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _parsed_values(page: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    """The page's values, parsed once per version of the file (several test modules
    read the same pages when they load)."""
    parser = _InlineValues()
    parser.feed(page.read_text(encoding="utf-8"))
    return tuple(parser.values)


#: Below this size a shown value is round-off by construction: a gradient check's
#: relative error, or a difference that is exactly zero in exact arithmetic. Its
#: digits depend on the BLAS and maths library that computed it.
ROUND_OFF_SCALE = 1e-6


def round_off_scale(value: str) -> bool:
    """Whether a shown value is a nonzero number smaller than ROUND_OFF_SCALE
    (text that is not a number, and zero, are not)."""
    try:
        number = float(value.replace("\u2212", "-").replace(",", ""))
    except ValueError:
        return False
    return 0 < abs(number) < ROUND_OFF_SCALE


def strip_quotes(text_plain: str) -> str:
    """A string's text/plain repr shown as the renderers show it: without its quotes."""
    return re.sub(r"""^(["'])(.*)\1$""", r"\2", text_plain, flags=re.S)


def built_prose_values(site_pages: Path, chapters: list[str]) -> dict[str, list[str]]:
    """Each chapter's inserted prose values from the built HTML book (chapters whose
    page is missing are left out). Read it before any test can rebuild the book."""
    pages = {name: site_pages / name.replace(".ipynb", ".html") for name in chapters}
    return {name: html_prose_values(page) for name, page in pages.items() if page.is_file()}

"""What a reader of a live notebook sees of the chapter's prose: after Run All, the
reader scrolls through and reads each Markdown cell while it is on screen; every value
that the chapter's HTML page shows must be shown in the same cell, formatted the same
way, with no "[run the code above]" placeholder and no raw MyST left."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from editions.book import BOOK, SITE, chapters, read
from editions.live import PLACEHOLDER, expressions
from tests.support.prose import built_prose_values, raw_myst
from tests.support.site import in_ci

VALUES_WAIT = 10.0  # s: how long a reader waits, after scrolling, for values to appear
#: Scroll the notebook from top to bottom, a screen at a time, and return the text of
#: every Markdown cell as it showed while on screen (its index among the notebook's
#: cells -> text), and the most cells the page held at once.
JS_SCROLL_AND_READ = """async () => {
  const all = () => [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  const first = all()[0];
  let box = first ? first.parentElement : null;
  const scrolls = el => el.scrollHeight > el.clientHeight + 1
    && /(auto|scroll)/.test(getComputedStyle(el).overflowY);
  while (box && !scrolls(box)) box = box.parentElement;
  const scroller = box || document.scrollingElement;
  const view = () => box ? box.getBoundingClientRect() : {top: 0, bottom: innerHeight};
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const seen = {};
  let most = 0;
  scroller.scrollTop = 0;
  await frame();
  for (let step = 0; step < 2000; step++) {
    const {top, bottom} = view();
    const cells = all();
    most = Math.max(most, cells.length);
    cells.forEach((cell, i) => {
      if (!cell.classList.contains('jp-MarkdownCell')) return;
      const r = cell.getBoundingClientRect();
      if (r.bottom <= top || r.top >= bottom) return;
      const text = (cell.querySelector('.jp-Cell-inputArea') || cell).innerText;
      const index = cell.dataset.windowedListIndex;
      if (text.trim()) seen[index === undefined ? i : Number(index)] = text;
    });
    const before = scroller.scrollTop;
    scroller.scrollTop = before + 0.8 * scroller.clientHeight;
    await frame();
    if (scroller.scrollTop === before) break;
  }
  return {cells: most, seen};
}"""
JS_PLACEHOLDERS_GONE = """(p) => ![...document.querySelectorAll('.jp-Notebook .myst')]
  .some(node => node.innerText.includes(p))"""

# Read when this module is first imported (as the live tests load), before any test
# can rebuild the book.
HTML_VALUES = built_prose_values(SITE / "book", [p.name for p in chapters()])


def cells_of(chapter: str) -> list[dict]:
    """The cells of book/``chapter``."""
    return read(BOOK / chapter)["cells"]


def html_values(chapter: str) -> list[str]:
    """The values the chapter's HTML page inserts into its prose, in reading order;
    without a built page the test is skipped (failed in CI)."""
    values = HTML_VALUES.get(chapter)
    if values is None:
        message = f"no built page for {chapter}: build the book first (README command 1)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return values


def expected_values(chapter: str) -> dict[int, list[str]]:
    """Markdown cell (its index among the notebook's cells) -> the values the HTML
    page shows in it: one per inline expression, in reading order."""
    values = iter(html_values(chapter))
    expected: dict[int, list[str]] = {}
    for index, cell in enumerate(cells_of(chapter)):
        if cell["cell_type"] == "markdown":
            count = len(expressions("".join(cell["source"])))
            if count:
                expected[index] = [next(values) for _ in range(count)]
    extra = list(values)
    assert not extra, f"{chapter}: the HTML page shows more values than the notebook has: {extra}"
    return expected


@dataclass
class Reading:
    """A chapter's prose as a reader saw it, scrolling through after Run All: the text
    of each Markdown cell while it was on screen, by the cell's index."""

    chapter: str
    texts: dict[int, str]
    expected: dict[int, list[str]] = field(repr=False)
    cells: int = 0  # the most cells the page held at once

    @property
    def total(self) -> int:
        """The values the HTML page shows."""
        return sum(len(values) for values in self.expected.values())

    def missing(self) -> dict[int, list[str]]:
        """Cell -> the HTML page's values that the cell does not show."""
        missing = {}
        for index, values in self.expected.items():
            text = self.texts.get(index, "")
            lacking = [v for v, n in Counter(values).items() for _ in range(n - text.count(v))]
            if lacking:
                missing[index] = lacking
        return missing

    @property
    def shown(self) -> int:
        """The HTML page's values that the reader saw, each in its own cell (a cell
        that lacks n values, or shows n placeholders, shows n fewer)."""
        missing, left = self.missing(), self.placeholders
        lost = sum(max(len(missing.get(i, [])), left.get(i, 0)) for i in self.expected)
        return self.total - lost

    @property
    def placeholders(self) -> dict[int, int]:
        """Cell -> how many of its values still read PLACEHOLDER."""
        counts = {i: text.count(PLACEHOLDER) for i, text in self.texts.items()}
        return {i: n for i, n in counts.items() if n}

    def unseen(self) -> list[int]:
        """Cells with values that never showed any text."""
        return [i for i in self.expected if not self.texts.get(i, "").strip()]

    def raw(self) -> list[str]:
        return raw_myst("\n\n".join(self.texts.values()))

    def complete(self) -> bool:
        cells = len(cells_of(self.chapter))
        return self.cells == cells and not self.placeholders and not self.missing()

    def summary(self) -> str:
        left = self.placeholders
        return (
            f"{self.shown} of {self.total} values shown, {sum(left.values())} placeholders "
            f"left in {len(left)} of {len(self.texts)} Markdown cells"
        )


def read_prose(page: Page, chapter: str, wait: float = VALUES_WAIT) -> Reading:
    """Scroll through the chapter, reading each Markdown cell while it is on screen;
    while values are missing, wait and read again, for ``wait`` seconds in all."""
    expected = expected_values(chapter)
    deadline = time.monotonic() + wait
    # Values arrive after their code has run: first wait until no rendered cell shows
    # a placeholder (a cheap look at the page, not what the reader sees; that is read
    # below, however this wait ended).
    try:
        page.wait_for_function(
            JS_PLACEHOLDERS_GONE, arg=PLACEHOLDER, timeout=wait * 1000, polling=250
        )
    except PlaywrightTimeout:
        pass
    while True:
        result = page.evaluate(JS_SCROLL_AND_READ)
        texts = {int(i): text for i, text in result["seen"].items()}
        reading = Reading(chapter, texts, expected, result["cells"])
        if reading.complete() or time.monotonic() > deadline:
            return reading
        time.sleep(0.5)


def check_reading(reading: Reading, who: str) -> None:
    """Every value of the HTML page shown in its cell, no placeholder, no raw MyST."""
    where = f"{reading.chapter}, {who}"
    left = reading.placeholders
    assert not left, (
        f"{where}: {sum(left.values())} values still read {PLACEHOLDER!r} after Run All, "
        f"in cells {sorted(left)} ({reading.summary()})"
    )
    assert not reading.unseen(), f"{where}: cells never shown while scrolling: {reading.unseen()}"
    cells = len(cells_of(reading.chapter))
    assert reading.cells == cells, f"{where}: {reading.cells} cells shown, {cells} in it"
    missing = reading.missing()
    assert not missing, f"{where}: cells lack these values of the HTML page: {missing}"
    raw = reading.raw()
    assert not raw, f"{where}: raw MyST in the rendered prose: {raw[:5]}"

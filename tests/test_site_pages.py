"""The built HTML book's pages in headless Chromium, with the network blocked.

The book is built once (a warning fails the build; tests/support/site.py reuses the
build of ``python -m editions`` when it is of the current sources) and ``_build/html``
is served on 127.0.0.1. Chromium opens every page of the table of contents in a
context where any request to another host is aborted and recorded. Every page must
load only the site's own files, log no JavaScript error, typeset all its math and show
all its images, fit its code to the column, and carry no top bar; the search page must
find results; and a copy of the site opened from disk (file://) must work as well.
Screenshots go to tests/screenshots/ (ignored by git), with a table of each page's
requests, weight, math and images. Each check is also run once on a page broken on
purpose, to show that it can fail.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from editions.book import CODE_WIDTH, ROOT
from tests.support.explorers import chapter_explorers
from tests.support.site import (
    NOTEBOOK_PAGES,
    PAGES,
    SCREENSHOTS,
    VIEWPORT,
    Server,
    Visit,
    from_disk,
    open_page,
    same_host,
    screenshot,
    serve,
)

# The chapter pages that show an explorer.
EXPLORER_PAGES = {f"book/{stem}" for stem in chapter_explorers()}
CONFIG: dict[str, Any] = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))

# The window in which no code block may scroll sideways, and a phone's.
READING_VIEWPORT = {"width": 1280, "height": 1000}

PHONE_VIEWPORT = {"width": 390, "height": 844}

RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$")

WIDGET_TEXT = re.compile(
    r"Loading widget|Error displaying widget|Widget Javascript not detected|"
    r"Failed to (?:display|load) (?:Jupyter )?[Ww]idget",
)

INSPECT = """async () => {
  const images = Array.from(document.images);
  for (const img of images) if (img.loading === "lazy") img.loading = "eager";
  await Promise.all(images.map((img) => img.decode().catch(() => null)));

  const code = "pre, code, script, style, textarea, mjx-container";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const text = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    if (!node.parentElement.closest(code)) text.push(node.textContent);

  const fetching = "script[src], img[src], iframe[src], source[src], video[src], " +
    "audio[src], embed[src], object[data], link[href]";
  const loads = /(^|\\s)(stylesheet|icon|preload|modulepreload|prefetch|manifest)(\\s|$)/i;
  const foreign = [];
  for (const el of document.querySelectorAll(fetching)) {
    if (el.tagName === "LINK" && !loads.test(el.rel)) continue;
    const raw = el.getAttribute("src") ?? el.getAttribute("href") ?? el.getAttribute("data");
    const url = new URL(raw, location.href);
    if (/^(https?|wss?):$/.test(url.protocol) && url.host !== location.host)
      foreign.push(el.tagName.toLowerCase() + " " + url.href);
  }

  const media = "img, svg, canvas, table, iframe, video, mjx-container";
  const empty = Array.from(document.querySelectorAll(".cell_output > *")).filter(
    (el) => !el.textContent.trim() && !el.matches(media) && !el.querySelector(media));
  const widgets = document.querySelectorAll(
    ".jupyter-widgets, .widget-area, .widget-subarea, .jp-OutputArea-output, " +
    "[class*='widget-view'], script[type='application/vnd.jupyter.widget-view+json']");

  const math = Array.from(document.querySelectorAll(".math"));
  return {
    text: text.join("\\n"),
    visible: document.body.innerText,
    math: math.length,
    untypeset: math.filter((el) => !el.querySelector("mjx-container"))
      .map((el) => el.textContent.trim().slice(0, 60)),
    containers: document.querySelectorAll("mjx-container").length,
    mathErrors: Array.from(document.querySelectorAll("mjx-merror"),
      (el) => el.getAttribute("data-mjx-error") || el.textContent),
    images: images.length,
    broken: images.filter((img) => !(img.naturalWidth > 0))
      .map((img) => (img.getAttribute("src") || img.outerHTML).slice(0, 100)),
    foreign,
    emptyOutputs: empty.map((el) => el.outerHTML.slice(0, 100)),
    widgets: widgets.length,
    explorers: document.querySelectorAll(".nnfb-static-explorer").length,
  };
}"""


def _capped(prefix: str, items: Sequence[str], limit: int = 10) -> list[str]:
    """One line per item, at most limit of them."""
    lines = [f"{prefix}: {item}" for item in items[:limit]]
    return lines + ([f"{prefix}: ... and {len(items) - limit} more"] if len(items) > limit else [])


def _raw_math(text: str) -> list[str]:
    """Each math delimiter that MathJax left in the text, with its surroundings."""
    return [
        f"{m.group()} in {text[max(m.start() - 30, 0) : m.end() + 30]!r}"
        for m in RAW_MATH.finditer(text)
    ]


def _inspect(visit: Visit, needs_math: bool) -> tuple[list[str], dict[str, Any]]:
    """The page's problems and its figures (math, images, explorers)."""
    state: dict[str, Any] = visit.page.evaluate(INSPECT)
    problems = visit.problems()
    problems += _capped("raw math left in the text", _raw_math(state["text"]))
    problems += _capped("math not typeset", [repr(s) for s in state["untypeset"]])
    problems += _capped("MathJax error", state["mathErrors"])
    if needs_math and state["containers"] == 0:
        problems.append("no typeset math (mjx-container) on a page that has math")
    problems += _capped("image did not load", state["broken"])
    problems += _capped("loads from another host", state["foreign"])
    problems += _capped("empty output box", state["emptyOutputs"])
    if state["widgets"]:
        problems.append(f"{state['widgets']} widget placeholder(s) that need a kernel")
    problems += [f"widget message shown: {m}" for m in WIDGET_TEXT.findall(state["visible"])]
    return problems, state


def _binder_problems(page: Page, name: str) -> list[str]:
    """The page's Binder launch link must point at the repository of _config.yml."""
    repo = CONFIG["repository"]
    owner_repo = urlsplit(repo["url"]).path.strip("/")
    launch = CONFIG.get("launch_buttons", {})
    binder = launch.get("binderhub_url", "https://mybinder.org").rstrip("/")
    ui = "lab/tree" if launch.get("notebook_interface", "classic") == "jupyterlab" else "tree"
    book = repo.get("path_to_book", "").strip("/")
    path = f"{book}/{name}.ipynb" if book else f"{name}.ipynb"
    expected = f"{binder}/v2/gh/{owner_repo}/{repo.get('branch', 'main')}?urlpath={ui}/{path}"
    links: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    binder_links = [link for link in links if link.startswith(binder)]
    if expected not in binder_links:
        return [f"no Binder launch link {expected}; found {binder_links}"]
    return []


WIDTHS = """() => {
  const box = (el) => ({scroll: el.scrollWidth, client: el.clientWidth});
  const longest = (el) => el.textContent.split("\\n")
    .reduce((a, b) => (b.length > a.length ? b : a), "");
  return {
    inputs: Array.from(document.querySelectorAll("div.cell_input pre"),
      (el) => ({...box(el), line: longest(el)})),
    outputs: Array.from(document.querySelectorAll("div.cell_output pre"),
      (el) => ({...box(el), line: longest(el)})),
    tables: Array.from(document.querySelectorAll(".pst-scrollable-table-container"),
      (el) => ({...box(el), marked: el.classList.contains("nnfb-wide"),
                hint: getComputedStyle(el, "::before").content,
                head: el.textContent.trim().slice(0, 40)})),
    page: box(document.documentElement),
  };
}"""


def _width_problems(page: Page) -> list[str]:
    """Every block that scrolls sideways where it must not, and a page that does.

    A code cell's input and a printed output must fit the column; a table may be
    wider only inside a box that scrolls by itself and says so (nnfb-wide). A
    block that is not laid out (clientWidth 0) counts as a problem, so that a
    hidden block cannot pass unmeasured.
    """
    state: dict[str, Any] = page.evaluate(WIDTHS)
    problems: list[str] = []
    for kind in ("inputs", "outputs"):
        for index, block in enumerate(state[kind], start=1):
            what = f"code {kind[:-1]} block {index} of {len(state[kind])}"
            if block["client"] == 0:
                problems.append(f"{what} is not laid out (clientWidth 0)")
            elif block["scroll"] > block["client"]:
                problems.append(
                    f"{what} scrolls sideways (scrollWidth {block['scroll']} > clientWidth "
                    f"{block['client']}); its longest line has {len(block['line'])} "
                    f"characters: {block['line']!r}"
                )
    for index, table in enumerate(state["tables"], start=1):
        wide = table["scroll"] > table["client"]
        if wide and not (table["marked"] and "scroll" in table["hint"]):
            problems.append(
                f"table {index} ({table['head']!r}) is wider than its box "
                f"({table['scroll']} > {table['client']}) and the box does not say so"
            )
    if state["page"]["scroll"] > state["page"]["client"]:
        problems.append(
            f"the page itself scrolls sideways ({state['page']['scroll']} > "
            f"{state['page']['client']} px)"
        )
    return problems


HEADER = """() => {
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility
    !== "hidden" && el.getBoundingClientRect().height > 0;
  const header = document.querySelector(".bd-header");
  const sidebar = document.querySelector(".bd-sidebar-primary");
  return {
    header: header ? Math.round(header.getBoundingClientRect().height) : 0,
    sidebarTop: sidebar ? Math.round(sidebar.getBoundingClientRect().top) : 0,
    searchFields: Array.from(document.querySelectorAll(".search-button-field"))
      .filter((el) => shown(el) && !el.closest(".bd-sidebar-primary")).length,
  };
}"""


def _header_problems(page: Page) -> list[str]:
    """A top bar above the layout: the theme's header shown, or a second search field."""
    state: dict[str, int] = page.evaluate(HEADER)
    problems = []
    if state["header"] > 0:
        problems.append(f"a header bar {state['header']} px high sits above the layout")
    if state["sidebarTop"] > 0:
        problems.append(f"the sidebar starts {state['sidebarTop']} px below the top")
    if state["searchFields"]:
        problems.append(f"{state['searchFields']} search field(s) outside the sidebar")
    return problems


def _count_code_blocks(page: Page) -> tuple[int, int]:
    """(blocks that scroll sideways, all blocks): code inputs and outputs together."""
    script = """() => { const all = Array.from(document.querySelectorAll(
        "div.cell_input pre, div.cell_output pre"));
      return [all.filter((el) => el.scrollWidth > el.clientWidth).length, all.length]; }"""
    wide, total = page.evaluate(script)
    return wide, total


def _own(path: str) -> bool:
    """A file of this page rather than a shared asset: its HTML or its images."""
    return path.split("?")[0].endswith(".html") or path.startswith("/_images/")


@pytest.fixture(scope="module")
def figures() -> Iterator[dict[str, dict[str, Any]]]:
    """Per-page figures, written to tests/screenshots/pages.txt at the end."""
    table: dict[str, dict[str, Any]] = {}
    yield table
    if table:
        SCREENSHOTS.mkdir(exist_ok=True)
        columns = ("requests", "kb", "own_kb", "math", "typeset", "images")
        lines = [f"{'page':<30}" + "".join(f"{c:>10}" for c in columns)]
        for name, row in table.items():
            lines.append(f"{name:<30}" + "".join(f"{row[c]:>10.0f}" for c in columns))
        lines.append("kb: everything the page downloads from a cold cache (theme, MathJax")
        lines.append("and fonts included); own_kb: the HTML and _images/ files alone.")
        (SCREENSHOTS / "pages.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.build
def test_build_is_clean(build: Path) -> None:
    """The fixture fails on a non-zero exit or any warning or error line in the log
    (Sphinx, myst-nb, kernels, Python warnings); every TOC page is built."""
    missing = [p for p in PAGES if not (build / f"{p}.html").is_file()]
    assert not missing, f"pages of _toc.yml missing from the build: {missing}"


@pytest.fixture(scope="module")
def reading_width() -> dict[str, tuple[list[str], int, int]]:
    """Page -> what the width check found at the reading width (its problems, code
    blocks that scroll sideways, all code blocks), measured in the self-contained
    test's visit, which opens the page at that size: test_code_fits_the_column reads
    it there instead of opening the page again (run alone, it opens the page)."""
    return {}


def _reading_width(page: Page) -> tuple[list[str], int, int]:
    problems = _width_problems(page) + _header_problems(page)
    return (problems, *_count_code_blocks(page))


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_page_is_self_contained(
    chromium: Browser,
    site: Server,
    figures: dict[str, dict[str, Any]],
    reading_width: dict[str, tuple[list[str], int, int]],
    name: str,
) -> None:
    """Only the site's own files, no error, all math typeset, all images shown."""
    start = len(site.requests)
    url = f"{site.url}/{name}.html"
    with open_page(chromium, url, same_host(site.url), READING_VIEWPORT) as visit:
        problems, state = _inspect(visit, needs_math=name in NOTEBOOK_PAGES)
        if name in NOTEBOOK_PAGES:
            problems += _binder_problems(visit.page, name)
        if name in EXPLORER_PAGES and not state["explorers"]:
            problems.append("the static explorer is missing")
        screenshot(visit.page, name.replace("/", "_"))
        reading_width[name] = _reading_width(visit.page)
    served = site.requests[start:]
    problems += [
        f"the site answered {status}: {path}" for path, status, _ in served if status >= 400
    ]
    figures[name] = {
        "requests": len(served),
        "kb": sum(size for _, _, size in served) / 1024,
        "own_kb": sum(size for path, _, size in served if _own(path)) / 1024,
        "math": state["math"],
        "typeset": state["containers"],
        "images": state["images"],
    }
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_code_fits_the_column(
    chromium: Browser,
    site: Server,
    reading_width: dict[str, tuple[list[str], int, int]],
    name: str,
) -> None:
    """At 1280 x 1000 no code block scrolls sideways; at 390 px the page does not.

    At a phone's width code blocks scroll inside themselves (78 characters do not
    fit), but the page never does and a wide table says that it scrolls. No page,
    the landing page included, has a top bar above the sidebar and the article.
    """
    url = f"{site.url}/{name}.html"
    if name not in reading_width:
        with open_page(chromium, url, same_host(site.url), READING_VIEWPORT) as visit:
            reading_width[name] = _reading_width(visit.page)
    problems, wide, total = reading_width.pop(name)
    with open_page(chromium, url, same_host(site.url), PHONE_VIEWPORT) as visit:
        phone = _width_problems(visit.page)
        problems += [f"at 390 px: {p}" for p in phone if "code input" not in p]
        screenshot(visit.page, f"{name.replace('/', '_')}-390")
    summary = f"{name}: {wide} of {total} code blocks scroll sideways at 1280 px"
    assert not problems, summary + "\n" + "\n".join(problems)


@pytest.mark.build
@pytest.mark.browser
def test_search_works_offline(chromium: Browser, site: Server) -> None:
    """The built search index answers a query for a word the book uses."""
    url = f"{site.url}/search.html?q=gradient"
    with open_page(chromium, url, same_host(site.url)) as visit:
        results = visit.page.locator("#search-results ul.search li")
        try:
            results.first.wait_for(state="attached", timeout=15_000)
        except PlaywrightError:
            pass
        count = results.count()
        problems = visit.problems()
    assert count >= 1, "searching for 'gradient' lists no result"
    assert not problems, "search page:\n" + "\n".join(problems)


@pytest.mark.build
@pytest.mark.browser
def test_copied_site_works_from_disk(chromium: Browser, build: Path, tmp_path: Path) -> None:
    """A copy of the folder opened with file:// typesets its math with nothing remote."""
    copy = tmp_path / "site"
    shutil.copytree(build, copy)
    name = "book/02_activations"
    with open_page(chromium, (copy / f"{name}.html").as_uri(), from_disk) as visit:
        problems, state = _inspect(visit, needs_math=True)
    assert state["math"] > 0 and state["containers"] > 0, "no math typeset from file://"
    assert not problems, f"{name} from file://:\n" + "\n".join(problems)


ICON = """() => {
  const link = document.querySelector("link[rel~='icon']");
  return new URL(link ? link.getAttribute("href") : "/favicon.ico", location.href).pathname;
}"""


@pytest.mark.build
@pytest.mark.browser
def test_page_icon_exists(chromium: Browser, site: Server) -> None:
    """The browser's own request for the page icon succeeds.

    Chromium asks for it only without request interception, so this page is opened
    in a plain context (other hosts stay unreachable: see the chromium fixture).
    """
    context = chromium.new_context(viewport=VIEWPORT)
    start = len(site.requests)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/{PAGES[0]}.html", wait_until="load")
        icon: str = page.evaluate(ICON)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if any(path.split("?")[0] == icon for path, _, _ in site.requests[start:]):
                break
            page.wait_for_timeout(100)
    finally:
        context.close()
    answers = [status for path, status, _ in site.requests[start:] if path.split("?")[0] == icon]
    assert answers, f"the browser did not ask for the page icon {icon}"
    assert all(status < 400 for status in answers), f"the site answered {answers} for {icon}"


BROKEN_PAGE = r"""<!doctype html>
<html><head><meta charset="utf-8"><title>broken</title>
<script src="https://cdn.example.org/tex-chtml.js"></script>
<link rel="icon" href="https://cdn.example.org/favicon.ico">
</head><body>
<p>Raw display math $$x^2$$ and raw inline math \(y\).</p>
<span class="math notranslate nohighlight">\(z\)</span>
<mjx-merror data-mjx-error="Undefined control sequence \foo"></mjx-merror>
<img src="missing.png" alt="missing">
<div class="cell_output"><div class="output text_html"></div></div>
<div class="jupyter-widgets widget-view"></div>
<p>Loading widget...</p>
<script>console.error("boom");</script>
<script>throw new Error("thrown");</script>
</body></html>
"""

BROKEN_PAGE_PROBLEMS = [
    "request to another host: https://cdn.example.org/tex-chtml.js",
    "failed request: 404",
    "JavaScript error: boom",
    "JavaScript error: uncaught Error: thrown",
    "raw math left in the text: $$ in",
    r"raw math left in the text: \( in",
    r"raw math left in the text: \) in",
    r"math not typeset: '\\(z\\)'",
    "MathJax error: Undefined control sequence",
    "no typeset math",
    "image did not load: missing.png",
    "loads from another host: script https://cdn.example.org/tex-chtml.js",
    "loads from another host: link https://cdn.example.org/favicon.ico",
    "empty output box",
    "widget placeholder",
    "widget message shown: Loading widget",
    "no Binder launch link",
]


@pytest.mark.browser
def test_page_checks_catch_a_broken_page(chromium: Browser, tmp_path: Path) -> None:
    """Each page check reports its fault on a page made to have them all."""
    (tmp_path / "broken.html").write_text(BROKEN_PAGE, encoding="utf-8")
    with serve(tmp_path) as server:
        url = f"{server.url}/broken.html"
        with open_page(chromium, url, same_host(server.url)) as visit:
            problems, _ = _inspect(visit, needs_math=True)
            problems += _binder_problems(visit.page, NOTEBOOK_PAGES[0])
    text = "\n".join(problems)
    missed = [p for p in BROKEN_PAGE_PROBLEMS if p not in text]
    assert not missed, f"not reported: {missed}\nreported:\n{text}"


@pytest.mark.build
@pytest.mark.browser
def test_width_check_catches_a_long_line(chromium: Browser, site: Server) -> None:
    """Lines of the chapters' limit fit every code block; a longer one is reported.

    Every code block of chapter 4's page (in solutions as well as in the text) is
    given one line, whatever the chapter holds: of exactly the limit of
    book/ruff.toml, no block may scroll; of 100 characters, each one is reported.
    A printed line that does not wrap and a page wider than the window are
    reported too.
    """
    width = CODE_WIDTH
    name = "book/04_backprop"
    fill = """([selector, line, nowrap]) => {
      for (const el of document.querySelectorAll(selector)) {
        el.textContent = line;
        if (nowrap) el.style.whiteSpace = "pre";
      } }"""
    url = f"{site.url}/{name}.html"
    with open_page(chromium, url, same_host(site.url), READING_VIEWPORT) as visit:
        blocks = visit.page.locator("div.cell_input pre").count()
        solutions = visit.page.locator(".solution div.cell_input pre").count()
        visit.page.evaluate(fill, ["div.cell_input pre", "x" * width, False])
        at_limit = [p for p in _width_problems(visit.page) if "code input" in p]
        visit.page.evaluate(fill, ["div.cell_input pre", "y" * 100, False])
        too_long = [p for p in _width_problems(visit.page) if "code input" in p]
        # printed text wraps (nnfb-layout.css); one that does not is reported
        visit.page.evaluate(fill, ["div.cell_output pre", "z" * 200, True])
        visit.page.evaluate("() => { document.body.style.minWidth = '3000px'; }")
        others = _width_problems(visit.page)
    assert blocks > 0 and solutions > 0, "chapter 4 should have code in solutions too"
    assert at_limit == [], f"{width}-character lines scroll:\n" + "\n".join(at_limit)
    assert len(too_long) == blocks, f"{len(too_long)} of {blocks} long blocks reported"
    assert "its longest line has 100 characters: 'yyyy" in too_long[0]
    assert any("code output block" in p for p in others), others
    assert any("the page itself scrolls sideways" in p for p in others), others


@pytest.mark.build
@pytest.mark.browser
def test_header_check_catches_a_top_bar(chromium: Browser, site: Server) -> None:
    """The landing page passes; with a search bar put back above it, it fails."""
    url = f"{site.url}/{PAGES[0]}.html"
    bar = """() => { const bar = document.createElement("header");
      bar.className = "bd-header"; bar.style.height = "64px";
      bar.innerHTML = '<button class="btn search-button-field">Search</button>';
      document.body.prepend(bar); }"""
    with open_page(chromium, url, same_host(site.url), READING_VIEWPORT) as visit:
        clean = _header_problems(visit.page)
        visit.page.evaluate(bar)
        broken = "\n".join(_header_problems(visit.page))
    assert clean == [], clean
    for expected in ("header bar 64 px", "sidebar starts 64 px", "1 search field"):
        assert expected in broken, f"{expected!r} not reported in {broken!r}"

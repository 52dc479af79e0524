"""The built HTML book in headless Chromium, with the network blocked.

The book is built once (a warning fails the build) and ``_build/html`` is served on
127.0.0.1 (the harness, its fixtures included, is tests/support/site.py). Chromium
opens every page of the table of contents in a context where any request to another
host is aborted and recorded. Every page must load only the site's own files, log no
JavaScript error, typeset all its math and show all its images; every static explorer
must change its figure and its value label when a control moves; the search page must
find results; and a copy of the site opened from disk (file://) must work as well.
Screenshots go to tests/screenshots/ (ignored by git), with a table of each page's
requests, weight, math and images.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
import yaml
from playwright.sync_api import Browser, Locator, Page
from playwright.sync_api import Error as PlaywrightError
from sphinx.search.en import SearchEnglish

from editions import node
from editions import student as student_edition
from editions.book import CODE_WIDTH, ROOT
from helpers.widgets import (
    Choice,
    Explorer,
    Slider,
    activation_explorer,
    gradient_flow_explorer,
    init_explorer,
)
from tests.support.site import (
    ANSI,
    NOTEBOOK_PAGES,
    PAGES,
    SCREENSHOTS,
    VIEWPORT,
    Server,
    Visit,
    build_problems,
    from_disk,
    open_page,
    same_host,
    screenshot,
    serve,
)
from tests.support.student_edition import (
    html_solution_lines,
    leaks,
    normalise,
    page_text,
    solution_fragments,
    split_page,
)

CONFIG: dict[str, Any] = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
# The window in which no code block may scroll sideways, and a phone's.
READING_VIEWPORT = {"width": 1280, "height": 1000}
PHONE_VIEWPORT = {"width": 390, "height": 844}
RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$")
WIDGET_TEXT = re.compile(
    r"Loading widget|Error displaying widget|Widget Javascript not detected|"
    r"Failed to (?:display|load) (?:Jupyter )?[Ww]idget",
)
# The explorer each chapter shows (by its data-explorer name) and how it is built.
EXPLORER_PAGES = {
    "book/02_activations": "activation",
    "book/05_initialization": "initialization",
    "book/06_vanishing_exploding": "gradient_flow",
}
EXPLORERS: dict[str, Callable[[], Explorer]] = {
    "activation": activation_explorer,
    "initialization": init_explorer,
    "gradient_flow": gradient_flow_explorer,
}


# --- what a page must look like -------------------------------------------------------

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


# --- what fits the column -------------------------------------------------------------

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


# --- summary of the figures -----------------------------------------------------------


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


# --- the tests ------------------------------------------------------------------------


@pytest.mark.build
def test_build_is_clean(build: Path) -> None:
    """The fixture fails on a non-zero exit or any warning or error line in the log
    (Sphinx, myst-nb, kernels, Python warnings); every TOC page is built."""
    missing = [p for p in PAGES if not (build / f"{p}.html").is_file()]
    assert not missing, f"pages of _toc.yml missing from the build: {missing}"


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_page_is_self_contained(
    chromium: Browser, site: Server, figures: dict[str, dict[str, Any]], name: str
) -> None:
    """Only the site's own files, no error, all math typeset, all images shown."""
    start = len(site.requests)
    with open_page(chromium, f"{site.url}/{name}.html", same_host(site.url)) as visit:
        problems, state = _inspect(visit, needs_math=name in NOTEBOOK_PAGES)
        if name in NOTEBOOK_PAGES:
            problems += _binder_problems(visit.page, name)
        if name in EXPLORER_PAGES and not state["explorers"]:
            problems.append("the static explorer is missing")
        screenshot(visit.page, name.replace("/", "_"))
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
def test_code_fits_the_column(chromium: Browser, site: Server, name: str) -> None:
    """At 1280 x 1000 no code block scrolls sideways; at 390 px the page does not.

    At a phone's width code blocks scroll inside themselves (78 characters do not
    fit), but the page never does and a wide table says that it scrolls. No page,
    the landing page included, has a top bar above the sidebar and the article.
    """
    url = f"{site.url}/{name}.html"
    with open_page(chromium, url, same_host(site.url), READING_VIEWPORT) as visit:
        problems = _width_problems(visit.page) + _header_problems(visit.page)
        wide, total = _count_code_blocks(visit.page)
        screenshot(visit.page, f"{name.replace('/', '_')}-1280")
    with open_page(chromium, url, same_host(site.url), PHONE_VIEWPORT) as visit:
        phone = _width_problems(visit.page)
        problems += [f"at 390 px: {p}" for p in phone if "code input" not in p]
        screenshot(visit.page, f"{name.replace('/', '_')}-390")
    summary = f"{name}: {wide} of {total} code blocks scroll sideways at 1280 px"
    assert not problems, summary + "\n" + "\n".join(problems)


def _expected_labels(control: Slider | Choice) -> list[str]:
    """The value labels the explorer's package definition shows for each value."""
    return [control.show(v) for v in control.values]


def _choose(element: Locator, index: int) -> None:
    """Set a control as a reader would: pick an option, or drag the range to index."""
    if element.evaluate("el => el.tagName") == "SELECT":
        element.select_option(value=str(index))
    else:
        element.fill(str(index))  # sets the value and fires input and change


def _frame(root: Locator) -> str:
    """The src of the frame the explorer shows."""
    return root.locator("img.nnfb-frame").evaluate("img => img.src")


def _frame_loads(root: Locator) -> bool:
    """Whether the shown frame decodes to an image."""
    script = "img => img.decode().then(() => img.naturalWidth > 0, () => false)"
    return bool(root.locator("img.nnfb-frame").evaluate(script))


ANNOUNCED = """root => ({
  alt: root.querySelector("img.nnfb-frame").alt,
  live: Array.from(root.querySelectorAll("[aria-live]"), (el) => el.textContent),
  valuetext: Array.from(root.querySelectorAll("input[type=range]"),
    (el) => [el.dataset.param, el.getAttribute("aria-valuetext")]),
})"""


def _announced_problems(root: Locator, explorer: Explorer, params: dict[str, Any]) -> list[str]:
    """What a screen reader gets for the shown frame: its alt text, the live region's
    words and each range input's value text, against what the explorer defines."""
    state = root.evaluate(ANNOUNCED)
    where = explorer.values_text(**params)
    problems = []
    if state["alt"] != explorer.alt_text(**params):
        problems.append(f"{where}: alt text {state['alt'][:80]!r} is not this frame's")
    if state["live"] != [where]:
        problems.append(f"{where}: the live region says {state['live']!r}")
    controls = {c.name: c for c in explorer.controls}
    for name, text in state["valuetext"]:
        if text != controls[name].show(params[name]):
            problems.append(f"{where}: {name}'s aria-valuetext is {text!r}")
    return problems


def _explorer_problems(
    root: Locator, controls: Sequence[Slider | Choice], explorer: Explorer | None = None
) -> list[str]:
    """Move every control to every value: the frame and the value label must follow,
    and (given the explorer) the alt text, the live region and the value texts too."""
    problems: list[str] = []
    first = _frame(root)
    if not _frame_loads(root):
        problems.append("the first frame does not load")
    start_params = {c.name: c.start for c in controls}
    for control in controls:
        element = root.locator(f"[data-param='{control.name}']")
        label = root.locator(f".nnfb-control-{control.name} .nnfb-value")
        labels = _expected_labels(control)
        start = list(control.values).index(control.start)
        if label.text_content() != labels[start]:
            problems.append(f"{control.name}: label {label.text_content()!r} at the start")
        for index in (i for i in range(len(labels)) if i != start):
            _choose(element, index)
            if _frame(root) == first:
                problems.append(f"{control.name}={labels[index]}: the frame did not change")
            elif not _frame_loads(root):
                problems.append(f"{control.name}={labels[index]}: the new frame does not load")
            if label.text_content() != labels[index]:
                problems.append(
                    f"{control.name}={labels[index]}: label shows {label.text_content()!r}"
                )
            if explorer is not None:
                params = {**start_params, control.name: control.values[index]}
                problems += _announced_problems(root, explorer, params)
        _choose(element, start)
        if _frame(root) != first:
            problems.append(f"{control.name}: moving back does not restore the first frame")
        if isinstance(control, Slider):
            step = 1 if start < len(labels) - 1 else -1
            element.press("ArrowRight" if step > 0 else "ArrowLeft")
            if label.text_content() != labels[start + step] or _frame(root) == first:
                problems.append(f"{control.name}: the arrow keys do not move the slider")
            _choose(element, start)
    return problems


EVERY_COMBINATION = """async (root) => {
  const inputs = Array.from(root.querySelectorAll("[data-param]"));
  const sizes = inputs.map((el) => el.tagName === "SELECT" ? el.options.length : +el.max + 1);
  const start = inputs.map((el) => el.value);
  const img = root.querySelector(".nnfb-frame");
  const total = sizes.reduce((a, b) => a * b, 1);
  const broken = [];
  for (let n = 0; n < total; n++) {
    let rest = n;
    inputs.forEach((el, k) => {
      el.value = String(rest % sizes[k]);
      rest = Math.floor(rest / sizes[k]);
    });
    inputs[0].dispatchEvent(new Event("input"));
    const ok = await img.decode().then(() => img.naturalWidth > 0, () => false);
    if (!ok) broken.push(inputs.map((el) => el.value).join("-"));
  }
  inputs.forEach((el, k) => { el.value = start[k]; });
  inputs[0].dispatchEvent(new Event("input"));
  return {total, broken};
}"""


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("name", sorted(EXPLORER_PAGES))
def test_static_explorer_moves(chromium: Browser, site: Server, name: str) -> None:
    """Every control changes the frame and the label, and every combination has a frame."""
    with open_page(chromium, f"{site.url}/{name}.html", same_host(site.url)) as visit:
        roots = visit.page.locator(".nnfb-static-explorer")
        assert roots.count() >= 1, f"{name}: no static explorer on the page"
        problems: list[str] = []
        for root in roots.all():
            explorer = root.get_attribute("data-explorer") or ""
            assert explorer == EXPLORER_PAGES[name], f"{name}: unexpected explorer {explorer!r}"
            root.scroll_into_view_if_needed()
            SCREENSHOTS.mkdir(exist_ok=True)
            root.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}-explorer.png")
            built = EXPLORERS[explorer]()
            problems += _explorer_problems(root, built.controls, built)
            grid = root.evaluate(EVERY_COMBINATION)
            problems += [f"combination {key}: no frame" for key in grid["broken"]]
        problems += visit.problems()
    assert not problems, f"{name}:\n" + "\n".join(problems)


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


# --- the checks themselves can fail -----------------------------------------------------


def test_build_log_check_flags_warnings_and_errors() -> None:
    """A warning, an error or a non-zero exit code makes the build unclean."""
    assert build_problems(0, "build succeeded.") == []
    assert build_problems(0, "book/intro.md:3: WARNING: undefined label: 'nope'")
    assert build_problems(0, "book/intro.md:5: ERROR: Unknown directive type.")
    assert build_problems(1, "build finished with problems.")
    kernel = "[IPKernelApp] WARNING | Kernel is running over TCP without encryption."
    assert build_problems(0, f"Executing: book/01.ipynb\n{kernel}\ndone") == [kernel]
    python = "/x/sphinx/util.py:12: RemovedInSphinx80Warning: use y instead"
    assert build_problems(0, python) == [python]
    assert build_problems(0, "a.py:3: DeprecationWarning: old") == [
        "a.py:3: DeprecationWarning: old"
    ]
    assert build_problems(0, "Debugger warning: frozen modules") == [
        "Debugger warning: frozen modules"
    ]
    clean = "reading sources... [100%] book/02_activations\nbuild succeeded.\n"
    assert build_problems(0, clean + "Executed notebook in 4.2 seconds\n") == []


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


def _toy_explorer() -> Explorer:
    """Two controls, six small frames."""

    def draw(fig: Any, shape: str, slope: float) -> None:
        fig.clear()
        x = np.linspace(-1.0, 1.0, 9)
        fig.subplots().plot(x, slope * (x if shape == "line" else x**2))

    def describe(shape: str, slope: float) -> str:
        return f"A {shape} of slope {slope:g} over x from -1 to 1."

    controls = [Choice("shape", ["line", "parabola"]), Slider("slope", [1.0, 2.0, 3.0])]
    return Explorer("toy", draw, controls, width=2.0, height=1.5, describe=describe)


@pytest.mark.browser
def test_explorer_checks_catch_a_broken_explorer(chromium: Browser, tmp_path: Path) -> None:
    """A working toy explorer passes; one that ignores its controls or lacks a frame fails."""
    explorer = _toy_explorer()
    good = explorer.static_html()
    pages = {
        "good": good,
        "deaf": re.sub(r'el\.addEventListener\("(input|change)", update\);', "", good),
        "gap": good.replace('"1-2":', '"9-9":'),
        "mute": good.replace("img.alt = data.alts[frame];", "")
        .replace('announce.textContent = said.join(", ");', "")
        .replace('el.setAttribute("aria-valuetext", shown);', ""),
    }
    assert len({pages["good"], pages["mute"]}) == 2
    for name, body in pages.items():
        (tmp_path / f"{name}.html").write_text(f"<!doctype html><body>{body}</body>")
    found: dict[str, list[str]] = {}
    with serve(tmp_path) as server:
        for name in pages:
            url = f"{server.url}/{name}.html"
            with open_page(chromium, url, same_host(server.url)) as visit:
                root = visit.page.locator(".nnfb-static-explorer")
                if name != "gap":
                    found[name] = _explorer_problems(root, explorer.controls, explorer)
                else:
                    grid = root.evaluate(EVERY_COMBINATION)
                    found[name] = [f"combination {key}: no frame" for key in grid["broken"]]
                found[name] += visit.problems()
    assert found["good"] == []
    deaf = "\n".join(found["deaf"])
    for expected in ("the frame did not change", "label shows", "arrow keys do not move"):
        assert expected in deaf, f"deaf explorer: {expected!r} not reported in {deaf}"
    gaps = [p for p in found["gap"] if p.startswith("combination")]
    assert gaps == ["combination 1-2: no frame"], found["gap"]
    mute = "\n".join(found["mute"])
    for expected in ("is not this frame's", "the live region says", "aria-valuetext is"):
        assert expected in mute, f"mute explorer: {expected!r} not reported in {mute}"


# --- accessibility: axe-core on every page, and every figure numbered and described ----

#: axe-core, installed from npm at test time into AXE_CACHE (ignored by git) and checked
#: against the digest of the pinned release before it is injected into any page.
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_CACHE = ROOT / ".cache" / f"axe-core-{AXE_VERSION}"
#: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_FAILING = ("critical", "serious")
COLOR_SCHEMES = ("light", "dark")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js of the pinned release, installed with npm (editions.node's, from PyPI)
    when not cached yet."""
    script = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        options = ["--no-save", "--no-package-lock", "--no-audit", "--no-fund"]
        package = ["--prefix", str(AXE_CACHE), f"axe-core@{AXE_VERSION}"]
        result = node.run(
            "npm", "install", *options, *package, capture_output=True, text=True, check=False
        )
        if result.returncode != 0 or not script.is_file():
            pytest.fail(f"npm could not install axe-core {AXE_VERSION}:\n{result.stderr[-2000:]}")
    digest = hashlib.sha256(script.read_bytes()).hexdigest()
    assert digest == AXE_SHA256, f"{script} is not axe-core {AXE_VERSION} (sha256 {digest})"
    return script.read_text(encoding="utf-8")


# The theme's buttons fade their colours in as the page opens in dark mode (Bootstrap's
# .btn transitions); axe-core measures what is on screen, so the run waits for every
# finite animation to end first, or a half-faded button reads as low contrast.
AXE_RUN = """async (tags) => {
  const finite = document.getAnimations().filter(
    (a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  await Promise.all(finite.map((a) => a.finished.catch(() => null)));
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def _axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, every impact."""
    page.add_script_tag(content=axe_source)
    return page.evaluate(AXE_RUN, AXE_TAGS)


def _axe_problems(violations: Sequence[dict[str, Any]]) -> list[str]:
    """One line per critical or serious violation, with a few of its elements."""
    return [
        f"axe {v['impact']} {v['id']} ({v['help']}) on {len(v['nodes'])} element(s): "
        + "; ".join(v["nodes"][:3])
        for v in violations
        if v["impact"] in AXE_FAILING
    ]


@pytest.fixture(scope="module")
def axe_counts() -> Iterator[dict[tuple[str, str], dict[str, int]]]:
    """Violations per page, scheme and impact, written to tests/screenshots/axe.txt."""
    table: dict[tuple[str, str], dict[str, int]] = {}
    yield table
    if table:
        SCREENSHOTS.mkdir(exist_ok=True)
        impacts = ("critical", "serious", "moderate", "minor")
        lines = [f"{'page':<30}{'scheme':>8}" + "".join(f"{i:>10}" for i in impacts)]
        for (name, scheme), row in sorted(table.items()):
            lines.append(f"{name:<30}{scheme:>8}" + "".join(f"{row[i]:>10}" for i in impacts))
        lines.append(f"axe-core {AXE_VERSION}, tags {', '.join(AXE_TAGS)}; elements per impact.")
        (SCREENSHOTS / "axe.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("scheme", COLOR_SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_page_passes_axe(
    chromium: Browser,
    site: Server,
    axe_source: str,
    axe_counts: dict[tuple[str, str], dict[str, int]],
    name: str,
    scheme: str,
) -> None:
    """No critical or serious axe-core violation, in the theme's light and dark modes."""
    url = f"{site.url}/{name}.html"
    with open_page(chromium, url, same_host(site.url), color_scheme=scheme) as visit:
        theme = visit.page.evaluate("document.documentElement.dataset.theme")
        assert theme == scheme, f"{name}: the page opened in {theme!r} mode, not {scheme!r}"
        violations = _axe_violations(visit.page, axe_source)
        if scheme == "dark" and name in EXPLORER_PAGES:
            root = visit.page.locator(".nnfb-static-explorer").first
            root.scroll_into_view_if_needed()
            SCREENSHOTS.mkdir(exist_ok=True)
            root.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}-explorer-dark.png")
    counts = dict.fromkeys(("critical", "serious", "moderate", "minor"), 0)
    for v in violations:
        counts[v["impact"]] += len(v["nodes"])
    axe_counts[name, scheme] = counts
    problems = _axe_problems(violations)
    assert not problems, f"{name} ({scheme}):\n" + "\n".join(problems)


AXE_BROKEN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>broken on purpose</title></head><body>
<main>
<p style="color: #999; background: #fff">Grey text that is too faint to read.</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<div role="list"><a href="#x">an entry that is not a list item</a></div>
<button></button>
</main></body></html>
"""


@pytest.mark.browser
def test_axe_check_catches_a_broken_page(
    chromium: Browser, axe_source: str, tmp_path: Path
) -> None:
    """The axe check reports each fault of a page made to have them."""
    (tmp_path / "broken.html").write_text(AXE_BROKEN_PAGE, encoding="utf-8")
    with serve(tmp_path) as server:
        with open_page(chromium, f"{server.url}/broken.html", same_host(server.url)) as visit:
            problems = _axe_problems(_axe_violations(visit.page, axe_source))
    text = "\n".join(problems)
    for rule in ("color-contrast", "image-alt", "aria-required-children", "button-name"):
        assert f" {rule} (" in text, f"axe did not report {rule}:\n{text}"


FIGURE_AUDIT = """() => {
  const article = document.querySelector("article.bd-article") || document.body;
  const fileName = /(^|\\/)[\\w.-]*\\.(png|jpe?g|gif|svg|webp)$|_images\\/|^[0-9a-f]{16,}/i;
  const describe = (alt) => {
    const text = (alt || "").trim();
    if (text.length < 15) return `alt text ${JSON.stringify(text)} is shorter than 15 characters`;
    if (fileName.test(text)) return `alt text ${JSON.stringify(text)} is a file name`;
    return null;
  };
  const figures = [], problems = [];
  for (const img of article.querySelectorAll("img")) {
    const where = (img.getAttribute("src") || "").slice(0, 60);
    const figure = img.closest("figure");
    const number = figure?.querySelector("figcaption .caption-number")?.textContent.trim();
    const caption = figure?.querySelector("figcaption .caption-text")?.textContent.trim();
    if (!figure) { problems.push(`${where}: not in a figure`); continue; }
    if (!/^Figure \\d+\\.\\d+$/.test(number || "")) problems.push(`${where}: no figure number`);
    if (!caption || caption.length < 15) problems.push(`${where}: no caption`);
    const cited = figure.id && Array.from(article.querySelectorAll("a.reference.internal"))
      .some((a) => a.getAttribute("href") === "#" + figure.id && a.textContent.trim() === number);
    if (!cited) problems.push(`${where}: ${number || "the figure"} is not cited by number`);
    const bad = describe(img.getAttribute("alt"));
    if (bad) problems.push(`${where}: ${bad}`);
    const frames = img.closest(".nnfb-static-explorer")?.querySelector(".nnfb-frames");
    if (frames) {
      const data = JSON.parse(frames.textContent);
      if (!data.alts || data.alts.length !== data.frames.length)
        problems.push(`${where}: the explorer has no alt text for every frame`);
      else data.alts.map(describe).filter(Boolean)
        .forEach((b) => problems.push(`${where}: a frame's ${b}`));
    }
    figures.push({number, alt: img.getAttribute("alt")});
  }
  return {figures, problems};
}"""


def _figure_audit(page: Page) -> tuple[list[dict[str, str]], list[str]]:
    """The page's figures (number, alt) and what is missing from each."""
    result = page.evaluate(FIGURE_AUDIT)
    return result["figures"], result["problems"]


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("name", NOTEBOOK_PAGES)
def test_every_figure_is_numbered_captioned_cited_and_described(
    chromium: Browser, site: Server, name: str
) -> None:
    """Each image of a chapter is a numbered, captioned figure that the prose cites by
    number, with alt text of 15 characters or more that is not a file name (every
    static explorer frame included); and a chapter's numbers are its own, in order."""
    with open_page(chromium, f"{site.url}/{name}.html", same_host(site.url)) as visit:
        figures, problems = _figure_audit(visit.page)
    chapter = NOTEBOOK_PAGES.index(name) + 1
    expected = [f"Figure {chapter}.{k}" for k in range(1, len(figures) + 1)]
    assert figures, f"{name}: no figure found, so nothing was checked"
    numbers = [f["number"] for f in figures]
    if numbers != expected:
        problems.append(f"figure numbers {numbers}, expected {expected}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


FIGURE_BROKEN_PAGE = """<!doctype html><html><body><article class="bd-article">
<img src="../_images/5aaa.png" alt="../_images/5aaa.png">
<figure id="fig-a"><img src="a.png" alt="short"><figcaption><p>
<span class="caption-text">A caption without its number.</span></p></figcaption></figure>
<figure id="fig-b"><img src="b.png" alt="A line plot of the loss against the step.">
<figcaption><p><span class="caption-number">Figure 1.2</span>
<span class="caption-text">No paragraph cites this figure.</span></p></figcaption></figure>
</article></body></html>"""


@pytest.mark.browser
def test_figure_check_catches_bare_figures(chromium: Browser, tmp_path: Path) -> None:
    """An image outside a figure, a file-name alt, a short alt, a figure without number
    and a figure nobody cites are all reported."""
    (tmp_path / "broken.html").write_text(FIGURE_BROKEN_PAGE, encoding="utf-8")
    with serve(tmp_path) as server:
        with open_page(chromium, f"{server.url}/broken.html", same_host(server.url)) as visit:
            _, problems = _figure_audit(visit.page)
    text = "\n".join(problems)
    for expected in (
        "../_images/5aaa.png: not in a figure",
        "a.png: no figure number",
        'a.png: alt text "short" is shorter than 15 characters',
        "b.png: Figure 1.2 is not cited by number",
    ):
        assert expected in text, f"not reported: {expected!r}\nreported:\n{text}"


# --- the student edition --------------------------------------------------------------


@pytest.fixture(scope="module")
def student_site(build: Path) -> Path:
    """The student edition, built after the full book, whose environment it reuses."""
    log = ANSI.sub("", student_edition.build(capture=True))
    problems = build_problems(0, log)
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

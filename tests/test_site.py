"""The built HTML book in headless Chromium, with the network blocked.

The book is built once (a warning fails the build) and ``_build/html`` is served on
127.0.0.1. Chromium opens every page of the table of contents in a context where any
request to another host is aborted and recorded. Every page must load only the site's
own files, log no JavaScript error, typeset all its math and show all its images;
every static explorer must change its figure and its value label when a control
moves; the search page must find results; and a copy of the site opened from disk
(file://) must work as well. Screenshots go to tests/screenshots/ (ignored by git),
with a table of each page's requests, weight, math and images.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
import yaml
from conftest import ROOT
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Request,
    Response,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from helpers.widgets import (
    Choice,
    Explorer,
    Slider,
    activation_explorer,
    gradient_flow_explorer,
    init_explorer,
)

SITE = ROOT / "_build" / "html"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CONFIG: dict[str, Any] = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
VIEWPORT = {"width": 1280, "height": 900}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
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


def _toc_pages() -> list[str]:
    """Every page of _toc.yml, root first, as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))

    def files(entries: Sequence[dict[str, Any]]) -> Iterator[str]:
        for entry in entries:
            if "file" in entry:
                yield entry["file"]
            yield from files(entry.get("sections", []))

    pages = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        pages += files(part.get("chapters", []))
    return pages


PAGES = _toc_pages()
NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / f"{p}.ipynb").exists()]


# --- the build ------------------------------------------------------------------------


#: A line of the build log that is a warning or an error of any kind: Sphinx's and
#: myst-nb's ("WARNING:", "ERROR:"), a kernel's or another logger's ("[IPKernelApp]
#: WARNING | ..."), Python's warnings ("x.py:3: DeprecationWarning: ...").
FLAGGED_LINE = re.compile(r"\b(WARNING|ERROR)\b|\b\w*(Warning|Error): |\bwarning: ", re.I)


def _build_problems(returncode: int, output: str) -> list[str]:
    """Why a build's exit code and log are not clean (empty when they are)."""
    problems = [f"exit code {returncode}"] if returncode else []
    flagged = [line.strip() for line in output.splitlines() if FLAGGED_LINE.search(line)]
    return problems + list(dict.fromkeys(flagged))


@pytest.fixture(scope="module")
def build() -> Path:
    """Build the book once (notebooks come from the execution cache when unchanged).

    ``--all`` re-reads every page, so the warnings of pages that did not change since
    the last build are reported again instead of hidden by the incremental build.
    """
    command = [Path(sys.executable).parent / "jupyter-book", "build", str(ROOT)]
    command += ["-W", "-n", "--keep-going", "--all"]
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    output = ANSI.sub("", result.stdout + result.stderr)
    problems = _build_problems(result.returncode, output)
    if problems:
        tail = "\n".join(output.splitlines()[-40:])
        pytest.fail("the book build is not clean:\n" + "\n".join(problems) + "\n...\n" + tail)
    return SITE


# --- serving and opening pages --------------------------------------------------------


class _Server(http.server.ThreadingHTTPServer):
    """An HTTP server that remembers every request: (path, status, bytes)."""

    daemon_threads = True

    def __init__(self, folder: Path) -> None:
        handler = functools.partial(_Handler, directory=str(folder))
        super().__init__(("127.0.0.1", 0), handler)
        self.requests: list[tuple[str, int, int]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder quietly and records each answer on the server."""

    server: _Server

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        local = Path(self.translate_path(self.path))
        size_on_disk = local.stat().st_size if local.is_file() else 0
        status = int(code) if isinstance(code, int) else 0
        self.server.requests.append((self.path, status, size_on_disk))

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _serve(folder: Path) -> Iterator[_Server]:
    """Serve a folder on a free port of 127.0.0.1 from a thread."""
    server = _Server(folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def site(build: Path) -> Iterator[_Server]:
    """The built site on 127.0.0.1, for the module."""
    with _serve(build) as server:
        yield server


@pytest.fixture(scope="module")
def chromium(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the module; name resolution only for 127.0.0.1."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        yield browser
        browser.close()


@dataclass
class Visit:
    """One page in its own browser context, and what it did while loading."""

    page: Page
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"request to another host: {url}" for url in self.blocked]
            + [f"failed request: {what}" for what in self.failed]
            + [f"JavaScript error: {what}" for what in self.errors]
        )


WAIT_FOR_MATHJAX = """async () => {
  const promise = window.MathJax?.startup?.promise;
  if (promise) await promise;
}"""


@contextmanager
def _open(browser: Browser, url: str, allowed: Callable[[str], bool]) -> Iterator[Visit]:
    """Open url in a fresh context that aborts and records every request not allowed."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.set_default_timeout(20_000)
    visit = Visit(context.new_page())

    def route(intercepted: Route) -> None:
        if allowed(intercepted.request.url):
            intercepted.continue_()
        else:
            visit.blocked.append(intercepted.request.url)
            intercepted.abort("blockedbyclient")

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            visit.errors.append(f"{message.text} ({message.location.get('url', '?')})")

    def failed(request: Request) -> None:
        if request.url not in visit.blocked:
            visit.failed.append(f"{request.failure} {request.url}")

    def response(response: Response) -> None:
        if response.status >= 400:
            visit.failed.append(f"{response.status} {response.url}")

    context.route("**/*", route)
    visit.page.on("console", console)
    visit.page.on("pageerror", lambda e: visit.errors.append(f"uncaught {e.name}: {e.message}"))
    visit.page.on("requestfailed", failed)
    visit.page.on("response", response)
    try:
        visit.page.goto(url, wait_until="load")
        visit.page.evaluate(WAIT_FOR_MATHJAX)
        yield visit
    finally:
        context.close()


def _same_host(base: str) -> Callable[[str], bool]:
    """Allow the server at base (and inline data:/blob: URLs)."""
    host = urlsplit(base).netloc
    return lambda url: url.startswith(("data:", "blob:")) or urlsplit(url).netloc == host


def _from_disk(url: str) -> bool:
    """Allow files on disk (and inline data:/blob: URLs)."""
    return url.startswith(("file:", "data:", "blob:"))


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


def _screenshot(page: Page, name: str) -> None:
    """The first screen as PNG and the whole page as JPEG (quicker to encode)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")
    page.screenshot(path=SCREENSHOTS / f"{name}-full.jpg", full_page=True, quality=70)


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
    chromium: Browser, site: _Server, figures: dict[str, dict[str, Any]], name: str
) -> None:
    """Only the site's own files, no error, all math typeset, all images shown."""
    start = len(site.requests)
    with _open(chromium, f"{site.url}/{name}.html", _same_host(site.url)) as visit:
        problems, state = _inspect(visit, needs_math=name in NOTEBOOK_PAGES)
        if name in NOTEBOOK_PAGES:
            problems += _binder_problems(visit.page, name)
        if name in EXPLORER_PAGES and not state["explorers"]:
            problems.append("the static explorer is missing")
        _screenshot(visit.page, name.replace("/", "_"))
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


def _explorer_problems(root: Locator, controls: Sequence[Slider | Choice]) -> list[str]:
    """Move every control to every value: the frame and the value label must follow."""
    problems: list[str] = []
    first = _frame(root)
    if not _frame_loads(root):
        problems.append("the first frame does not load")
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
def test_static_explorer_moves(chromium: Browser, site: _Server, name: str) -> None:
    """Every control changes the frame and the label, and every combination has a frame."""
    with _open(chromium, f"{site.url}/{name}.html", _same_host(site.url)) as visit:
        roots = visit.page.locator(".nnfb-static-explorer")
        assert roots.count() >= 1, f"{name}: no static explorer on the page"
        problems: list[str] = []
        for root in roots.all():
            explorer = root.get_attribute("data-explorer") or ""
            assert explorer == EXPLORER_PAGES[name], f"{name}: unexpected explorer {explorer!r}"
            root.scroll_into_view_if_needed()
            SCREENSHOTS.mkdir(exist_ok=True)
            root.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}-explorer.png")
            problems += _explorer_problems(root, EXPLORERS[explorer]().controls)
            grid = root.evaluate(EVERY_COMBINATION)
            problems += [f"combination {key}: no frame" for key in grid["broken"]]
        problems += visit.problems()
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.build
@pytest.mark.browser
def test_search_works_offline(chromium: Browser, site: _Server) -> None:
    """The built search index answers a query for a word the book uses."""
    url = f"{site.url}/search.html?q=gradient"
    with _open(chromium, url, _same_host(site.url)) as visit:
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
    with _open(chromium, (copy / f"{name}.html").as_uri(), _from_disk) as visit:
        problems, state = _inspect(visit, needs_math=True)
    assert state["math"] > 0 and state["containers"] > 0, "no math typeset from file://"
    assert not problems, f"{name} from file://:\n" + "\n".join(problems)


ICON = """() => {
  const link = document.querySelector("link[rel~='icon']");
  return new URL(link ? link.getAttribute("href") : "/favicon.ico", location.href).pathname;
}"""


@pytest.mark.build
@pytest.mark.browser
def test_page_icon_exists(chromium: Browser, site: _Server) -> None:
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
    assert _build_problems(0, "build succeeded.") == []
    assert _build_problems(0, "book/intro.md:3: WARNING: undefined label: 'nope'")
    assert _build_problems(0, "book/intro.md:5: ERROR: Unknown directive type.")
    assert _build_problems(1, "build finished with problems.")
    kernel = "[IPKernelApp] WARNING | Kernel is running over TCP without encryption."
    assert _build_problems(0, f"Executing: book/01.ipynb\n{kernel}\ndone") == [kernel]
    python = "/x/sphinx/util.py:12: RemovedInSphinx80Warning: use y instead"
    assert _build_problems(0, python) == [python]
    assert _build_problems(0, "a.py:3: DeprecationWarning: old") == [
        "a.py:3: DeprecationWarning: old"
    ]
    assert _build_problems(0, "Debugger warning: frozen modules") == [
        "Debugger warning: frozen modules"
    ]
    clean = "reading sources... [100%] book/02_activations\nbuild succeeded.\n"
    assert _build_problems(0, clean + "Executed notebook in 4.2 seconds\n") == []


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
    with _serve(tmp_path) as server:
        url = f"{server.url}/broken.html"
        with _open(chromium, url, _same_host(server.url)) as visit:
            problems, _ = _inspect(visit, needs_math=True)
            problems += _binder_problems(visit.page, NOTEBOOK_PAGES[0])
    text = "\n".join(problems)
    missed = [p for p in BROKEN_PAGE_PROBLEMS if p not in text]
    assert not missed, f"not reported: {missed}\nreported:\n{text}"


def _toy_explorer() -> Explorer:
    """Two controls, six small frames."""

    def draw(fig: Any, shape: str, slope: float) -> None:
        fig.clear()
        x = np.linspace(-1.0, 1.0, 9)
        fig.subplots().plot(x, slope * (x if shape == "line" else x**2))

    controls = [Choice("shape", ["line", "parabola"]), Slider("slope", [1.0, 2.0, 3.0])]
    return Explorer("toy", draw, controls, width=2.0, height=1.5)


@pytest.mark.browser
def test_explorer_checks_catch_a_broken_explorer(chromium: Browser, tmp_path: Path) -> None:
    """A working toy explorer passes; one that ignores its controls or lacks a frame fails."""
    explorer = _toy_explorer()
    good = explorer.static_html()
    pages = {
        "good": good,
        "deaf": re.sub(r'el\.addEventListener\("(input|change)", update\);', "", good),
        "gap": good.replace('"1-2":', '"9-9":'),
    }
    for name, body in pages.items():
        (tmp_path / f"{name}.html").write_text(f"<!doctype html><body>{body}</body>")
    found: dict[str, list[str]] = {}
    with _serve(tmp_path) as server:
        for name in pages:
            url = f"{server.url}/{name}.html"
            with _open(chromium, url, _same_host(server.url)) as visit:
                root = visit.page.locator(".nnfb-static-explorer")
                if name != "gap":
                    found[name] = _explorer_problems(root, explorer.controls)
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

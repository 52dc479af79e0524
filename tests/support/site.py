"""The browser tests' harness: the book built and served on 127.0.0.1, and headless
Chromium opening its pages with every request to another host aborted and recorded.

Fixtures (registered by tests/conftest.py): ``chromium_path``, the system Chromium;
``build``, the book of the current sources (the build ``python -m editions`` made, or
one made now, after the in-browser edition it needs), failing on any warning;
``site``, that build served (a :class:`Server` records every request); ``chromium``,
one browser per module that resolves no host but 127.0.0.1. :func:`open_page` gives a
:class:`Visit`; :func:`wait_for_lite_kernel` waits for a chapter of the in-browser
edition.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    ViewportSize,
)

from editions import book
from editions.site import (
    LITE_RUN_STATE,
    OFFLINE,
    QUIET,
    Server,
    find_chromium,
    launch,
    serve,
    wait_for_lite_kernel,
)

__all__ = [
    "LITE_RUN_STATE",
    "OFFLINE",
    "QUIET",
    "Server",
    "find_chromium",
    "launch",
    "serve",
    "wait_for_lite_kernel",
]

ROOT = book.ROOT
SITE = book.SITE
SCREENSHOTS = ROOT / "tests" / "screenshots"
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
#: Every page of the table of contents, root first, as paths without suffix.
PAGES = book.toc_files()
NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / f"{p}.ipynb").exists()]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# --- the browser ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the Chromium the browser tests drive; a missing one fails under CI=true."""
    path = find_chromium()
    if path is None:
        message = "no Chromium found (install Debian's chromium or set CHROMIUM)"
        if in_ci():
            pytest.fail(message + "; CI=true requires the browser tests to run")
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def chromium(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the module, quiet (no background traffic), resolving
    no host but 127.0.0.1."""
    with launch(chromium_path, *QUIET, OFFLINE) as browser:
        yield browser


# --- the build ------------------------------------------------------------------------


@contextmanager
def _build_lock() -> Iterator[None]:
    """One build at a time: the test workers (xdist) share _build."""
    book.BUILD.mkdir(parents=True, exist_ok=True)
    with open(book.BUILD / ".tests-build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_built(edition: str, make: Callable[[], list[str]]) -> list[str]:
    """The problems of ``edition``'s build of the current sources: the one that
    ``python -m editions`` made and noted (editions.book.record), when it is of these
    sources and complete; otherwise ``make()`` builds it now and returns its problems."""
    with _build_lock():
        problems = book.recorded(edition)
        if problems is None:
            digest = book.sources_digest()
            problems = make()
            if not any(p.startswith("exit code") for p in problems):
                book.record(edition, problems, True, digest)
    return problems


def _make_book() -> list[str]:
    """Build the book with ``--all``, which re-reads every page, so that the warnings
    of pages that did not change since the last build are reported again."""
    returncode, log = book.run_logged(book.build_command(ROOT, "--all"), quiet=True)
    problems = book.log_problems(returncode, log)
    if problems:
        problems.append("... " + "\n".join(log.splitlines()[-40:]))
    return problems


def make_lite() -> list[str]:
    """Build the in-browser edition (it logs no warnings of its own: a failure raises)."""
    from editions import lite

    lite.build()
    return []


@pytest.fixture(scope="session")
def build() -> Path:
    """The HTML book of the current sources, its log clean (a warning fails). The
    in-browser edition of these sources comes first, as ``python -m editions`` builds
    it: the book's explorers start their live mode with its Pyodide."""
    ensure_built("lite", make_lite)
    problems = ensure_built("book", _make_book)
    if problems:
        pytest.fail("the book build is not clean:\n" + "\n".join(problems))
    return SITE


# --- serving --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def site(build: Path) -> Iterator[Server]:
    """The built site on 127.0.0.1."""
    with serve(build) as server:
        yield server


# --- opening pages --------------------------------------------------------------------


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
def open_page(
    browser: Browser,
    url: str,
    allowed: Callable[[str], bool],
    viewport: ViewportSize = VIEWPORT,
    color_scheme: Literal["light", "dark"] = "light",
    context: BrowserContext | None = None,
) -> Iterator[Visit]:
    """Open url in a fresh context that aborts and records every request not allowed.

    color_scheme: the reader's system preference; the theme starts in auto mode, so
    "dark" opens the page in the theme's dark mode.
    context: open the page in this context instead (sharing its cache with the pages
    opened before), and route only this page's requests (its workers' included);
    viewport and color_scheme are then the context's.
    """
    shared = context is not None
    if context is None:
        context = browser.new_context(
            viewport=viewport, service_workers="block", color_scheme=color_scheme
        )
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

    (visit.page if shared else context).route("**/*", route)
    visit.page.on("console", console)
    visit.page.on("pageerror", lambda e: visit.errors.append(f"uncaught {e.name}: {e.message}"))
    visit.page.on("requestfailed", failed)
    visit.page.on("response", response)
    try:
        visit.page.goto(url, wait_until="load")
        visit.page.evaluate(WAIT_FOR_MATHJAX)
        yield visit
    finally:
        visit.page.close() if shared else context.close()


def same_host(base: str) -> Callable[[str], bool]:
    """Allow the server at base (and inline data:/blob: URLs)."""
    host = urlsplit(base).netloc
    return lambda url: url.startswith(("data:", "blob:")) or urlsplit(url).netloc == host


def from_disk(url: str) -> bool:
    """Allow files on disk (and inline data:/blob: URLs)."""
    return url.startswith(("file:", "data:", "blob:"))


#: NNFB_FULL_SCREENSHOTS=1 adds a picture of each whole page to the first screen's. A
#: whole chapter is 40,000 px tall or more; drawing it costs seconds a page, for a
#: picture that only a person looking at the pages wants, so the test run skips it.
FULL_SCREENSHOTS = os.environ.get("NNFB_FULL_SCREENSHOTS") == "1"


def screenshot(page: Page, name: str) -> None:
    """The first screen as PNG, and with FULL_SCREENSHOTS the whole page as JPEG."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")
    if FULL_SCREENSHOTS:
        page.screenshot(path=SCREENSHOTS / f"{name}-full.jpg", full_page=True, quality=70)

"""The browser tests' harness: the book built and served on 127.0.0.1, and headless
Chromium opening its pages with every request to another host aborted and recorded.

Fixtures (registered by tests/conftest.py): ``chromium_path``, the system Chromium;
``build``, the book built once per module, failing on any warning; ``site``, that
build served (a :class:`Server` records every request); ``chromium``, one browser per
module that resolves no host but 127.0.0.1. :func:`open_page` gives a :class:`Visit`;
:func:`wait_for_lite_kernel` waits for a chapter of the in-browser edition.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
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
    """One headless Chromium for the module; name resolution only for 127.0.0.1."""
    with launch(chromium_path, OFFLINE) as browser:
        yield browser


# --- the build ------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: A line of the build log that is a warning or an error of any kind: Sphinx's and
#: myst-nb's ("WARNING:", "ERROR:"), a kernel's or another logger's ("[IPKernelApp]
#: WARNING | ..."), Python's warnings ("x.py:3: DeprecationWarning: ...").
FLAGGED_LINE = re.compile(r"\b(WARNING|ERROR)\b|\b\w*(Warning|Error): |\bwarning: ", re.I)


def build_problems(returncode: int, output: str) -> list[str]:
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
    command = book.build_command(ROOT, "--all")
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    output = ANSI.sub("", result.stdout + result.stderr)
    problems = build_problems(result.returncode, output)
    if problems:
        tail = "\n".join(output.splitlines()[-40:])
        pytest.fail("the book build is not clean:\n" + "\n".join(problems) + "\n...\n" + tail)
    return SITE


# --- serving --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(build: Path) -> Iterator[Server]:
    """The built site on 127.0.0.1, for the module."""
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
) -> Iterator[Visit]:
    """Open url in a fresh context that aborts and records every request not allowed.

    color_scheme: the reader's system preference; the theme starts in auto mode, so
    "dark" opens the page in the theme's dark mode.
    """
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


def same_host(base: str) -> Callable[[str], bool]:
    """Allow the server at base (and inline data:/blob: URLs)."""
    host = urlsplit(base).netloc
    return lambda url: url.startswith(("data:", "blob:")) or urlsplit(url).netloc == host


def from_disk(url: str) -> bool:
    """Allow files on disk (and inline data:/blob: URLs)."""
    return url.startswith(("file:", "data:", "blob:"))


def screenshot(page: Page, name: str) -> None:
    """The first screen as PNG and the whole page as JPEG (quicker to encode)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")
    page.screenshot(path=SCREENSHOTS / f"{name}-full.jpg", full_page=True, quality=70)
